import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import { DEPLOYMENTS, LEASES, POWER_SOURCES, SECRETS } from '../../../controllers/resources.js';
import { buildCli, startController, stopController, type ControllerProcess } from './controller-process.js';
import { IMAGE, create, currentStatus, get, rand, setup, type Env } from './helpers.js';

/**
 * `gridlake controller` as a real process (the CLI bundled, as `node dist/src/cli.js`
 * would run it) against the test API server: it leads, reconciles, serves
 * /metrics /healthz /readyz, and on SIGTERM drains, releases its Lease and
 * exits 0 by itself (no process.exit, nothing left running).
 */
let env: Env;
let cli: string;
let ctl: ControllerProcess | undefined;

beforeAll(async () => {
  env = await setup('ctl-cli');
  cli = await buildCli();
}, 120_000);
afterAll(async () => {
  if (ctl && ctl.proc.exitCode === null) ctl.proc.kill('SIGKILL');
  if (cli) await rm(cli, { force: true });
  await env?.teardown();
});

describe('gridlake controller', () => {
  it('starts, leads, reconciles, serves probes and metrics, and releases its Lease on SIGTERM', async () => {
    const { client, ns, k } = env;
    const lease = `ctl-${rand()}`;
    const identity = `cli-${rand()}`;
    // POD_NAMESPACE is how the chart's Deployment names the Lease namespace.
    ctl = await startController(
      cli,
      [
        '--kubeconfig',
        k.kubeconfig,
        '--namespace',
        ns,
        '--lease-name',
        lease,
        '--identity',
        identity,
        '--image',
        IMAGE,
      ],
      { POD_NAMESPACE: ns },
    );
    expect(ctl.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${ctl.address}/healthz`)).status).toBe(200);
    await eventually(
      '(fetch(`${ctl!.address}/readyz`)).status === 200',
      async () => (await fetch(`${ctl!.address}/readyz`)).status === 200,
      { timeoutMs: 30_000, intervalMs: 100 },
    );

    // Reconciles: a PowerSource gets its collector and a current status.
    await create(client, SECRETS, ns, { metadata: { name: 'kpx' }, stringData: { serviceKey: 'k' } });
    await create(client, POWER_SOURCES, ns, {
      apiVersion: 'gridlake.io/v1alpha1',
      kind: 'PowerSource',
      metadata: { name: 'kpx-cli' },
      spec: { serviceKeySecretRef: { name: 'kpx', key: 'serviceKey' } },
    });
    await eventually(
      "get(client, DEPLOYMENTS, ns, 'kpx-cli-collector')",
      () => get(client, DEPLOYMENTS, ns, 'kpx-cli-collector'),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    await eventually(
      "currentStatus(get(client, POWER_SOURCES, ns, 'kpx-cli'))",
      async () => currentStatus(await get(client, POWER_SOURCES, ns, 'kpx-cli')),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    // Events for what it did, as kubectl describe shows them.
    const events = await eventually(
      'mine.length >= 5 && mine.sort()',
      async () => {
        const l = await client.request<{ items: { reason: string; regarding: { name: string } }[] }>({
          method: 'GET',
          path: `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
        });
        const mine = l.items.filter((e) => e.regarding.name === 'kpx-cli').map((e) => e.reason);
        return mine.length >= 5 && mine.sort();
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(events).toEqual([
      'AppliedConfigMap',
      'AppliedDeployment',
      'AppliedRole',
      'AppliedRoleBinding',
      'AppliedServiceAccount',
    ]);
    const held = await get(client, LEASES, ns, lease);
    expect((held?.['spec'] as { holderIdentity?: string }).holderIdentity).toBe(identity);

    expect(await ctl.metric('controller_runtime_reconcile_total', { controller: 'powersource' })).toBeGreaterThan(0);
    expect(await ctl.metric('leader_election_master_status')).toBe(1);
    expect(await ctl.metric('workqueue_depth', { name: 'powersource' })).toBe(0);
    // Server-side applies of the collector's ConfigMap and Deployment, counted as client-go counts them.
    expect(await ctl.metric('rest_client_requests_total', { method: 'PATCH', code: '201' })).toBeGreaterThanOrEqual(2);

    const t0 = Date.now();
    const [code, signal] = await stopController(ctl);
    process.stderr.write(`[controller-cli] exited ${Date.now() - t0} ms after SIGTERM\n`);
    expect({ code, signal, stderr: ctl.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
    // Released as client-go does: no holder, so a standby takes over at once instead of after 15 s.
    const released = await get(client, LEASES, ns, lease);
    expect((released?.['spec'] as { holderIdentity?: string }).holderIdentity ?? '').toBe('');
    const msgs = ctl.logs().map((l) => l.msg);
    expect(msgs).toEqual(expect.arrayContaining(['signal received', 'operator shutting down', 'operator stopped']));
    expect(ctl.logs().every((l) => typeof l.level === 'string')).toBe(true);
  }, 120_000);
});
