import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AGENT_LEASE_NAME } from '../../../src/agent/hub-lease.js';
import { openHubCredentials, SAVED_TOKEN_FILE, type AgentHubCredentials } from '../../../src/agent/credentials.js';
import { HUB_LEASE_ANNOTATIONS } from '../../../src/api/agent-lease.js';
import { ManualClock } from '../../../src/clock.js';
import { eventually } from '../../eventually.js';
import { capturedLogger, FakeHub } from './fake-hub.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const LEASE = `/apis/coordination.k8s.io/v1/namespaces/gridlake-site-naver/leases/${AGENT_LEASE_NAME}`;

const kubeconfig = (token: string): string => `apiVersion: v1
kind: Config
clusters: [{name: hub, cluster: {server: 'https://hub.example:6443', insecure-skip-tls-verify: true}}]
users: [{name: agent, user: {token: '${token}'}}]
contexts: [{name: hub, context: {cluster: hub, user: agent}}]
current-context: hub
`;

let dir: string;
let clock: ManualClock;
let hub: FakeHub;
let opened: AgentHubCredentials[];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gl-cred-'));
  clock = new ManualClock(T0);
  hub = new FakeHub(() => clock.now());
  opened = [];
});
afterEach(async () => {
  for (const c of opened) await c.stop();
  await rm(dir, { recursive: true, force: true });
});

async function open(extra: { pollMs?: number; registry?: Registry; logger?: ReturnType<typeof capturedLogger> } = {}) {
  const log = extra.logger ?? capturedLogger();
  const creds = await openHubCredentials({
    bootstrapKubeconfig: path.join(dir, 'bootstrap.kubeconfig'),
    stateDir: path.join(dir, 'state'),
    site: 'naver',
    clock,
    logger: log.logger,
    connect: hub.connect,
    bootstrapPollMs: extra.pollMs ?? 1e12,
    rng: () => 0.5,
    ...(extra.registry ? { registry: extra.registry } : {}),
  });
  opened.push(creds);
  return { creds, log };
}

const writeBootstrap = (token: string): Promise<void> =>
  writeFile(path.join(dir, 'bootstrap.kubeconfig'), kubeconfig(token));
const metric = async (r: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> => {
  const m = (await r.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values as { labels: Record<string, string>; value: number }[] | undefined)?.find((v) =>
    Object.entries(labels).every(([k, x]) => v.labels[k] === x),
  )?.value;
};

describe('hub credentials', () => {
  it('trades the bootstrap token for its own, keeps it 0600 in the state folder and sends it on every request', async () => {
    const boot = hub.mint(3600);
    await writeBootstrap(boot);
    hub.leaseAnnotations = { [HUB_LEASE_ANNOTATIONS.tokenExpirationSeconds]: '7200' };
    const registry = new Registry();
    const { creds } = await open({ registry });
    expect(hub.tokenRequests).toEqual([{ token: boot, expirationSeconds: 7200 }]);
    expect(creds.state()).toEqual({ kind: 'ok' });
    expect(creds.serviceAccountUID()).toBe('uid-1');
    expect(creds.tokenExpiry()).toBe(T0 + 7200_000);
    const file = path.join(dir, 'state', SAVED_TOKEN_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(file, 'utf8')) as { token: string };
    expect(saved.token).not.toBe(boot);
    await creds.client.request({ method: 'GET', path: '/api/v1/namespaces/gridlake-site-naver/x' });
    expect(hub.seen.at(-1)).toBe(saved.token);
    expect(await metric(registry, 'gridlake_agent_token_expiry_seconds', { site: 'naver' })).toBe(
      (T0 + 7200_000) / 1000,
    );
    expect(await metric(registry, 'gridlake_agent_credentials_state', { site: 'naver', state: 'ok' })).toBe(1);
  });

  it('asks for the default lifetime (86400 s) while the Lease does not say, and never less than 600 s', async () => {
    await writeBootstrap(hub.mint(3600));
    await open();
    expect(hub.tokenRequests[0]?.expirationSeconds).toBe(86400);
    hub.leaseAnnotations = { [HUB_LEASE_ANNOTATIONS.tokenExpirationSeconds]: '60' };
    clock.advance(43_200_000);
    await eventually('second request', () => hub.tokenRequests.length === 2, { timeoutMs: 2000 });
    expect(hub.tokenRequests[1]?.expirationSeconds).toBe(600);
  });

  it('refreshes at half-life, each token minted with the one before', async () => {
    await writeBootstrap(hub.mint(3600));
    hub.leaseAnnotations = { [HUB_LEASE_ANNOTATIONS.tokenExpirationSeconds]: '3600' };
    const { creds } = await open();
    const first = (JSON.parse(await readFile(path.join(dir, 'state', SAVED_TOKEN_FILE), 'utf8')) as { token: string })
      .token;
    clock.advance(1_799_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(hub.tokenRequests).toHaveLength(1);
    clock.advance(1_000);
    await eventually('refresh', () => hub.tokenRequests.length === 2, { timeoutMs: 2000 });
    expect(hub.tokenRequests[1]?.token).toBe(first);
    await eventually('adopted', () => creds.tokenExpiry() === T0 + 1_800_000 + 3_600_000, { timeoutMs: 2000 });
    clock.advance(1_800_000);
    await eventually('third', () => hub.tokenRequests.length === 3, { timeoutMs: 2000 });
    expect(hub.tokenRequests[2]?.token).not.toBe(first);
  });

  it('restarts from the saved token, not the bootstrap one; an expired saved token falls back to bootstrap', async () => {
    const boot = hub.mint(3600);
    await writeBootstrap(boot);
    const { creds } = await open();
    await creds.stop();
    const saved = (JSON.parse(await readFile(path.join(dir, 'state', SAVED_TOKEN_FILE), 'utf8')) as { token: string })
      .token;
    const again = (await open()).creds;
    expect(hub.tokenRequests.map((r) => r.token)).toEqual([boot, saved]);
    expect(again.state().kind).toBe('ok');
    await again.stop();
    // A day later the saved token (86400 s) has expired; the bootstrap token is tried (and refused: it lasted 1 h).
    clock.advance(86_400_000 + 1);
    const late = (await open()).creds;
    expect(hub.tokenRequests).toHaveLength(2);
    expect(late.state()).toMatchObject({ kind: 'revoked' });
  });

  it('turns revoked on a 401, says so once, and is re-admitted by a new bootstrap kubeconfig without a restart', async () => {
    await writeBootstrap(hub.mint(3600));
    const registry = new Registry();
    const log = capturedLogger();
    const { creds } = await open({ registry, logger: log, pollMs: 1000 });
    hub.recreateAccount('uid-2');
    await expect(creds.client.request({ method: 'GET', path: LEASE })).rejects.toThrow(/Unauthorized/);
    expect(creds.state()).toMatchObject({ kind: 'revoked', sinceMs: T0 });
    await expect(creds.client.request({ method: 'GET', path: LEASE })).rejects.toThrow(/Unauthorized/);
    const errors = () => log.lines().filter((l) => l['level'] === 'error');
    expect(errors()).toHaveLength(1);
    expect(String(errors()[0]?.['msg'])).toMatch(
      /site naver.*credentialsEpoch.*kubectl create token gridlake-agent -n gridlake-site-naver --duration=1h/,
    );
    expect(await metric(registry, 'gridlake_agent_credentials_state', { site: 'naver', state: 'revoked' })).toBe(1);
    expect(await metric(registry, 'gridlake_agent_credentials_state', { site: 'naver', state: 'ok' })).toBe(0);
    // The admin hands a new bootstrap token for the new account.
    await writeBootstrap(hub.mint(3600, 'uid-2'));
    clock.advance(1000);
    await eventually('re-admitted', () => creds.state().kind === 'ok', { timeoutMs: 3000 });
    expect(creds.serviceAccountUID()).toBe('uid-2');
    await creds.client.request({ method: 'GET', path: '/api/v1/x' });
    expect(errors()).toHaveLength(1);
  });

  it('while revoked, retries every ~5 minutes (not on every refused request)', async () => {
    await writeBootstrap(hub.mint(3600));
    const { creds } = await open();
    hub.recreateAccount('uid-2');
    await creds.client.request({ method: 'GET', path: '/api/v1/x' }).catch(() => undefined);
    // One attempt at once: the held token, then the bootstrap token; both refused.
    await eventually('kicked attempt', () => hub.tokenAttempts === 3 && clock.nextWakeAt === T0 + 300_000, {
      timeoutMs: 2000,
    });
    for (let i = 0; i < 5; i++) await creds.client.request({ method: 'GET', path: '/api/v1/x' }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    expect(hub.tokenAttempts).toBe(3);
    clock.advance(299_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(hub.tokenAttempts).toBe(3);
    clock.advance(1_000);
    await eventually('retried', () => hub.tokenAttempts === 5, { timeoutMs: 2000 });
    expect(creds.state().kind).toBe('revoked');
  });

  it('does not keep a token minted for a re-created account (the API server authentication cache window)', async () => {
    await writeBootstrap(hub.mint(3600));
    const { creds } = await open();
    hub.mintFor = 'uid-new';
    clock.advance(43_200_000);
    await eventually('refused', () => creds.state().kind === 'revoked', { timeoutMs: 2000 });
    expect(creds.state()).toMatchObject({ reason: expect.stringMatching(/re-created \(uid uid-1 → uid-new\)/) });
    expect(creds.serviceAccountUID()).toBe('uid-1');
  });

  it('is unreachable on network errors and ok again once the hub answers', async () => {
    await writeBootstrap(hub.mint(3600));
    const { creds } = await open();
    hub.down = true;
    await expect(creds.client.request({ method: 'GET', path: '/api/v1/x' })).rejects.toThrow();
    expect(creds.state()).toMatchObject({ kind: 'unreachable', sinceMs: T0 });
    hub.down = false;
    await creds.client.request({ method: 'GET', path: '/api/v1/x' });
    expect(creds.state()).toEqual({ kind: 'ok' });
    // A hub that answers 503 is as good as away; a 403 is a missing right, not a connection problem.
    hub.failWith = 503;
    await expect(creds.client.request({ method: 'GET', path: '/api/v1/x' })).rejects.toThrow();
    expect(creds.state()).toMatchObject({ kind: 'unreachable' });
    hub.failWith = undefined;
    await creds.client.request({ method: 'GET', path: '/api/v1/x' });
    hub.failWith = 403;
    await expect(creds.client.request({ method: 'GET', path: '/api/v1/x' })).rejects.toThrow();
    expect(creds.state()).toEqual({ kind: 'ok' });
  });

  it('refuses a bootstrap kubeconfig without a token', async () => {
    await writeFile(path.join(dir, 'bootstrap.kubeconfig'), kubeconfig('').replace(`{token: ''}`, '{}'));
    await expect(open()).rejects.toThrow(/needs a current context with a cluster and a user token/);
  });
});
