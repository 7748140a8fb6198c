import type { LakeSinkSpec, LakeSinkStatus } from '../src/api/lake-sink.js';
import type { ConditionInput } from '../src/k8s/conditions.js';
import type { KubeObject } from '../src/k8s/object-cache.js';
import type { Action } from './apply.js';
import { LAKE_SINKS } from './resources.js';
import { COND, REASON, conditionsFor, invalidSpecCondition } from './conditions.js';
import { planHubWorker, progressCondition, secretCondition, secretState } from './workload-plan.js';
import type { SecretState, WorkerProgress, WorkerSpec, WorkloadObserved, WorkloadOptions } from './workload-plan.js';

/**
 * Pure planning of a LakeSink: a ConfigMap with the rendered sink config and a
 * Deployment running `gridlake sink`. Conditions: Ready, Sinking (from the
 * sink's status.progress), SecretMissing (S3 credentials), InvalidSpec.
 */

export interface LakeSinkObserved extends WorkloadObserved {
  readonly sink: KubeObject;
  /** the S3 credentials Secret, when the spec references one */
  readonly secret: KubeObject | undefined;
}

/** `gridlake sink` arguments, credentials and rendered config. */
export function sinkWorker(sink: KubeObject): WorkerSpec {
  const spec = sink['spec'] as LakeSinkSpec;
  const ns = sink.metadata.namespace ?? '';
  const name = sink.metadata.name ?? '';
  const creds = spec.lake.credentialsSecretRef;
  return {
    component: 'sink',
    args: ['sink', '--sink', `${ns}/${name}`, '--config', '/etc/gridlake/config.json'],
    env: creds
      ? [
          { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: creds.name, key: creds.accessKeyIdKey } } },
          {
            name: 'AWS_SECRET_ACCESS_KEY',
            valueFrom: { secretKeyRef: { name: creds.name, key: creds.secretAccessKeyKey } },
          },
        ]
      : [],
    config: { apiVersion: sink.apiVersion, kind: 'LakeSink', metadata: { namespace: ns, name }, spec },
    suspend: spec.suspend,
    // Sinking comes from the sink's own status.progress.
    reportsStatusOf: LAKE_SINKS,
  };
}

/** Both keys of the credentials Secret must exist; no Secret referenced means the pod's default chain. */
export function credentialsState(spec: LakeSinkSpec, secret: KubeObject | undefined): SecretState {
  const creds = spec.lake.credentialsSecretRef;
  if (!creds) return 'found';
  const a = secretState(secret, creds.accessKeyIdKey);
  return a === 'found' ? secretState(secret, creds.secretAccessKeyKey) : a;
}

export function planLakeSink(
  obs: LakeSinkObserved,
  opts: WorkloadOptions,
  now: number,
): { actions: readonly Action[]; status: Record<string, unknown>; requeueAfterMs: number | null } {
  const { sink } = obs;
  const spec = sink['spec'] as LakeSinkSpec;
  const prev = sink['status'] as (LakeSinkStatus & { progress?: WorkerProgress }) | undefined;
  const generation = sink.metadata.generation ?? 0;
  const invalid = spec.topics.length === 0 ? 'spec.topics is empty.' : null;
  const creds = spec.lake.credentialsSecretRef;
  const secret = credentialsState(spec, obs.secret);
  const secretRef = {
    name: creds?.name ?? '',
    key: creds ? `${creds.accessKeyIdKey}, ${creds.secretAccessKeyKey}` : '',
  };
  const secretCond: ConditionInput = creds
    ? secretCondition(secret, secretRef)
    : {
        type: COND.SecretMissing,
        status: 'False',
        reason: REASON.SecretFound,
        message: 'No credentials Secret referenced: the pod uses its default credential chain.',
      };
  const { actions, ready } = planHubWorker(sink, sinkWorker(sink), opts, obs, {
    invalid,
    secretMissing: secret === 'found' ? null : secretCond,
  });
  // A sink flushes at least every maxAgeSeconds; three silent windows mean it is stuck.
  const sinking = progressCondition(
    COND.Sinking,
    prev?.progress,
    3 * spec.flush.maxAgeSeconds * 1000 + 60_000,
    now,
    spec.suspend,
  );
  const invalidCond = invalidSpecCondition(invalid);
  return {
    actions,
    status: {
      observedGeneration: generation,
      conditions: conditionsFor(prev?.conditions, generation, [ready, sinking.condition, secretCond, invalidCond], now),
      ...(prev?.progress ? { progress: prev.progress } : {}),
    },
    requeueAfterMs: sinking.changesAt === null ? null : Math.max(1000, sinking.changesAt - now),
  };
}
