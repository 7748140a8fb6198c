import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { eventually } from '../../eventually.js';
import { apiError, isAlreadyExists, isNotFound } from '../../../src/k8s/api-errors.js';
import { createKubeClient, type KubeClient, type RequestObserver } from '../../../src/k8s/kube-client.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import type { KubeInfo } from '../../infra/index.js';

/** A tiny CRD of the runtime's own, so these tests do not depend on src/api. */
export const WIDGET = { group: 'k8stest.gridlake.io', version: 'v1', plural: 'widgets', kind: 'Widget' } as const;

export const rand = (): string => randomBytes(4).toString('hex');

export function kubeConfig(info: KubeInfo, context = 'admin'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(info.kubeconfig);
  kc.setCurrentContext(context);
  return kc;
}

export function client(info: KubeInfo, onRequest?: RequestObserver): KubeClient {
  return createKubeClient(kubeConfig(info), onRequest ? { onRequest } : {});
}

/** Installs the Widget CRD (shared by test files; idempotent) and waits until it is served. */
export async function ensureWidgetCrd(c: KubeClient): Promise<void> {
  const name = `${WIDGET.plural}.${WIDGET.group}`;
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name },
    spec: {
      group: WIDGET.group,
      scope: 'Namespaced',
      names: { plural: WIDGET.plural, singular: 'widget', kind: WIDGET.kind, listKind: 'WidgetList' },
      versions: [
        {
          name: WIDGET.version,
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: { type: 'object', properties: { size: { type: 'integer' } } },
                status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              },
            },
          },
        },
      ],
    },
  };
  try {
    await c.request({ method: 'POST', path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', body: crd });
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  await eventually(
    "got.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')",
    async () => {
      const got = await c.request<{ status?: { conditions?: { type: string; status: string }[] } }>({
        method: 'GET',
        path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
      });
      return got.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True');
    },
    { timeoutMs: 20_000, intervalMs: 100 },
  );
  // Served once a list answers (discovery can lag Established by a moment).
  await eventually(
    "c.request({ method: 'GET', path: `/apis/${WIDGET.group}/${WIDGET.version}/${WIDGET.plur...",
    () => c.request({ method: 'GET', path: `/apis/${WIDGET.group}/${WIDGET.version}/${WIDGET.plural}` }),
    { timeoutMs: 20_000, intervalMs: 100 },
  );
}

export async function createNamespace(c: KubeClient, name = `k8st-${rand()}`): Promise<string> {
  await c.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name } } });
  return name;
}

export async function deleteNamespace(c: KubeClient, name: string): Promise<void> {
  try {
    await c.request({ method: 'DELETE', path: `/api/v1/namespaces/${name}` });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

export const widgetsPath = (ns: string): string =>
  `/apis/${WIDGET.group}/${WIDGET.version}/namespaces/${ns}/${WIDGET.plural}`;

export async function createWidget(c: KubeClient, ns: string, name: string, size = 1): Promise<KubeObject> {
  return c.request<KubeObject>({
    method: 'POST',
    path: widgetsPath(ns),
    body: { apiVersion: `${WIDGET.group}/${WIDGET.version}`, kind: WIDGET.kind, metadata: { name }, spec: { size } },
  });
}

export async function patchWidget(c: KubeClient, ns: string, name: string, patch: unknown): Promise<KubeObject> {
  return c.request<KubeObject>({
    method: 'PATCH',
    path: `${widgetsPath(ns)}/${name}`,
    body: patch,
    contentType: 'application/merge-patch+json',
  });
}

export async function deleteWidget(c: KubeClient, ns: string, name: string): Promise<void> {
  await c.request({ method: 'DELETE', path: `${widgetsPath(ns)}/${name}` });
}

export async function listWidgetNames(c: KubeClient, ns: string): Promise<string[]> {
  const list = await c.request<{ items: KubeObject[] }>({ method: 'GET', path: widgetsPath(ns) });
  return list.items.map((o) => o.metadata.name ?? '').sort();
}

/**
 * Wraps a client so a test can cut it off from the API server: while `down`,
 * every call fails like a refused connection and open watches break.
 */
export function partitionable(inner: KubeClient): KubeClient & { setDown(down: boolean): void } {
  let down = false;
  const open = new Set<AbortController>();
  const refused = (path: string) =>
    apiError(undefined, undefined, { method: 'GET', path }, new Error('ECONNREFUSED (test partition)'));
  return {
    setDown(d: boolean) {
      down = d;
      if (d) for (const c of open) c.abort();
    },
    request(req) {
      return down ? Promise.reject(refused(req.path)) : inner.request(req);
    },
    async watch(path, query, onEvent, signal) {
      if (down) throw refused(path);
      const ctl = new AbortController();
      open.add(ctl);
      const both = AbortSignal.any([signal, ctl.signal]);
      try {
        await inner.watch(path, query, onEvent, both);
      } finally {
        open.delete(ctl);
      }
      if (ctl.signal.aborted && !signal.aborted) throw refused(path);
    },
  };
}

/** Compacts etcd at its current revision through its HTTP gateway; returns that revision. */
export async function compactEtcd(etcdEndpoint: string): Promise<number> {
  const range = await fetch(`${etcdEndpoint}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: 'AA==' }) });
  const rev = Number(((await range.json()) as { header: { revision: string } }).header.revision);
  const res = await fetch(`${etcdEndpoint}/v3/kv/compaction`, {
    method: 'POST',
    body: JSON.stringify({ revision: String(rev), physical: true }),
  });
  if (!res.ok) throw new Error(`etcd compaction: HTTP ${res.status} ${await res.text()}`);
  return rev;
}
