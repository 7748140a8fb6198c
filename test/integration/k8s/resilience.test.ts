import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import { Informer } from '../../../src/k8s/informer.js';
import type { KubeClient } from '../../../src/k8s/kube-client.js';
import type { CacheEvent, KubeObject } from '../../../src/k8s/object-cache.js';
import { runtimeMetrics } from '../../../src/k8s/runtime-metrics.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import type { ManagedProcess } from '../../infra/process.js';
import { startKube } from '../../infra/servers/kube.js';
import { restartApiServer } from '../../infra/servers/kube-restart.js';
import type { KubeInfo } from '../../infra/types.js';
import {
  WIDGET,
  client,
  compactEtcd,
  createNamespace,
  createWidget,
  deleteWidget,
  ensureWidgetCrd,
  listWidgetNames,
  partitionable,
  patchWidget,
} from './helpers.js';

/**
 * Failures the shared API server must not suffer: these run on a private
 * control plane (own etcd, kube-apiserver and kube-controller-manager).
 */
let dir: string;
let info: KubeInfo;
let procs: ManagedProcess[] = [];
let c: KubeClient;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gl-k8s-resilience-'));
  ({ info, procs } = await startKube(dir));
  c = client(info);
  await ensureWidgetCrd(c);
}, 180_000);

afterAll(async () => {
  for (const p of [...procs].reverse()) await p.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function names(informer: Informer): string[] {
  return informer
    .keys()
    .map((key) => key.split('/')[1] ?? '')
    .sort();
}

async function restartCount(registry: ReturnType<typeof createRegistry>, reason: string): Promise<number> {
  const m = (await runtimeMetrics(registry).informerRestarts.get()).values.find((v) => v.labels['reason'] === reason);
  return m?.value ?? 0;
}

describe('runtime resilience on a private control plane', () => {
  it('recovers from a kube-apiserver restart without restarting the process', async () => {
    const ns = await createNamespace(c);
    const registry = createRegistry({ defaultMetrics: false });
    for (const n of ['a', 'b']) await createWidget(c, ns, n);
    const informer = new Informer({
      client: c,
      resource: { ...WIDGET, namespace: ns },
      metrics: runtimeMetrics(registry),
      backoffBaseMs: 200,
      backoffMaxMs: 2000,
    });
    informer.start();
    await informer.waitForSync(30_000);
    await restartApiServer(info, procs, { downMs: 3000 });
    const upAt = Date.now();
    await createWidget(c, ns, 'c');
    await deleteWidget(c, ns, 'a');
    await eventually(
      'true',
      async () => {
        expect(names(informer)).toEqual(await listWidgetNames(c, ns));
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const recoveryMs = Date.now() - upAt;
    process.stderr.write(`[k8s-resilience] informer converged ${recoveryMs} ms after the API server was ready\n`);
    expect(names(informer)).toEqual(['b', 'c']);
    const restarts = (await restartCount(registry, 'error')) + (await restartCount(registry, 'gone'));
    expect(restarts).toBeGreaterThan(0);
    await informer.stop();
  }, 120_000);

  it('relists after etcd compaction expires its resourceVersion (410) and synthesises the deletes it missed', async () => {
    // Without the watch cache the watch is served by etcd, so a compacted revision answers 410 Expired.
    await restartApiServer(info, procs, { extraArgs: ['--watch-cache=false'] });
    await ensureWidgetCrd(c);
    const ns = await createNamespace(c);
    const registry = createRegistry({ defaultMetrics: false });
    for (const n of ['keep', 'drop', 'edit']) await createWidget(c, ns, n);
    const flaky = partitionable(c);
    const informer = new Informer({
      client: flaky,
      resource: { ...WIDGET, namespace: ns },
      metrics: runtimeMetrics(registry),
      backoffBaseMs: 200,
      backoffMaxMs: 1000,
    });
    const events: CacheEvent<KubeObject>[] = [];
    informer.on((e) => events.push(e));
    informer.start();
    await informer.waitForSync(30_000);
    await eventually('informer.keys().length === 3', () => informer.keys().length === 3, {
      timeoutMs: 20_000,
      intervalMs: 100,
    });

    flaky.setDown(true);
    await deleteWidget(c, ns, 'drop');
    for (let i = 2; i < 6; i++) await patchWidget(c, ns, 'edit', { spec: { size: i } });
    await createWidget(c, ns, 'late');
    const rev = await compactEtcd(info.etcdEndpoint);
    expect(rev).toBeGreaterThan(0);
    flaky.setDown(false);

    await eventually(
      'true',
      async () => {
        expect(names(informer)).toEqual(['edit', 'keep', 'late']);
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(await restartCount(registry, 'gone')).toBeGreaterThanOrEqual(1);
    expect(events.filter((e) => e.type === 'deleted').map((e) => e.object.metadata.name)).toEqual(['drop']);
    expect((informer.get(`${ns}/edit`)?.['spec'] as { size: number }).size).toBe(5);
    await informer.stop();
  }, 120_000);
});
