import { describe, expect, it } from 'vitest';
import type { ReconcileContext, ReconcileResult } from '../../../src/k8s/controller.js';
import { Informer } from '../../../src/k8s/informer.js';
import { Manager, type ManagerOptions } from '../../../src/k8s/manager.js';
import { createLogger } from '../../../src/observe/log.js';
import { createObserveServer } from '../../../src/observe/http-server.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import { FakeApi, httpError } from './fake-api.js';
import { LeaseServer } from './fake-lease.js';
import { FakeTime, flush } from './fake-time.js';

const resource = { group: 'k8stest.gridlake.io', version: 'v1', plural: 'widgets', kind: 'Widget' };

function setup(reconcile: (key: string, ctx: ReconcileContext) => Promise<ReconcileResult>, election = false) {
  const api = new FakeApi();
  const time = new FakeTime();
  const leases = new LeaseServer();
  const leaseClient = leases.client();
  const informer = new Informer({ client: api, resource, deps: time, stallTimeoutMs: 1e12, resyncMs: 0 });
  const options: ManagerOptions = {
    client: leaseClient,
    deps: time,
    ...(election ? { leaderElection: { namespace: 'ns', name: 'lease', identity: 'me' } } : {}),
  };
  const manager = new Manager(options);
  manager.addController({ name: 'widget', for: informer, reconcile });
  return { api, time, informer, manager, leases, leaseClient };
}

describe('Manager', () => {
  it('reconciles only after every informer synced, and /readyz says so', async () => {
    const seen: string[] = [];
    const { api, time, manager } = setup(async (k) => (seen.push(k), { kind: 'done' }));
    api.put('a');
    api.listFailures.push(httpError(503, 'ServiceUnavailable'));
    const app = createObserveServer({
      registry: createRegistry({ defaultMetrics: false }),
      logger: createLogger({ level: 'silent' }),
      readiness: [manager.readiness],
    });
    manager.start();
    await flush();
    expect(seen).toEqual([]);
    const notReady = await app.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({ reasons: ['informer Widget not synced'] });
    await time.advance(1000);
    expect(seen).toEqual(['ns/a']);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await manager.stop();
    await app.close();
  });

  it('reconciles only while it holds the Lease: a loss aborts work in flight, winning again resumes', async () => {
    const calls: { key: string; signal: AbortSignal }[] = [];
    const { api, time, manager, leaseClient } = setup(
      (key, ctx) =>
        new Promise<ReconcileResult>((resolve) => {
          calls.push({ key, signal: ctx.signal });
          ctx.signal.addEventListener('abort', () => resolve({ kind: 'done' }));
          void time.sleep(100).then(() => resolve({ kind: 'done' }));
        }),
      true,
    );
    api.put('a');
    manager.start();
    await time.advance(500);
    expect(manager.isLeader).toBe(true);
    expect(calls.map((c) => c.key)).toEqual(['ns/a']);

    // A reconcile that is running when the Lease is lost gets its signal aborted.
    api.openWatch!.emit({ type: 'MODIFIED', object: api.put('a', { spec: { size: 2 } }) });
    await flush();
    expect(calls).toHaveLength(2);
    leaseClient.down = true;
    await time.advance(12_000);
    expect(manager.isLeader).toBe(false);
    expect(calls[1]!.signal.aborted).toBe(true);
    api.openWatch!.emit({ type: 'ADDED', object: api.put('b') });
    await time.advance(1000);
    expect(calls).toHaveLength(2);

    leaseClient.down = false;
    await time.advance(20_000);
    expect(manager.isLeader).toBe(true);
    expect(
      calls
        .slice(2)
        .map((c) => c.key)
        .sort(),
    ).toEqual(['ns/a', 'ns/b']);
    await manager.stop();
  });

  it('drains queued keys on stop and then releases the Lease', async () => {
    const seen: string[] = [];
    const { api, time, manager, leases } = setup(async (k) => {
      await time.sleep(1000);
      seen.push(k);
      return { kind: 'done' };
    }, true);
    for (const n of ['a', 'b', 'c']) api.put(n);
    manager.start();
    await time.advance(100);
    expect(manager.isLeader).toBe(true);
    const stopped = manager.stop();
    await time.advance(5000);
    await stopped;
    expect(seen).toEqual(['ns/a', 'ns/b', 'ns/c']);
    expect(leases.lease?.spec['holderIdentity']).toBeUndefined();
    expect(manager.isLeader).toBe(false);
  });
});
