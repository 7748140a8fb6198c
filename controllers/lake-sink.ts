import type { ControllerOptions } from '../src/k8s/controller.js';
import { controllerOwnerKeys } from '../src/k8s/controller.js';
import type { Informer } from '../src/k8s/informer.js';
import { splitKey } from '../src/k8s/object-cache.js';
import type { LakeSinkSpec } from '../src/api/lake-sink.js';
import { enactPlan, specOrProgressChanged, type ControllerDeps } from './deps.js';
import { planLakeSink } from './lake-sink-plan.js';
import { LAKE_SINKS } from './resources.js';
import { observeWorker, workerWatches, type WorkerInformers } from './worker-children.js';

/**
 * CRD: LakeSink (gridlake.io/v1alpha1, lakesinks).
 * Children: ConfigMap `<name>-sink` (rendered config), Deployment
 * `<name>-sink` running `gridlake sink --sink <ns/name> --config …
 * --report-status`, and the sink's identity (ServiceAccount, Role allowed only
 * `patch` on this LakeSink's status, RoleBinding), all owned by the sink. Conditions: Ready, Sinking (from status.progress, written by the
 * sink), SecretMissing (S3 credentials), InvalidSpec. Planning: lake-sink-plan.ts.
 */
export interface LakeSinkInformers extends WorkerInformers {
  readonly sinks: Informer;
  readonly secrets: Informer;
}

export function lakeSinkController(deps: ControllerDeps, inf: LakeSinkInformers): ControllerOptions {
  return {
    name: 'lakesink',
    for: inf.sinks,
    watches: [
      ...workerWatches(inf, controllerOwnerKeys('LakeSink')),
      {
        informer: inf.secrets,
        keys: (secret) =>
          inf.sinks
            .list(secret.metadata.namespace)
            .filter((s) => (s['spec'] as LakeSinkSpec).lake.credentialsSecretRef?.name === secret.metadata.name)
            .map((s) => `${s.metadata.namespace}/${s.metadata.name}`),
      },
    ],
    maxConcurrency: 4,
    filter: specOrProgressChanged,
    reconcile: async (key, ctx) => {
      const sink = inf.sinks.get(key);
      if (!sink || sink.metadata.deletionTimestamp) return { kind: 'done' };
      const { namespace, name } = splitKey(key);
      const creds = (sink['spec'] as LakeSinkSpec).lake.credentialsSecretRef;
      const plan = planLakeSink(
        {
          sink,
          secret: creds ? inf.secrets.get(`${namespace}/${creds.name}`) : undefined,
          ...observeWorker(inf, namespace ?? '', `${name}-sink`),
        },
        deps.workload,
        deps.clock.now(),
      );
      return enactPlan(deps, LAKE_SINKS, sink, plan, ctx.signal);
    },
  };
}
