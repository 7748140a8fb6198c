import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_NAME, renderSiteChildren } from '../../../controllers/remote-site-plan.js';
import { LEASES, NAMESPACES, ROLE_BINDINGS, ROLES, SERVICE_ACCOUNTS } from '../../../controllers/resources.js';
import { openHubCredentials, SAVED_TOKEN_FILE, type AgentHubCredentials } from '../../../src/agent/credentials.js';
import { AgentHeartbeat, startHeartbeat } from '../../../src/agent/heartbeat.js';
import { readTokenClaims } from '../../../src/agent/token-claims.js';
import { AGENT_LEASE_ANNOTATIONS, HUB_LEASE_ANNOTATIONS } from '../../../src/api/agent-lease.js';
import { siteNamespace } from '../../../src/api/remote-site.js';
import { errorStatus } from '../../../src/k8s/api-errors.js';
import { objectPath, resourcePath, type KubeClient } from '../../../src/k8s/kube-client.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { createLogger, type Logger } from '../../../src/observe/log.js';
import { eventually } from '../../eventually.js';
import { kube, type KubeInfo } from '../../infra/index.js';
import { client as adminClient, rand } from '../k8s/helpers.js';

/**
 * The agent's hub identity against the real kube-apiserver: the site
 * namespace holds the ServiceAccount, Role and RoleBinding exactly as the
 * RemoteSite controller renders them and the Lease as it creates it; an admin
 * mints the bootstrap token. The agent trades it for its own tokens, renews
 * the Lease, and is refused once its account is re-created.
 */
let k: KubeInfo;
let admin: KubeClient;
let dir: string;
const site = `a${rand()}`;
const ns = siteNamespace(site);
const GRACE = '120';

const lines: Record<string, unknown>[] = [];
const logger: Logger = createLogger({
  level: 'info',
  format: 'json',
  destination: new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  }),
});

const post = (ref: typeof NAMESPACES, namespace: string | undefined, body: unknown) =>
  admin.request<KubeObject>({ method: 'POST', path: resourcePath({ ...ref, namespace }), body });

/** What the controller renders for the RemoteSite; no RemoteSite exists here, so no owner reference (the garbage collector would delete the children of a missing owner). */
function children(): Record<'namespace' | 'serviceAccount' | 'role' | 'roleBinding', KubeObject> {
  const all = renderSiteChildren({
    apiVersion: 'gridlake.io/v1alpha1',
    kind: 'RemoteSite',
    metadata: { name: site, uid: '00000000-0000-0000-0000-000000000000' },
    spec: { credentialsEpoch: 0 },
  });
  const bare = (o: KubeObject): KubeObject => ({ ...o, metadata: { ...o.metadata, ownerReferences: [] } });
  return {
    namespace: bare(all.namespace),
    serviceAccount: bare(all.serviceAccount),
    role: bare(all.role),
    roleBinding: bare(all.roleBinding),
  };
}

async function mintBootstrap(seconds = 3600): Promise<string> {
  const res = await admin.request<{ status: { token: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${ns}/serviceaccounts/${AGENT_NAME}/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: seconds } },
  });
  return res.status.token;
}

const bootstrapFile = (): string => path.join(dir, 'bootstrap.kubeconfig');
const writeBootstrap = (token: string): Promise<void> =>
  writeFile(
    bootstrapFile(),
    `apiVersion: v1
kind: Config
clusters: [{name: hub, cluster: {server: '${k.server}', certificate-authority: '${k.caFile}'}}]
users: [{name: agent, user: {token: '${token}'}}]
contexts: [{name: hub, context: {cluster: hub, user: agent, namespace: ${ns}}}]
current-context: hub
`,
  );

const open = (registry = new Registry()): Promise<AgentHubCredentials> =>
  openHubCredentials({
    bootstrapKubeconfig: bootstrapFile(),
    stateDir: path.join(dir, 'state'),
    site,
    logger,
    registry,
    // 600 s tokens (the API server's minimum) refreshed after 1.8 s, so the test sees a chain.
    refreshFraction: 0.003,
    bootstrapPollMs: 500,
  });

const lease = (): Promise<KubeObject> =>
  admin.request<KubeObject>({ method: 'GET', path: objectPath({ ...LEASES, namespace: ns }, AGENT_NAME) });

const savedToken = async (): Promise<string> =>
  (JSON.parse(await readFile(path.join(dir, 'state', SAVED_TOKEN_FILE), 'utf8')) as { token: string }).token;

beforeAll(async () => {
  k = await kube();
  admin = adminClient(k);
  dir = await mkdtemp(path.join(tmpdir(), 'gl-agent-id-'));
  const c = children();
  await post(NAMESPACES, undefined, c.namespace);
  await post(ROLES, ns, c.role);
  await post(ROLE_BINDINGS, ns, c.roleBinding);
  await post(SERVICE_ACCOUNTS, ns, c.serviceAccount);
  await post(LEASES, ns, {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: AGENT_NAME,
      annotations: {
        [HUB_LEASE_ANNOTATIONS.revokedGraceSeconds]: GRACE,
        [HUB_LEASE_ANNOTATIONS.tokenExpirationSeconds]: '600',
      },
    },
    spec: { leaseDurationSeconds: 40 },
  });
  await writeBootstrap(await mintBootstrap());
});

afterAll(async () => {
  await admin?.request({ method: 'DELETE', path: objectPath(NAMESPACES, ns) }).catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('agent hub identity (real kube-apiserver)', () => {
  let creds: AgentHubCredentials;
  let heartbeat: AgentHeartbeat;
  const registry = new Registry();

  it('trades the bootstrap token for its own 600 s tokens, chains refreshes, and holds only its rights', async () => {
    creds = await open(registry);
    expect(creds.state()).toEqual({ kind: 'ok' });
    const first = await savedToken();
    const claims = readTokenClaims(first)!;
    expect(claims.subject).toBe(`system:serviceaccount:${ns}:${AGENT_NAME}`);
    expect(claims.expiresAt! - claims.issuedAt!).toBe(600_000);
    expect(creds.serviceAccountUID()).toBe(
      (
        await admin.request<KubeObject>({
          method: 'GET',
          path: objectPath({ ...SERVICE_ACCOUNTS, namespace: ns }, AGENT_NAME),
        })
      ).metadata.uid,
    );
    // Two refreshes, each minted with the token before it.
    const seen = new Set([first]);
    await eventually('two refreshes', async () => (seen.add(await savedToken()), seen.size >= 3), {
      timeoutMs: 15_000,
      intervalMs: 200,
    });
    expect(creds.state()).toEqual({ kind: 'ok' });

    const denied = async (method: 'GET' | 'POST', p: string, body?: unknown): Promise<number | undefined> =>
      creds.client.request({ method, path: p, ...(body ? { body } : {}) }).then(
        () => 200,
        (err: unknown) => errorStatus(err),
      );
    expect(await denied('GET', `/api/v1/namespaces/${ns}/pods`)).toBe(403);
    expect(await denied('GET', `/api/v1/namespaces/${ns}/secrets`)).toBe(403);
    expect(await denied('GET', `/api/v1/namespaces/default/configmaps`)).toBe(403);
    expect(
      await denied('POST', `/api/v1/namespaces/${ns}/serviceaccounts/default/token`, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {},
      }),
    ).toBe(403);
    expect(await denied('GET', objectPath({ ...LEASES, namespace: ns }, AGENT_NAME))).toBe(200);
    // 403 is not revocation.
    expect(creds.state()).toEqual({ kind: 'ok' });
  });

  it('renews the Lease with its annotations, keeps the hub annotations, and fences a second copy', async () => {
    heartbeat = startHeartbeat({
      client: creds.client,
      site,
      identity: 'agent-0/boot-1',
      intervalSeconds: 1,
      logger,
      registry,
      report: () => ({
        version: '0.0.0-test',
        serviceAccountUID: creds.serviceAccountUID()!,
        tokenExpiry: creds.tokenExpiry()!,
        spoolRecords: 0,
      }),
    });
    const renewed = await eventually(
      'renewed',
      async () => {
        const l = await lease();
        return (l['spec'] as { holderIdentity?: string }).holderIdentity === 'agent-0/boot-1' && l;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(renewed.metadata.annotations).toMatchObject({
      [HUB_LEASE_ANNOTATIONS.revokedGraceSeconds]: GRACE,
      [HUB_LEASE_ANNOTATIONS.tokenExpirationSeconds]: '600',
      [AGENT_LEASE_ANNOTATIONS.version]: '0.0.0-test',
      [AGENT_LEASE_ANNOTATIONS.serviceAccountUID]: creds.serviceAccountUID(),
      [AGENT_LEASE_ANNOTATIONS.spoolRecords]: '0',
    });
    expect(renewed['spec']).toMatchObject({ leaseDurationSeconds: 40, leaseTransitions: 1 });
    expect((renewed['spec'] as { renewTime: string }).renewTime).toMatch(/\.\d{6}Z$/);
    expect(heartbeat.revokedGraceSeconds()).toBe(Number(GRACE));

    const second = new AgentHeartbeat({
      client: creds.client,
      site,
      identity: 'agent-1/boot-9',
      logger,
      report: () => ({ version: 'second' }),
    });
    expect(await second.renew()).toEqual({ kind: 'fenced', holder: 'agent-0/boot-1' });
    expect(second.failures()).toBe(1);
    const after = await lease();
    expect((after['spec'] as { holderIdentity: string }).holderIdentity).toBe('agent-0/boot-1');
    expect(after.metadata.annotations?.[AGENT_LEASE_ANNOTATIONS.version]).toBe('0.0.0-test');
  });

  it('keeps its saved token across a restart of the credentials', async () => {
    await creds.stop();
    const before = await savedToken();
    const from = lines.length;
    creds = await open(registry);
    expect(creds.state()).toEqual({ kind: 'ok' });
    const renewedVia = lines.slice(from).find((l) => l['msg'] === 'hub token renewed');
    expect(renewedVia).toMatchObject({ via: 'operating' });
    expect(await savedToken()).not.toBe(before);
  });

  it('is refused within seconds once its ServiceAccount is re-created, says so, and a new bootstrap token re-admits it', async () => {
    // The heartbeat keeps running on the old credentials object's client: restart it on the new one.
    await heartbeat.stop();
    heartbeat = startHeartbeat({
      client: creds.client,
      site,
      identity: 'agent-0/boot-1',
      intervalSeconds: 1,
      logger,
      registry,
      report: () => ({ version: '0.0.0-test', serviceAccountUID: creds.serviceAccountUID()! }),
    });
    const oldUid = creds.serviceAccountUID();
    const from = lines.length;
    // What the controller does on a credentialsEpoch bump: delete the account, create it again.
    await admin.request({ method: 'DELETE', path: objectPath({ ...SERVICE_ACCOUNTS, namespace: ns }, AGENT_NAME) });
    const t0 = Date.now();
    await post(SERVICE_ACCOUNTS, ns, children().serviceAccount);
    await eventually('revoked', () => creds.state().kind === 'revoked', { timeoutMs: 20_000, intervalMs: 100 });
    const took = Date.now() - t0;
    const errors = lines.slice(from).filter((l) => l['level'] === 'error');
    expect(errors).toHaveLength(1);
    expect(String(errors[0]?.['msg'])).toMatch(new RegExp(`site ${site}.*credentialsEpoch.*kubectl create token`));
    const state = (await registry.getSingleMetric('gridlake_agent_credentials_state')?.get())?.values ?? [];
    expect(state.find((v) => v.labels['state'] === 'revoked')?.value).toBe(1);
    expect(state.find((v) => v.labels['state'] === 'ok')?.value).toBe(0);
    // The API server itself refuses the old token once its ~10 s authentication cache lets go of it:
    // far within one token lifetime (600 s).
    await eventually('heartbeat refused', () => heartbeat.failures() >= 2, { timeoutMs: 25_000, intervalMs: 100 });
    const refused = Date.now() - t0;
    expect(creds.serviceAccountUID()).toBe(oldUid);

    // The admin mints a new bootstrap token for the new account and replaces the file.
    await writeBootstrap(await mintBootstrap());
    await eventually('re-admitted', () => creds.state().kind === 'ok', { timeoutMs: 10_000, intervalMs: 100 });
    expect(creds.serviceAccountUID()).not.toBe(oldUid);
    await eventually(
      'renewed by the new account',
      async () =>
        (await lease()).metadata.annotations?.[AGENT_LEASE_ANNOTATIONS.serviceAccountUID] ===
          creds.serviceAccountUID() && heartbeat.failures() === 0,
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    await heartbeat.stop();
    await creds.stop();
    console.log(`ServiceAccount re-created: agent revoked after ${took} ms, its heartbeat refused after ${refused} ms`);
  }, 90_000);
});
