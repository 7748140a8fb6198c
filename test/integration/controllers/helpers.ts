import { execFile } from 'node:child_process';
import { KubeConfig } from '@kubernetes/client-node';
import path from 'node:path';
import { promisify } from 'node:util';
import { eventually } from '../../eventually.js';
import type { Registry } from 'prom-client';
import { joinRunCounter } from '../../../controllers/daily-join-metrics.js';
import { addControllers, type ControllerKind } from '../../../controllers/operator.js';
import { isNotFound } from '../../../src/k8s/api-errors.js';
import { resourcePath, objectPath, type KubeClient } from '../../../src/k8s/kube-client.js';
import type { ResourceRef } from '../../../src/k8s/informer.js';
import { Manager } from '../../../src/k8s/manager.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import { kube, type KubeInfo } from '../../infra/index.js';
import { client as makeClient, createNamespace, deleteNamespace, rand } from '../k8s/helpers.js';

export { rand };

const exec = promisify(execFile);
const CRD_DIR = path.resolve(import.meta.dirname, '../../../crds');

/** A test clock: `now()` reads it, tests move it. */
export class TestClock {
  constructor(public ms: number) {}
  now(): number {
    return this.ms;
  }
  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
}

/** Applies the committed CRDs with server-side apply (idempotent; shared by test files) and waits until served. */
export async function ensureCrds(k: KubeInfo, c: KubeClient): Promise<void> {
  const kubectl = (...args: string[]) => exec(k.kubectl, ['--kubeconfig', k.kubeconfig, ...args]);
  await kubectl('apply', '--server-side', '--force-conflicts', '--field-manager=gridlake-api-test', '-f', CRD_DIR);
  await kubectl('wait', '--for=condition=Established', '--timeout=60s', '-f', CRD_DIR);
  for (const plural of ['powersources', 'weathersources', 'lakesinks', 'dailyjoins', 'dailyjoinruns', 'remotesites'])
    await eventually(
      `${plural} served`,
      () => c.request({ method: 'GET', path: `/apis/gridlake.io/v1alpha1/${plural}` }),
      { timeoutMs: 30_000, intervalMs: 250 },
    );
}

export interface Env {
  readonly k: KubeInfo;
  readonly client: KubeClient;
  readonly ns: string;
  readonly clock: TestClock;
  /** the operators' metrics (the join run counter, as run-controller registers it) */
  readonly registry: Registry;
  /** starts the operator for `ns` (or `namespace`) with these controllers (through `via`, default the
   * admin client); stopped by `teardown` */
  start(kinds: readonly ControllerKind[], namespace?: string, via?: KubeClient): Manager;
  teardown(): Promise<void>;
}

export const IMAGE = 'registry.invalid/gridlake:test';

/** One test file's world: CRDs, a random namespace, a controllable clock, operators it starts. */
export async function setup(prefix: string, clockStart = Date.now()): Promise<Env> {
  const k = await kube();
  const client = makeClient(k);
  await ensureCrds(k, client);
  const ns = await createNamespace(client, `${prefix}-${rand()}`);
  const clock = new TestClock(clockStart);
  const managers: Manager[] = [];
  const namespaces = [ns];
  const registry = createRegistry({ defaultMetrics: false });
  const joinRunFinished = joinRunCounter(registry);
  return {
    k,
    client,
    ns,
    clock,
    registry,
    start(kinds, namespace = ns, via = client) {
      const manager = new Manager({ client: via, shutdownTimeoutMs: 2000 });
      addControllers(
        manager,
        { client: via, clock, workload: { image: IMAGE, brokers: 'kafka.invalid:9092' }, joinRunFinished },
        // Fast relists keep tests short if a watch misses the end of a test.
        { namespace, kinds, informer: { resyncMs: 0 } },
      );
      manager.start();
      managers.push(manager);
      if (!namespaces.includes(namespace)) namespaces.push(namespace);
      return manager;
    },
    async teardown() {
      await Promise.all(managers.map((m) => m.stop()));
      for (const n of namespaces) await deleteNamespace(client, n);
    },
  };
}

export async function create(
  c: KubeClient,
  ref: ResourceRef,
  ns: string | undefined,
  body: Record<string, unknown>,
): Promise<KubeObject> {
  return c.request<KubeObject>({
    method: 'POST',
    path: resourcePath({ ...ref, ...(ns ? { namespace: ns } : {}) }),
    body,
  });
}

export async function get(
  c: KubeClient,
  ref: ResourceRef,
  ns: string | undefined,
  name: string,
): Promise<KubeObject | undefined> {
  try {
    return await c.request<KubeObject>({
      method: 'GET',
      path: objectPath({ ...ref, ...(ns ? { namespace: ns } : {}) }, name),
    });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function list(c: KubeClient, ref: ResourceRef, ns: string): Promise<KubeObject[]> {
  return (await c.request<{ items: KubeObject[] }>({ method: 'GET', path: resourcePath({ ...ref, namespace: ns }) }))
    .items;
}

export async function mergePatch(
  c: KubeClient,
  ref: ResourceRef,
  ns: string | undefined,
  name: string,
  patch: unknown,
  sub = '',
): Promise<KubeObject> {
  return c.request<KubeObject>({
    method: 'PATCH',
    path: objectPath({ ...ref, ...(ns ? { namespace: ns } : {}) }, name) + sub,
    body: patch,
    contentType: 'application/merge-patch+json',
  });
}

export async function remove(c: KubeClient, ref: ResourceRef, ns: string | undefined, name: string): Promise<void> {
  await c.request({ method: 'DELETE', path: objectPath({ ...ref, ...(ns ? { namespace: ns } : {}) }, name) });
}

type Cond = { type: string; status: string; reason: string; message?: string; observedGeneration?: number };

/** The condition of `type`, if present. */
export function cond(obj: KubeObject | undefined, type: string): Cond | undefined {
  return ((obj?.['status'] as { conditions?: Cond[] } | undefined)?.conditions ?? []).find((c) => c.type === type);
}

/** True when status.observedGeneration and every condition's observedGeneration equal metadata.generation. */
export function currentStatus(obj: KubeObject | undefined): boolean {
  if (!obj) return false;
  const st = obj['status'] as { observedGeneration?: number; conditions?: Cond[] } | undefined;
  const g = obj.metadata.generation;
  return (
    st?.observedGeneration === g &&
    (st?.conditions ?? []).length > 0 &&
    (st?.conditions ?? []).every((c) => c.observedGeneration === g)
  );
}

/** Garbage collection on a fresh server can take a while for new CRD kinds. */
export const GC_TIMEOUT_MS = 90_000;

/**
 * A kubeconfig that acts as ServiceAccount `sa` of `ns` (a TokenRequest
 * token, as the kubelet would mount it in the pod), on the test cluster.
 */
export async function serviceAccountKubeConfig(env: Env, ns: string, sa: string): Promise<KubeConfig> {
  const token = await env.client.request<{ status: { token: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  });
  return tokenKubeConfig(env, sa, token.status.token);
}

/** The test cluster with `token` as the only credential (none of the admin's). */
export function tokenKubeConfig(env: Env, user: string, token: string): KubeConfig {
  const admin = new KubeConfig();
  admin.loadFromFile(env.k.kubeconfig);
  const cluster = admin.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: user, token }],
    contexts: [{ name: user, cluster: cluster.name, user }],
    currentContext: user,
  });
  return kc;
}
