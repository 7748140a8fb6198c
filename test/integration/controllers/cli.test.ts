import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYMENTS, LEASES, POWER_SOURCES, SECRETS } from '../../../controllers/resources.js';
import { buildChild } from '../../unit/bus/build-child.js';
import { IMAGE, create, currentStatus, eventually, get, rand, setup, type Env } from './helpers.js';

/**
 * `gridlake controller` as a real process (the CLI bundled, as `node dist/src/cli.js`
 * would run it) against the test API server: it leads, reconciles, serves
 * /metrics /healthz /readyz, and on SIGTERM drains, releases its Lease and
 * exits 0 by itself (pitfall 10: no process.exit, nothing left running).
 */
let env: Env;
let cli: string;
let proc: ChildProcess | undefined;

beforeAll(async () => {
  env = await setup('ctl-cli');
  cli = await buildChild(path.resolve(import.meta.dirname, '../../../src/cli.ts'), 'gridlake-cli');
}, 120_000);
afterAll(async () => {
  if (proc && proc.exitCode === null) proc.kill('SIGKILL');
  if (cli) await rm(cli, { force: true });
  await env?.teardown();
});

interface LogLine {
  msg: string;
  level: string;
  [k: string]: unknown;
}

describe('gridlake controller', () => {
  it('starts, leads, reconciles, serves probes and metrics, and releases its Lease on SIGTERM', async () => {
    const { client, ns, k } = env;
    const lease = `ctl-${rand()}`;
    const identity = `cli-${rand()}`;
    // Env var fallbacks a Deployment would set (POD_NAMESPACE for the Lease).
    proc = spawn(
      process.execPath,
      [
        cli,
        'controller',
        '--kubeconfig',
        k.kubeconfig,
        '--namespace',
        ns,
        '--lease-name',
        lease,
        '--identity',
        identity,
        '--metrics-port',
        '0',
        '--metrics-host',
        '127.0.0.1',
        '--image',
        IMAGE,
      ],
      { env: { ...process.env, POD_NAMESPACE: ns }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines: string[] = [];
    let stderr = '';
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      lines.push(...parts.filter((l) => l.trim() !== ''));
    });
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(proc, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const logs = (): LogLine[] => lines.map((l) => JSON.parse(l) as LogLine);

    const started = await eventually(() => {
      if (proc?.exitCode !== null) throw new Error(`controller exited ${proc?.exitCode}: ${stderr}`);
      return logs().find((l) => l.msg === 'controller started');
    }, 30_000);
    const address = started['address'] as string;
    expect(address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${address}/healthz`)).status).toBe(200);
    await eventually(async () => (await fetch(`${address}/readyz`)).status === 200, 30_000);

    // Reconciles: a PowerSource gets its collector and a current status.
    await create(client, SECRETS, ns, { metadata: { name: 'kpx' }, stringData: { serviceKey: 'k' } });
    await create(client, POWER_SOURCES, ns, {
      apiVersion: 'gridlake.io/v1alpha1',
      kind: 'PowerSource',
      metadata: { name: 'kpx-cli' },
      spec: { serviceKeySecretRef: { name: 'kpx', key: 'serviceKey' } },
    });
    await eventually(() => get(client, DEPLOYMENTS, ns, 'kpx-cli-collector'), 30_000);
    await eventually(async () => currentStatus(await get(client, POWER_SOURCES, ns, 'kpx-cli')), 30_000);
    const held = await get(client, LEASES, ns, lease);
    expect((held?.['spec'] as { holderIdentity?: string }).holderIdentity).toBe(identity);

    const metrics = await (await fetch(`${address}/metrics`)).text();
    expect(metrics).toMatch(/controller_runtime_reconcile_total\{[^}]*controller="powersource"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/leader_election_master_status\{[^}]*\} 1/);
    expect(metrics).toContain('workqueue_depth');

    proc.kill('SIGTERM');
    const t0 = Date.now();
    const [code, signal] = await Promise.race([
      exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no exit 15 s after SIGTERM')), 15_000)),
    ]);
    process.stderr.write(`[controller-cli] exited ${Date.now() - t0} ms after SIGTERM\n`);
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    // Released as client-go does: no holder, so a standby takes over at once instead of after 15 s.
    const released = await get(client, LEASES, ns, lease);
    expect((released?.['spec'] as { holderIdentity?: string }).holderIdentity ?? '').toBe('');
    const msgs = logs().map((l) => l.msg);
    expect(msgs).toEqual(expect.arrayContaining(['signal received', 'operator shutting down', 'operator stopped']));
    // pino JSON on stdout, every line (the parse above would have thrown otherwise).
    expect(logs().every((l) => typeof l.level === 'string')).toBe(true);
  }, 120_000);
});
