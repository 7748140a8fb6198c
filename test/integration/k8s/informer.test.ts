import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import { createKubeClient } from '../../../src/k8s/kube-client.js';
import { Informer } from '../../../src/k8s/informer.js';
import type { KubeClient } from '../../../src/k8s/kube-client.js';
import type { CacheEvent, KubeObject } from '../../../src/k8s/object-cache.js';
import { runtimeMetrics } from '../../../src/k8s/runtime-metrics.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import { kube, type KubeInfo } from '../../infra/index.js';
import {
  WIDGET,
  client,
  createNamespace,
  kubeConfig,
  createWidget,
  deleteNamespace,
  deleteWidget,
  ensureWidgetCrd,
  listWidgetNames,
  partitionable,
  patchWidget,
  rand,
} from './helpers.js';

/** The informer against the shared real kube-apiserver; each test has its own namespace. */
let k: KubeInfo;
let c: KubeClient;
const namespaces: string[] = [];

beforeAll(async () => {
  k = await kube();
  c = client(k);
  await ensureWidgetCrd(c);
});

afterAll(async () => {
  for (const ns of namespaces) await deleteNamespace(c, ns);
});

async function freshNamespace(): Promise<string> {
  const ns = await createNamespace(c);
  namespaces.push(ns);
  return ns;
}

describe('Informer on a real API server', () => {
  it('lists, then delivers adds, updates and deletes from the watch', async () => {
    const ns = await freshNamespace();
    await createWidget(c, ns, 'before');
    const informer = new Informer({ client: c, resource: { ...WIDGET, namespace: ns } });
    const events: CacheEvent<KubeObject>[] = [];
    informer.on((e) => events.push(e));
    informer.start();
    await informer.waitForSync(30_000);
    expect(informer.keys()).toEqual([`${ns}/before`]);
    await createWidget(c, ns, 'after');
    await patchWidget(c, ns, 'after', { spec: { size: 7 } });
    await deleteWidget(c, ns, 'before');
    await eventually('events.length >= 4', () => events.length >= 4, { timeoutMs: 20_000, intervalMs: 100 });
    expect(events.map((e) => `${e.type}:${e.object.metadata.name}`)).toEqual([
      'added:before',
      'added:after',
      'updated:after',
      'deleted:before',
    ]);
    expect((informer.get(`${ns}/after`)?.['spec'] as { size: number }).size).toBe(7);
    await informer.stop();
  });

  it('follows a namespace from the core group with label selectors (items get apiVersion and kind)', async () => {
    const ns = await freshNamespace();
    const label = `k8stest-${rand()}`;
    const informer = new Informer({
      client: c,
      resource: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespace: ns },
      labelSelector: `${label}=yes`,
    });
    await c.request({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/configmaps`,
      body: { metadata: { name: 'x', labels: { [label]: 'yes' } } },
    });
    await c.request({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: { metadata: { name: 'y' } } });
    informer.start();
    await informer.waitForSync(30_000);
    expect(informer.list().map((o) => [o.metadata.name, o.apiVersion, o.kind])).toEqual([['x', 'v1', 'ConfigMap']]);
    await informer.stop();
  });

  it('syncs on a CRD created a moment ago, retrying the 429 a fresh watch cache can answer', async () => {
    const group = `g${rand()}.k8stest.gridlake.io`;
    const crdName = `gizmos.${group}`;
    const registry = createRegistry({ defaultMetrics: false });
    await c.request({
      method: 'POST',
      path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
      body: {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: crdName },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'gizmos', singular: 'gizmo', kind: 'Gizmo' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
            },
          ],
        },
      },
    });
    try {
      await eventually(
        "crd.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')",
        async () => {
          const crd = await c.request<{ status?: { conditions?: { type: string; status: string }[] } }>({
            method: 'GET',
            path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName}`,
          });
          return crd.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True');
        },
        { timeoutMs: 20_000, intervalMs: 20 },
      );
      const ns = await freshNamespace();
      const informer = new Informer({
        client: c,
        resource: { group, version: 'v1', plural: 'gizmos', kind: 'Gizmo' },
        metrics: runtimeMetrics(registry),
        backoffBaseMs: 100,
        backoffMaxMs: 1000,
      });
      informer.start();
      await informer.waitForSync(30_000);
      await eventually(
        "c.request({ method: 'POST', path: `/apis/${group}/v1/namespaces/${ns}/gizmos`, body: { ...",
        () =>
          c.request({
            method: 'POST',
            path: `/apis/${group}/v1/namespaces/${ns}/gizmos`,
            body: { apiVersion: `${group}/v1`, kind: 'Gizmo', metadata: { name: 'g1' } },
          }),
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      await eventually('informer.get(`${ns}/g1`)', () => informer.get(`${ns}/g1`), {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      const text = await registry.metrics();
      const throttled = /reason="throttled"\} (\d+)/.exec(text)?.[1] ?? '0';
      process.stderr.write(`[k8s-informer] fresh CRD: ${throttled} throttled (429) restarts before the watch held\n`);
      await informer.stop();
    } finally {
      await c.request({ method: 'DELETE', path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crdName}` });
    }
  });

  it('recovers after losing the API server for a while and converges to its state', async () => {
    const ns = await freshNamespace();
    const registry = createRegistry({ defaultMetrics: false });
    const metrics = runtimeMetrics(registry);
    const flaky = partitionable(c);
    for (const n of ['a', 'b', 'c']) await createWidget(c, ns, n);
    const informer = new Informer({
      client: flaky,
      resource: { ...WIDGET, namespace: ns },
      metrics,
      backoffBaseMs: 100,
      backoffMaxMs: 1000,
    });
    informer.start();
    await informer.waitForSync(30_000);
    flaky.setDown(true);
    await deleteWidget(c, ns, 'a');
    await createWidget(c, ns, 'd');
    await patchWidget(c, ns, 'b', { spec: { size: 2 } });
    await new Promise((r) => setTimeout(r, 1500));
    flaky.setDown(false);
    await eventually(
      'true',
      async () => {
        expect(
          informer
            .keys()
            .map((key) => key.split('/')[1])
            .sort(),
        ).toEqual(await listWidgetNames(c, ns));
        return true;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect((informer.get(`${ns}/b`)?.['spec'] as { size: number }).size).toBe(2);
    expect(await registry.metrics()).toMatch(/gridlake_informer_restarts_total\{kind="Widget",reason="error"\} [1-9]/);
    await informer.stop();
  });
  it('restarts a watch whose connection went silent (half-open TCP) and catches up', async () => {
    const ns = await freshNamespace();
    const proxy = await freezableProxy(new URL(k.server));
    const kc = kubeConfig(k);
    kc.loadFromOptions({
      clusters: kc.clusters.map((cl) => ({ ...cl, server: proxy.url })),
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.currentContext,
    });
    const registry = createRegistry({ defaultMetrics: false });
    const informer = new Informer({
      client: createKubeClient(kc),
      resource: { ...WIDGET, namespace: ns },
      metrics: runtimeMetrics(registry),
      stallTimeoutMs: 4000,
    });
    try {
      informer.start();
      await informer.waitForSync(30_000);
      await createWidget(c, ns, 'before-stall'); // proves the watch is connected through the proxy
      await eventually('informer.get(`${ns}/before-stall`)', () => informer.get(`${ns}/before-stall`), {
        timeoutMs: 20_000,
        intervalMs: 100,
      });
      proxy.freeze(); // every open connection stops passing bytes, but none is closed
      await createWidget(c, ns, 'during-stall');
      const t0 = Date.now();
      await eventually('informer.get(`${ns}/during-stall`)', () => informer.get(`${ns}/during-stall`), {
        timeoutMs: 30_000,
        intervalMs: 100,
      });
      process.stderr.write(`[k8s-informer] event made during a silent stall arrived after ${Date.now() - t0} ms\n`);
      expect(await registry.metrics()).toMatch(/reason="stalled"\} [1-9]/);
    } finally {
      await informer.stop();
      proxy.close();
    }
  });
});

/** A TCP proxy to the API server whose open connections can be frozen (no bytes either way, nothing closed). */
async function freezableProxy(target: URL): Promise<{ url: string; freeze(): void; close(): void }> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  const server = net.createServer((down) => {
    const up = net.connect(Number(target.port), target.hostname);
    down.pipe(up);
    up.pipe(down);
    const pair: [net.Socket, net.Socket] = [down, up];
    pairs.add(pair);
    const drop = (): void => {
      pairs.delete(pair);
      down.destroy();
      up.destroy();
    };
    down.on('error', drop).on('close', drop);
    up.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    freeze() {
      for (const [down, up] of pairs) {
        down.unpipe(up);
        up.unpipe(down);
        down.pause();
        up.pause();
      }
    },
    close() {
      for (const [down, up] of pairs) {
        down.destroy();
        up.destroy();
      }
      server.close();
    },
  };
}
