import { describe, expect, it } from 'vitest';
import { apiError } from '../../../src/k8s/api-errors.js';
import {
  TerminalError,
  controllerOwnerKeys,
  createController,
  specOrMetadataChanged,
  type ReconcileResult,
} from '../../../src/k8s/controller.js';
import { Informer } from '../../../src/k8s/informer.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { runtimeMetrics } from '../../../src/k8s/runtime-metrics.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import { FakeApi } from './fake-api.js';
import { FakeTime, flush } from './fake-time.js';

const resource = { group: 'k8stest.gridlake.io', version: 'v1', plural: 'widgets', kind: 'Widget' };

async function setup(reconcile: (key: string) => Promise<ReconcileResult>) {
  const api = new FakeApi();
  const time = new FakeTime();
  const registry = createRegistry({ defaultMetrics: false });
  const metrics = runtimeMetrics(registry);
  const informer = new Informer({ client: api, resource, deps: time, stallTimeoutMs: 1e12, resyncMs: 0 });
  const controller = createController({ name: 'widget', for: informer, reconcile }, { metrics, deps: time });
  return { api, time, informer, controller, registry };
}

const withGen = (
  o: KubeObject,
  generation: number,
  rv: string,
  extra: Partial<KubeObject['metadata']> = {},
): KubeObject => ({
  ...o,
  metadata: { ...o.metadata, generation, resourceVersion: rv, ...extra },
});

describe('Controller', () => {
  it('reconciles each cached key once resumed and counts results in controller_runtime_* metrics', async () => {
    const seen: string[] = [];
    const { api, informer, controller, registry } = await setup(async (k) => (seen.push(k), { kind: 'done' }));
    api.put('a');
    api.put('b');
    informer.start();
    await informer.waitForSync();
    await flush();
    expect(seen).toEqual([]); // paused until the manager says it leads
    controller.resume();
    await flush();
    expect(seen.sort()).toEqual(['ns/a', 'ns/b']);
    const text = await registry.metrics();
    expect(text).toContain('controller_runtime_reconcile_total{controller="widget",result="success"} 2');
    expect(text).toContain('controller_runtime_max_concurrent_reconciles{controller="widget"} 1');
    expect(text).toContain('controller_runtime_active_workers{controller="widget"} 0');
    // At 0 before any error, so rate() and increase() see the first one.
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="widget"} 0');
    await informer.stop();
  });

  it('ignores its own status writes but not spec, label or deletion changes', async () => {
    const seen: string[] = [];
    const { api, informer, controller } = await setup(async (k) => (seen.push(k), { kind: 'done' }));
    const a = withGen(api.put('a'), 1, '10');
    informer.start();
    await informer.waitForSync();
    controller.resume();
    await flush();
    const w = api.openWatch!;
    w.emit({ type: 'MODIFIED', object: a });
    await flush();
    seen.length = 0;
    w.emit({ type: 'MODIFIED', object: { ...withGen(a, 1, '11'), status: { ready: true } } });
    await flush();
    expect(seen).toEqual([]);
    w.emit({ type: 'MODIFIED', object: withGen(a, 2, '12') });
    await flush();
    w.emit({ type: 'MODIFIED', object: withGen(a, 2, '13', { labels: { x: 'y' } }) });
    await flush();
    w.emit({ type: 'MODIFIED', object: withGen(a, 2, '14', { labels: { x: 'y' }, deletionTimestamp: 'now' }) });
    await flush();
    w.emit({ type: 'DELETED', object: withGen(a, 2, '15') });
    await flush();
    expect(seen).toEqual(['ns/a', 'ns/a', 'ns/a', 'ns/a']);
    await informer.stop();
  });

  it('retries thrown errors with backoff, conflicts as requeue, and drops terminal errors', async () => {
    const calls: string[] = [];
    let mode: 'boom' | 'conflict' | 'terminal' = 'boom';
    const { api, time, informer, controller, registry } = await setup(async (k) => {
      calls.push(`${k}:${mode}`);
      if (mode === 'boom') {
        mode = 'conflict';
        throw new Error('boom');
      }
      if (mode === 'conflict') {
        mode = 'terminal';
        throw apiError(409, { reason: 'Conflict' }, { method: 'PUT', path: '/x' });
      }
      throw new TerminalError('spec can never work');
    });
    api.put('a');
    informer.start();
    await informer.waitForSync();
    controller.resume();
    await time.advance(1000);
    expect(calls).toEqual(['ns/a:boom', 'ns/a:conflict', 'ns/a:terminal']);
    await time.advance(60_000);
    expect(calls).toHaveLength(3);
    const text = await registry.metrics();
    expect(text).toContain('controller_runtime_reconcile_total{controller="widget",result="error"} 2');
    expect(text).toContain('controller_runtime_reconcile_total{controller="widget",result="requeue"} 1');
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="widget"} 2');
    await informer.stop();
  });

  it('requeues after the delay a reconcile asks for instead of polling', async () => {
    const at: number[] = [];
    const { api, time, informer, controller, registry } = await setup(
      async () => (at.push(time.now()), { kind: 'requeue', afterMs: 30_000 }),
    );
    api.put('a');
    informer.start();
    await informer.waitForSync();
    const t0 = time.now();
    controller.resume();
    await time.advance(95_000);
    expect(at.map((t) => t - t0)).toEqual([0, 30_000, 60_000, 90_000]);
    expect(await registry.metrics()).toContain('result="requeue_after"} 4');
    await informer.stop();
  });

  it('pausing aborts reconciles in flight through their signal', async () => {
    let signal: AbortSignal | undefined;
    const { api, informer, controller } = await setup(
      (_k) =>
        new Promise<ReconcileResult>(() => {
          /* never settles by itself */
        }),
    );
    const c2 = createController({
      name: 'w2',
      for: informer,
      reconcile: async (_k, ctx) => {
        signal = ctx.signal;
        return new Promise<ReconcileResult>((resolve) =>
          ctx.signal.addEventListener('abort', () => resolve({ kind: 'done' })),
        );
      },
    });
    void controller;
    api.put('a');
    informer.start();
    await informer.waitForSync();
    c2.resume();
    await flush();
    expect(signal?.aborted).toBe(false);
    c2.pause();
    expect(signal?.aborted).toBe(true);
    await informer.stop();
  });

  it('maps owned objects to the key of their controlling owner', () => {
    const child: KubeObject = {
      metadata: {
        name: 'w-child',
        namespace: 'ns',
        ownerReferences: [
          { apiVersion: 'k8stest.gridlake.io/v1', kind: 'Widget', name: 'w', uid: 'u', controller: true },
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'other', uid: 'v' },
          { apiVersion: 'k8stest.gridlake.io/v1', kind: 'Widget', name: 'not-controller', uid: 'x' },
        ],
      },
    };
    expect(controllerOwnerKeys('Widget')(child)).toEqual(['ns/w']);
    expect(controllerOwnerKeys('Gadget')(child)).toEqual([]);
  });

  it('passes objects without a generation and every non-update event', () => {
    const o: KubeObject = { metadata: { name: 'x', resourceVersion: '1' } };
    expect(specOrMetadataChanged({ type: 'updated', object: o, old: o })).toBe(true);
    expect(specOrMetadataChanged({ type: 'added', object: o })).toBe(true);
  });
});
