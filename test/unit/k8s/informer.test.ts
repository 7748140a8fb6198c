import { describe, expect, it } from 'vitest';
import { GridlakeError } from '../../../src/errors.js';
import { Informer, type InformerOptions } from '../../../src/k8s/informer.js';
import type { CacheEvent, KubeObject } from '../../../src/k8s/object-cache.js';
import { runtimeMetrics } from '../../../src/k8s/runtime-metrics.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import { FakeApi, httpError } from './fake-api.js';
import { FakeTime, flush } from './fake-time.js';

const resource = { group: 'k8stest.gridlake.io', version: 'v1', plural: 'widgets', kind: 'Widget' };

function setup(extra: Partial<InformerOptions> = {}) {
  const api = new FakeApi();
  const time = new FakeTime();
  const registry = createRegistry({ defaultMetrics: false });
  const metrics = runtimeMetrics(registry);
  const informer = new Informer({ client: api, resource, deps: time, metrics, ...extra });
  const events: CacheEvent<KubeObject>[] = [];
  informer.on((ev) => events.push(ev));
  const restarts = async (reason: string): Promise<number> => {
    const m = (await metrics.informerRestarts.get()).values.find((v) => v.labels['reason'] === reason);
    return m?.value ?? 0;
  };
  const names = (type?: string) =>
    events.filter((e) => type === undefined || e.type === type).map((e) => e.object.metadata.name);
  return { api, time, informer, events, restarts, names, registry };
}

describe('Informer', () => {
  it('caches objects without metadata.managedFields, from lists and from watch events', async () => {
    const { api, informer } = setup();
    const mf = { managedFields: [{ manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:spec': {} } }] };
    api.put('a', { metadata: { name: 'a', namespace: 'ns', resourceVersion: '101', ...mf } });
    informer.start();
    await informer.waitForSync();
    await flush();
    api.openWatch!.emit({
      type: 'ADDED',
      object: {
        apiVersion: 'v1',
        kind: 'Widget',
        metadata: { name: 'b', namespace: 'ns', resourceVersion: '102', ...mf },
      },
    });
    expect(informer.get('ns/a')?.metadata).toEqual({ name: 'a', namespace: 'ns', resourceVersion: '101' });
    expect(informer.get('ns/b')?.metadata).toEqual({ name: 'b', namespace: 'ns', resourceVersion: '102' });
    await informer.stop();
  });

  it('caches what its transform keeps, from lists and watch events; bookmarks only move the resourceVersion', async () => {
    const seen: string[] = [];
    const { api, informer, events } = setup({
      transform: (o) => {
        seen.push(o.metadata.name ?? '?');
        return { kind: o.kind, metadata: o.metadata, spec: { kept: (o['spec'] as { kept?: number }).kept } };
      },
    });
    const mf = { managedFields: [{ manager: 'kubectl' }] };
    api.put('a', {
      metadata: { name: 'a', namespace: 'ns', resourceVersion: '101', ...mf },
      spec: { kept: 1, big: 'x' },
    });
    informer.start();
    await informer.waitForSync();
    await flush();
    const w = api.openWatch!;
    w.emit({
      type: 'ADDED',
      object: {
        kind: 'Widget',
        metadata: { name: 'b', namespace: 'ns', resourceVersion: '102' },
        spec: { kept: 2, big: 'y' },
      },
    });
    w.emit({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '150' } } });
    expect(informer.get('ns/a')).toEqual({
      kind: 'Widget',
      metadata: { name: 'a', namespace: 'ns', resourceVersion: '101' },
      spec: { kept: 1 },
    });
    expect(informer.get('ns/b')?.['spec']).toEqual({ kept: 2 });
    expect(events.map((e) => e.object['spec'])).toEqual([{ kept: 1 }, { kept: 2 }]);
    expect(seen).toEqual(['a', 'b']);
    w.end();
    await flush();
    expect(api.openWatch!.query['resourceVersion']).toBe('150');
    await informer.stop();
  });

  it('turns synced only after the first full list, paging through it', async () => {
    const { api, informer, names } = setup({ pageSize: 2 });
    for (const n of ['a', 'b', 'c', 'd', 'e']) api.put(n);
    expect(informer.synced).toBe(false);
    informer.start();
    await informer.waitForSync();
    expect(api.lists.map((q) => q['continue'])).toEqual([undefined, '2', '4']);
    expect(names('added')).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(informer.get('ns/c')?.kind).toBe('Widget');
    expect(informer.readiness()).toBeNull();
    await informer.stop();
  });

  it('watches from the list resourceVersion with bookmarks and a random 5-10 min server timeout', async () => {
    const { api, informer, names } = setup();
    api.put('a');
    informer.start();
    await informer.waitForSync();
    await flush();
    const w = api.openWatch!;
    expect(w.query).toMatchObject({ resourceVersion: '101', allowWatchBookmarks: true });
    expect(Number(w.query['timeoutSeconds'])).toBeGreaterThanOrEqual(300);
    expect(Number(w.query['timeoutSeconds'])).toBeLessThanOrEqual(600);
    const b = api.put('b');
    w.emit({ type: 'ADDED', object: b });
    w.emit({ type: 'MODIFIED', object: { ...b, metadata: { ...b.metadata, resourceVersion: '200' } } });
    w.emit({ type: 'MODIFIED', object: { ...b, metadata: { ...b.metadata, resourceVersion: '200' } } });
    w.emit({ type: 'DELETED', object: api.objects.get('ns/a')! });
    w.emit({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '250' } } });
    expect(names()).toEqual(['a', 'b', 'b', 'a']);
    expect(informer.keys()).toEqual(['ns/b']);
    w.end(); // the server's timeoutSeconds ran out: resume from the bookmark, no relist
    await flush();
    expect(api.openWatch!.query['resourceVersion']).toBe('250');
    expect(api.lists).toHaveLength(1);
    await informer.stop();
  });

  it('restarts after a non-410 watch error instead of stopping (the ListWatch of client-node stops)', async () => {
    const { api, time, informer, restarts } = setup();
    informer.start();
    await informer.waitForSync();
    await flush();
    api.openWatch!.fail(httpError(500, 'InternalError'));
    await flush();
    expect(api.openWatch).toBeUndefined();
    await time.advance(1000);
    expect(api.openWatch).toBeDefined();
    expect(await restarts('error')).toBe(1);
    expect(api.lists).toHaveLength(1); // same resourceVersion, no relist
    await informer.stop();
  });

  it('relists after 410 Gone and emits deletes for objects that vanished meanwhile', async () => {
    const { api, time, informer, names, restarts } = setup();
    api.put('keep');
    api.put('gone');
    informer.start();
    await informer.waitForSync();
    await flush();
    api.objects.delete('ns/gone');
    api.put('new');
    api.openWatch!.fail(httpError(410, 'Expired'));
    await time.advance(10);
    expect(api.lists).toHaveLength(2);
    expect(names('deleted')).toEqual(['gone']);
    expect(names('added')).toEqual(['keep', 'gone', 'new']);
    expect(await restarts('gone')).toBe(1);
    expect(api.openWatch!.query['resourceVersion']).toBe(String(api.rv));
    await informer.stop();
  });

  it('relists after an ERROR event with code 410 inside the watch stream', async () => {
    const { api, time, informer, restarts } = setup();
    informer.start();
    await informer.waitForSync();
    await flush();
    api.openWatch!.emit({
      type: 'ERROR',
      object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' },
    });
    await time.advance(10);
    expect(api.lists).toHaveLength(2);
    expect(await restarts('gone')).toBe(1);
    await informer.stop();
  });

  it('retries 429 from a watch cache that is still initialising', async () => {
    const { api, time, informer, restarts } = setup();
    api.watchFailures.push(httpError(429, 'TooManyRequests'), httpError(429, 'TooManyRequests'));
    informer.start();
    await informer.waitForSync();
    await time.advance(5000);
    expect(api.openWatch).toBeDefined();
    expect(await restarts('throttled')).toBe(2);
    await informer.stop();
  });

  it('restarts a watch that delivers nothing, not even bookmarks, past the stall deadline (a half-open connection)', async () => {
    const { api, time, informer, restarts } = setup({ stallTimeoutMs: 150_000 });
    informer.start();
    await informer.waitForSync();
    await flush();
    const first = api.openWatch!;
    await time.advance(100_000);
    first.emit({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '150' } } });
    await time.advance(100_000);
    expect(api.openWatch).toBe(first);
    await time.advance(60_000);
    expect(first.signal.aborted).toBe(true);
    expect(api.openWatch).toBeDefined();
    expect(api.openWatch!.query['resourceVersion']).toBe('150');
    expect(await restarts('stalled')).toBe(1);
    await informer.stop();
  });

  it('backs off with a cap instead of storming the API server when every call fails', async () => {
    const { api, time, informer } = setup({ backoffBaseMs: 500, backoffMaxMs: 30_000 });
    api.listFailures = Array.from({ length: 1000 }, () => httpError(503, 'ServiceUnavailable'));
    informer.start();
    await time.advance(10 * 60_000);
    const attempts = 1000 - api.listFailures.length;
    // 500 ms doubling to a 30 s cap with up to 50 % jitter: about 25-45 attempts in 10 minutes, not thousands.
    expect(attempts).toBeGreaterThan(15);
    expect(attempts).toBeLessThan(50);
    expect(informer.synced).toBe(false);
    expect(informer.readiness()).toMatch(/not synced/);
    api.listFailures = [];
    await time.advance(31_000);
    expect(informer.synced).toBe(true);
    await informer.stop();
  });

  it('does not reconnect in a tight loop when watches end at once without events', async () => {
    const { api, time, informer } = setup();
    informer.start();
    await informer.waitForSync();
    for (let i = 0; i < 100; i++) {
      await flush(3);
      api.openWatch?.end();
      await time.advance(100);
    }
    expect(api.watches.length).toBeLessThan(20);
    await informer.stop();
  });

  it('replays the cache as resync events on the resync period without calling the server', async () => {
    const { api, time, informer, names } = setup({ resyncMs: 60_000, stallTimeoutMs: 1e9 });
    api.put('a');
    api.put('b');
    informer.start();
    await informer.waitForSync();
    const requests = api.requests.length;
    await time.advance(60_000);
    expect(names('resync')).toEqual(['a', 'b']);
    expect(api.requests.length).toBe(requests);
    await informer.stop();
  });

  it('relists periodically even when the watch looks healthy', async () => {
    const { api, time, informer, restarts } = setup({ relistMs: 30 * 60_000, stallTimeoutMs: 1e12 });
    informer.start();
    await informer.waitForSync();
    await time.advance(30 * 60_000 + 1000);
    expect(api.lists).toHaveLength(2);
    expect(await restarts('relist')).toBe(1);
    await informer.stop();
  });

  it('keeps going when a handler throws', async () => {
    const { api, informer, names } = setup();
    informer.on(() => {
      throw new Error('handler bug');
    });
    api.put('a');
    informer.start();
    await informer.waitForSync();
    await flush();
    api.openWatch!.emit({ type: 'ADDED', object: api.put('b') });
    expect(names('added')).toEqual(['a', 'b']);
    await informer.stop();
  });

  it('fails waitForSync with GL_K8S_CACHE_SYNC_TIMEOUT when the first list never succeeds', async () => {
    const { api, time, informer } = setup();
    api.listFailures = Array.from({ length: 100 }, () => httpError(403, 'Forbidden'));
    informer.start();
    const wait = informer.waitForSync(10_000).catch((e: unknown) => e);
    await time.advance(10_000);
    const err = await wait;
    expect(err).toBeInstanceOf(GridlakeError);
    expect((err as GridlakeError).code).toBe('GL_K8S_CACHE_SYNC_TIMEOUT');
    await informer.stop();
  });
});
