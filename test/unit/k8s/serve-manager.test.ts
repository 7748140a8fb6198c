import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Informer } from '../../../src/k8s/informer.js';
import { Manager } from '../../../src/k8s/manager.js';
import { runtimeMetrics } from '../../../src/k8s/runtime-metrics.js';
import { serveManager } from '../../../src/k8s/serve-manager.js';
import { createLogger } from '../../../src/observe/log.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import { FakeApi } from './fake-api.js';

describe('serveManager', () => {
  it('serves probes and metrics, and shuts down in order on SIGTERM without exiting', async () => {
    const api = new FakeApi();
    api.put('a');
    const registry = createRegistry({ defaultMetrics: false });
    const metrics = runtimeMetrics(registry);
    const seen: string[] = [];
    const informer = new Informer({
      client: api,
      resource: { group: 'k8stest.gridlake.io', version: 'v1', plural: 'widgets', kind: 'Widget' },
      metrics,
    });
    const manager = new Manager({ client: api, metrics });
    manager.addController({ name: 'widget', for: informer, reconcile: async (k) => (seen.push(k), { kind: 'done' }) });
    const signals = new EventEmitter();
    const served = await serveManager({
      manager,
      registry,
      logger: createLogger({ level: 'silent' }),
      port: 0,
      host: '127.0.0.1',
      signalSource: signals,
    });
    await informer.waitForSync();
    expect((await fetch(`${served.address}/readyz`)).status).toBe(200);
    expect((await fetch(`${served.address}/healthz`)).status).toBe(200);
    const text = await (await fetch(`${served.address}/metrics`)).text();
    expect(text).toContain('controller_runtime_max_concurrent_reconciles{controller="widget"} 1');
    await new Promise((r) => setTimeout(r, 20));
    expect(seen).toEqual(['ns/a']);
    signals.emit('SIGTERM', 'SIGTERM');
    await served.stopped;
    expect(manager.isLeader).toBe(false);
    await expect(fetch(`${served.address}/healthz`)).rejects.toThrow();
    expect(signals.listenerCount('SIGINT')).toBe(0);
  });
});
