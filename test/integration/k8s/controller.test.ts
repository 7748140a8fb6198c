import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import type { HttpMethod, KubeClient } from '../../../src/k8s/kube-client.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { runtimeMetrics } from '../../../src/k8s/runtime-metrics.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import { kube, type KubeInfo } from '../../infra/index.js';
import {
  client,
  createNamespace,
  createWidget,
  deleteNamespace,
  deleteWidget,
  ensureWidgetCrd,
  patchWidget,
  rand,
  widgetsPath,
} from './helpers.js';
import { CHILD_LABEL, toyManager } from './toy-controller.js';

/**
 * The runtime end to end on the shared API server with a toy controller:
 * convergence, garbage collection by the real kube-controller-manager, two
 * managers competing for one Lease, and an idle controller that must not write.
 */
let k: KubeInfo;
let admin: KubeClient;
const namespaces: string[] = [];

beforeAll(async () => {
  k = await kube();
  admin = client(k);
  await ensureWidgetCrd(admin);
});

afterAll(async () => {
  for (const ns of namespaces) await deleteNamespace(admin, ns);
});

async function freshNamespace(): Promise<string> {
  const ns = await createNamespace(admin);
  namespaces.push(ns);
  return ns;
}

interface Req {
  method: HttpMethod;
  path: string;
  status: number | undefined;
}

/** A client for one manager that records every request it makes. */
function countingClient(): { c: KubeClient; log: Req[] } {
  const log: Req[] = [];
  return { c: client(k, (r) => log.push(r)), log };
}

/** Reads the server (not a cache): true when every Widget has its child with the right size and a current status. */
async function serverConverged(ns: string): Promise<boolean> {
  const widgets = await admin.request<{ items: KubeObject[] }>({ method: 'GET', path: widgetsPath(ns) });
  const cms = await admin.request<{ items: KubeObject[] }>({
    method: 'GET',
    path: `/api/v1/namespaces/${ns}/configmaps`,
    query: { labelSelector: CHILD_LABEL },
  });
  const byName = new Map(cms.items.map((c) => [c.metadata.name, c]));
  return widgets.items.every((w) => {
    const child = byName.get(`${w.metadata.name}-child`);
    const st = w['status'] as {
      observedGeneration?: number;
      conditions?: { type: string; status: string; observedGeneration?: number }[];
    };
    return (
      (child?.['data'] as Record<string, string> | undefined)?.['size'] ===
        String((w['spec'] as { size: number }).size) &&
      st?.observedGeneration === w.metadata.generation &&
      st.conditions?.some(
        (c) => c.type === 'Ready' && c.status === 'True' && c.observedGeneration === w.metadata.generation,
      ) === true
    );
  });
}

const writes = (log: readonly Req[]): Req[] => log.filter((r) => r.method !== 'GET' && !r.path.includes('/leases'));
const leaseWrites = (log: readonly Req[]): Req[] => log.filter((r) => r.method !== 'GET' && r.path.includes('/leases'));
const childCreates = (log: readonly Req[]): Req[] =>
  log.filter((r) => r.method === 'POST' && r.path.endsWith('/configmaps') && r.status === 201);

describe('Manager with a toy controller on a real API server', () => {
  it('converges, follows spec changes, and lets garbage collection remove children', async () => {
    const ns = await freshNamespace();
    const { c, log } = countingClient();
    const { manager } = toyManager(c, ns);
    manager.start();
    for (let i = 0; i < 5; i++) await createWidget(admin, ns, `w${i}`, i);
    await eventually('serverConverged(ns)', () => serverConverged(ns), { timeoutMs: 30_000, intervalMs: 100 });
    expect(childCreates(log)).toHaveLength(5);

    await patchWidget(admin, ns, 'w1', { spec: { size: 42 } });
    await eventually(
      "cm.data.size === '42' && (serverConverged(ns))",
      async () => {
        const cm = await admin.request<{ data: { size: string } }>({
          method: 'GET',
          path: `/api/v1/namespaces/${ns}/configmaps/w1-child`,
        });
        return cm.data.size === '42' && (await serverConverged(ns));
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );

    await deleteWidget(admin, ns, 'w2');
    await eventually(
      "!cms.items.some((x) => x.metadata.name === 'w2-child')",
      async () => {
        const cms = await admin.request<{ items: KubeObject[] }>({
          method: 'GET',
          path: `/api/v1/namespaces/${ns}/configmaps`,
          query: { labelSelector: CHILD_LABEL },
        });
        return !cms.items.some((x) => x.metadata.name === 'w2-child');
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    await manager.stop();
  }, 120_000);

  it('with two managers competing for one Lease, one reconciles, nothing is created twice, and the other takes over', async () => {
    const ns = await freshNamespace();
    const lease = {
      namespace: ns,
      name: `toy-${rand()}`,
      leaseDurationMs: 3000,
      renewDeadlineMs: 2000,
      retryPeriodMs: 500,
    };
    const a = countingClient();
    const b = countingClient();
    const regA = createRegistry({ defaultMetrics: false });
    const regB = createRegistry({ defaultMetrics: false });
    const ma = toyManager(a.c, ns, { leaderElection: { ...lease, identity: 'a' }, metrics: runtimeMetrics(regA) });
    const mb = toyManager(b.c, ns, { leaderElection: { ...lease, identity: 'b' }, metrics: runtimeMetrics(regB) });
    ma.manager.start();
    mb.manager.start();
    for (let i = 0; i < 10; i++) await createWidget(admin, ns, `w${i}`, i);
    await eventually('serverConverged(ns)', () => serverConverged(ns), { timeoutMs: 30_000, intervalMs: 100 });
    expect([ma.manager.isLeader, mb.manager.isLeader].filter(Boolean)).toHaveLength(1);
    const [leader, standby] = ma.manager.isLeader ? [ma, mb] : [mb, ma];
    const [leaderLog, standbyLog] = ma.manager.isLeader ? [a.log, b.log] : [b.log, a.log];
    expect(writes(standbyLog)).toEqual([]);
    expect(childCreates(leaderLog)).toHaveLength(10);

    const t0 = Date.now();
    await leader.manager.stop();
    await eventually('standby.manager.isLeader', () => standby.manager.isLeader, { timeoutMs: 10_000, intervalMs: 20 });
    process.stderr.write(`[k8s-controller] standby manager took over ${Date.now() - t0} ms after the leader stopped\n`);
    for (let i = 10; i < 13; i++) await createWidget(admin, ns, `w${i}`, i);
    await patchWidget(admin, ns, 'w0', { spec: { size: 100 } });
    await eventually('serverConverged(ns)', () => serverConverged(ns), { timeoutMs: 30_000, intervalMs: 100 });
    const allCreates = [...childCreates(a.log), ...childCreates(b.log)];
    expect(allCreates).toHaveLength(13);
    const cms = await admin.request<{ items: KubeObject[] }>({
      method: 'GET',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      query: { labelSelector: CHILD_LABEL },
    });
    expect(cms.items).toHaveLength(13);
    await standby.manager.stop();
  }, 120_000);

  it('makes no writes while idle with 100 objects for a minute, through six resyncs', async () => {
    const ns = await freshNamespace();
    const { c, log } = countingClient();
    const registry = createRegistry({ defaultMetrics: false });
    const metrics = runtimeMetrics(registry);
    const { manager } = toyManager(c, ns, {
      metrics,
      informer: { resyncMs: 10_000 },
      leaderElection: { namespace: ns, name: `idle-${rand()}`, identity: 'idle' },
    });
    manager.start();
    await Promise.all(Array.from({ length: 100 }, (_, i) => createWidget(admin, ns, `w${i}`, i)));
    await eventually('serverConverged(ns)', () => serverConverged(ns), { timeoutMs: 60_000, intervalMs: 100 });
    const convergeWrites = writes(log).length;
    await new Promise((r) => setTimeout(r, 2000)); // let the last watch events of our own writes arrive
    const before = log.length;
    const reconcilesBefore = await reconciles(registry);
    await new Promise((r) => setTimeout(r, 60_000));
    const idle = log.slice(before);
    const reconciled = (await reconciles(registry)) - reconcilesBefore;
    process.stderr.write(
      `[k8s-controller] 100 widgets: ${convergeWrites} writes to converge; idle 60 s: ${writes(idle).length} writes, ` +
        `${leaseWrites(idle).length} Lease renewals, ${idle.filter((r) => r.method === 'GET').length} reads, ${reconciled} reconciles\n`,
    );
    expect(writes(idle)).toEqual([]);
    expect(reconciled).toBeGreaterThanOrEqual(500); // the resyncs did run the reconciler
    expect(convergeWrites).toBeLessThanOrEqual(100 * 3);
    await manager.stop();
  }, 180_000);
});

async function reconciles(registry: ReturnType<typeof createRegistry>): Promise<number> {
  const m = await runtimeMetrics(registry).reconcileTotal.get();
  return m.values.reduce((s, v) => s + v.value, 0);
}
