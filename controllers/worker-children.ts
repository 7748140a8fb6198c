import type { Watched } from '../src/k8s/controller.js';
import type { Informer } from '../src/k8s/informer.js';
import type { KubeObject } from '../src/k8s/object-cache.js';
import type { WorkloadObserved } from './workload-plan.js';

/**
 * The caches of a worker's children (workload-plan.ts renders them), shared
 * by the controllers that run workers (sources, LakeSink): which informers
 * wake the owner, and how the owner's children are looked up.
 */
export interface WorkerInformers {
  readonly configMaps: Informer;
  readonly deployments: Informer;
  readonly serviceAccounts: Informer;
  readonly roles: Informer;
  readonly roleBindings: Informer;
}

/** A change to any child wakes its owner (`keys`: the owner's key from a child's controller reference). */
export function workerWatches(inf: WorkerInformers, keys: (child: KubeObject) => readonly string[]): Watched[] {
  return [inf.configMaps, inf.deployments, inf.serviceAccounts, inf.roles, inf.roleBindings].map((informer) => ({
    informer,
    keys,
  }));
}

/** The children named `childName` (`<owner>-<component>`) in `namespace`, as cached. */
export function observeWorker(inf: WorkerInformers, namespace: string, childName: string): WorkloadObserved {
  const key = `${namespace}/${childName}`;
  return {
    configMap: inf.configMaps.get(key),
    deployment: inf.deployments.get(key),
    serviceAccount: inf.serviceAccounts.get(key),
    role: inf.roles.get(key),
    roleBinding: inf.roleBindings.get(key),
  };
}
