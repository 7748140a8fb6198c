import { assertNever } from '../src/errors.js';
import type { ConditionInput } from '../src/k8s/conditions.js';
import { controllerReference } from '../src/k8s/ownership.js';
import type { ResourceRef } from '../src/k8s/informer.js';
import type { KubeObject } from '../src/k8s/object-cache.js';
import { applyIfChanged, hashOf, type Action, type ObjectRef } from './apply.js';
import { REASON, COND } from './conditions.js';
import {
  CONFIG_HASH,
  CONFIG_MAPS,
  DEPLOYMENTS,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  ROLES,
  ROLE_BINDINGS,
  SERVICE_ACCOUNTS,
  apiVersionOf,
} from './resources.js';

/**
 * Pure planning shared by the long-running workers (collectors, sinks): one
 * ConfigMap with the rendered config and one Deployment that mounts it. The
 * pod template carries the config's hash, so a config change rolls the pods.
 * A worker that writes its resource's `status.progress` also gets its own
 * identity: a ServiceAccount bound to a Role that may patch exactly that
 * resource's status subresource and nothing else (least privilege);
 * every other worker runs without an API token.
 */

/** How the controller builds worker pods (from its own flags). */
export interface WorkloadOptions {
  /** the gridlake image, e.g. ghcr.io/gridlake/gridlake:0.1.0 */
  readonly image: string;
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** Kafka bootstrap servers passed as `--brokers` */
  readonly brokers?: string;
}

/** One environment variable of the worker container. */
export type EnvVar =
  | { readonly name: string; readonly value: string }
  | {
      readonly name: string;
      readonly valueFrom: { readonly secretKeyRef: { readonly name: string; readonly key: string } };
    };

/** What a kind-specific plan says about its worker. */
export interface WorkerSpec {
  /** names the children `<owner>-<component>` */
  readonly component: 'collector' | 'sink';
  readonly args: readonly string[];
  readonly env: readonly EnvVar[];
  /** rendered config, written to the ConfigMap as config.json */
  readonly config: unknown;
  readonly suspend: boolean;
  /**
   * The owner's resource when the worker reports its progress into the
   * owner's `status.progress` (`--report-status`); absent: no API access.
   */
  readonly reportsStatusOf?: Pick<ResourceRef, 'group' | 'plural'>;
}

/** The children of one worker (identity objects only for a worker that reports status). */
export interface WorkloadObjects {
  readonly configMap: KubeObject;
  readonly deployment: KubeObject;
  readonly serviceAccount?: KubeObject;
  readonly role?: KubeObject;
  readonly roleBinding?: KubeObject;
}

/** The worker's children as the cache holds them (absent: not there yet). */
export interface WorkloadObserved {
  readonly configMap?: KubeObject | undefined;
  readonly deployment?: KubeObject | undefined;
  readonly serviceAccount?: KubeObject | undefined;
  readonly role?: KubeObject | undefined;
  readonly roleBinding?: KubeObject | undefined;
}

/** Name of every child of a worker: `<owner>-<component>`. */
export function workerName(owner: KubeObject, component: string): string {
  return `${owner.metadata.name ?? ''}-${component}`;
}

export const CONFIG_MOUNT = '/etc/gridlake';

/** Labels that select a worker's pods. */
export function workerLabels(owner: KubeObject, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': 'gridlake',
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/instance': owner.metadata.name ?? '',
    [MANAGED_BY_LABEL]: MANAGED_BY,
  };
}

/** The pod half of the restricted security profile: non-root, seccomp RuntimeDefault (the container half is below). */
export const RESTRICTED_POD_SECURITY = {
  runAsNonRoot: true,
  runAsUser: 10001,
  runAsGroup: 10001,
  fsGroup: 10001,
  seccompProfile: { type: 'RuntimeDefault' },
} as const;

export const RESTRICTED_CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
} as const;

/**
 * Requests and limits of the pods the operator makes, from measured peaks:
 * an unbounded worker is how the seed lost its scheduler, so every one has a
 * memory limit. Collector: 118 MiB peak RSS (VmHWM) of `gridlake collect`
 * polling the simulator at ×120 for a minute, power and weather alike. Sink:
 * 171–192 MiB peak draining 1,000,000 records (bench/sink). Join: a day's run
 * within its 256 MiB goal (bench/join). CPU requests are what they use idle;
 * the limit of one core is what the benches ran on.
 */
export const WORKER_RESOURCES = {
  collector: { requests: { cpu: '10m', memory: '128Mi' }, limits: { cpu: '1', memory: '192Mi' } },
  sink: { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '1', memory: '256Mi' } },
  join: { requests: { cpu: '250m', memory: '160Mi' }, limits: { cpu: '1', memory: '256Mi' } },
} as const;

/** The desired children of a worker. */
export function renderWorkload(owner: KubeObject, worker: WorkerSpec, opts: WorkloadOptions): WorkloadObjects {
  const namespace = owner.metadata.namespace ?? '';
  const name = workerName(owner, worker.component);
  const labels = workerLabels(owner, worker.component);
  const ownerReferences = [controllerReference(owner, { metadata: { namespace } })];
  const identity = worker.reportsStatusOf
    ? renderIdentity(owner, worker.reportsStatusOf, { name, namespace, labels, ownerReferences })
    : undefined;
  const data = { 'config.json': `${JSON.stringify(worker.config, null, 2)}\n` };
  const configMap: KubeObject = {
    apiVersion: apiVersionOf(CONFIG_MAPS),
    kind: CONFIG_MAPS.kind,
    metadata: { name, namespace, labels, ownerReferences },
    data,
  };
  const args = [
    ...worker.args,
    ...(identity ? ['--report-status'] : []),
    ...(opts.brokers ? ['--brokers', opts.brokers] : []),
  ];
  const deployment: KubeObject = {
    apiVersion: apiVersionOf(DEPLOYMENTS),
    kind: DEPLOYMENTS.kind,
    metadata: { name, namespace, labels, ownerReferences },
    spec: {
      replicas: worker.suspend ? 0 : 1,
      // One worker per source: never two pollers spending one call budget.
      strategy: { type: 'Recreate' },
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations: { [CONFIG_HASH]: hashOf(data) } },
        spec: {
          // Only a reporting worker holds a token, and it may patch only its own resource's status.
          ...(identity
            ? { serviceAccountName: name, automountServiceAccountToken: true }
            : { automountServiceAccountToken: false }),
          securityContext: RESTRICTED_POD_SECURITY,
          containers: [
            {
              name: worker.component,
              image: opts.image,
              ...(opts.imagePullPolicy ? { imagePullPolicy: opts.imagePullPolicy } : {}),
              args,
              env: [
                { name: 'GRIDLAKE_CONFIG', value: `${CONFIG_MOUNT}/config.json` },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                ...worker.env,
              ],
              ports: [{ name: 'metrics', containerPort: 9464 }],
              readinessProbe: { httpGet: { path: '/readyz', port: 'metrics' }, periodSeconds: 10 },
              livenessProbe: { httpGet: { path: '/healthz', port: 'metrics' }, periodSeconds: 20 },
              securityContext: RESTRICTED_CONTAINER_SECURITY,
              resources: WORKER_RESOURCES[worker.component],
              volumeMounts: [
                { name: 'config', mountPath: CONFIG_MOUNT, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'config', configMap: { name } },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
  return { configMap, deployment, ...identity };
}

/** ServiceAccount, Role (patch on the owner's status only, pinned by name) and RoleBinding. */
function renderIdentity(
  owner: KubeObject,
  resource: Pick<ResourceRef, 'group' | 'plural'>,
  meta: KubeObject['metadata'] & { name: string; namespace: string },
): { serviceAccount: KubeObject; role: KubeObject; roleBinding: KubeObject } {
  const metadata = { ...meta };
  return {
    serviceAccount: { apiVersion: apiVersionOf(SERVICE_ACCOUNTS), kind: SERVICE_ACCOUNTS.kind, metadata },
    role: {
      apiVersion: apiVersionOf(ROLES),
      kind: ROLES.kind,
      metadata,
      // The progress reporter only PATCHes `<plural>/<name>/status` (JSON patch, merge patch fallback).
      rules: [
        {
          apiGroups: [resource.group],
          resources: [`${resource.plural}/status`],
          resourceNames: [owner.metadata.name ?? ''],
          verbs: ['patch'],
        },
      ],
    },
    roleBinding: {
      apiVersion: apiVersionOf(ROLE_BINDINGS),
      kind: ROLE_BINDINGS.kind,
      metadata,
      roleRef: { apiGroup: ROLES.group, kind: ROLES.kind, name: meta.name },
      subjects: [{ kind: SERVICE_ACCOUNTS.kind, name: meta.name, namespace: meta.namespace }],
    },
  };
}

/** Actions that bring the worker's children to the desired bodies (none when the hashes match). */
export function planWorkload(
  owner: KubeObject,
  worker: WorkerSpec,
  opts: WorkloadOptions,
  observed: WorkloadObserved,
): Action[] {
  const want = renderWorkload(owner, worker, opts);
  const ref = (resource: ObjectRef['resource']): ObjectRef => ({
    resource,
    name: want.configMap.metadata.name ?? '',
    namespace: want.configMap.metadata.namespace ?? '',
  });
  // Identity and ConfigMap first: the Deployment's pods use both.
  return [
    ...(want.serviceAccount ? applyIfChanged(ref(SERVICE_ACCOUNTS), want.serviceAccount, observed.serviceAccount) : []),
    ...(want.role ? applyIfChanged(ref(ROLES), want.role, observed.role) : []),
    ...(want.roleBinding ? applyIfChanged(ref(ROLE_BINDINGS), want.roleBinding, observed.roleBinding) : []),
    ...applyIfChanged(ref(CONFIG_MAPS), want.configMap, observed.configMap),
    ...applyIfChanged(ref(DEPLOYMENTS), want.deployment, observed.deployment),
  ];
}

/** The state of a referenced Secret key. */
export type SecretState = 'found' | 'no-secret' | 'no-key';

/** Looks up a key in a (cached) Secret; `data` and `stringData`-derived keys both count. */
export function secretState(secret: KubeObject | undefined, key: string): SecretState {
  if (!secret) return 'no-secret';
  const data = (secret['data'] ?? {}) as Record<string, unknown>;
  return key in data ? 'found' : 'no-key';
}

/** SecretMissing: True when the Secret or its key is absent. */
export function secretCondition(state: SecretState, ref: { name: string; key: string }): ConditionInput {
  switch (state) {
    case 'found':
      return {
        type: COND.SecretMissing,
        status: 'False',
        reason: REASON.SecretFound,
        message: `Secret ${ref.name} has key ${ref.key}.`,
      };
    case 'no-secret':
      return {
        type: COND.SecretMissing,
        status: 'True',
        reason: REASON.SecretNotFound,
        message: `Secret ${ref.name} does not exist in this namespace.`,
      };
    case 'no-key':
      return {
        type: COND.SecretMissing,
        status: 'True',
        reason: REASON.SecretKeyNotFound,
        message: `Secret ${ref.name} has no key ${ref.key}.`,
      };
    default:
      return assertNever(state);
  }
}

/**
 * A worker run on the hub: its children (none while the spec is invalid) and
 * its Ready condition, which wants the Deployment available with nothing left
 * to apply.
 */
export function planHubWorker(
  owner: KubeObject,
  worker: WorkerSpec,
  opts: WorkloadOptions,
  observed: WorkloadObserved,
  o: { readonly invalid: string | null; readonly secretMissing: ConditionInput | null },
): { actions: Action[]; ready: ConditionInput } {
  const actions = o.invalid ? [] : planWorkload(owner, worker, opts, observed);
  const ready = workerReady({
    worker: worker.component,
    invalid: o.invalid,
    suspend: worker.suspend,
    secretMissing: o.secretMissing,
    available: deploymentAvailable(observed.deployment) && actions.length === 0,
  });
  return { actions, ready };
}

/** Whether the Deployment has its desired pods available (a suspended worker wants none). */
export function deploymentAvailable(deployment: KubeObject | undefined): boolean {
  if (!deployment) return false;
  const spec = deployment['spec'] as { replicas?: number } | undefined;
  const st = deployment['status'] as { availableReplicas?: number; observedGeneration?: number } | undefined;
  const want = spec?.replicas ?? 1;
  return (st?.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 0) && (st?.availableReplicas ?? 0) >= want;
}

/** The progress block a worker writes (the fields the controller reads). */
export interface WorkerProgress {
  readonly updatedAt?: string;
  readonly lastOutcome?: string;
  readonly lastError?: { readonly class: string; readonly message: string; readonly time: string };
}

/**
 * The worker-activity condition (Collecting, Sinking) from the worker's own
 * `status.progress`: True while it reports recently without an error, False
 * when its last report is an error or older than `staleAfterMs`. Returns when
 * the answer would change by time alone (the requeue), or null.
 */
export function progressCondition(
  type: string,
  progress: WorkerProgress | undefined,
  staleAfterMs: number,
  now: number,
  suspended: boolean,
): { condition: ConditionInput; changesAt: number | null } {
  if (suspended)
    return {
      condition: { type, status: 'False', reason: REASON.Suspended, message: 'spec.suspend is true.' },
      changesAt: null,
    };
  const updated = progress?.updatedAt ? Date.parse(progress.updatedAt) : NaN;
  if (!progress || Number.isNaN(updated))
    return {
      condition: { type, status: 'Unknown', reason: REASON.NoProgressYet, message: 'The worker has not reported yet.' },
      changesAt: null,
    };
  const staleAt = updated + staleAfterMs;
  if (now >= staleAt)
    return {
      condition: {
        type,
        status: 'False',
        reason: REASON.ProgressStale,
        message: `The worker last reported at ${progress.updatedAt}.`,
      },
      changesAt: null,
    };
  // A collector says how its last poll went; a sink has no outcomes and keeps lastError only while it lasts.
  const failing =
    progress.lastOutcome === undefined
      ? progress.lastError !== undefined
      : progress.lastOutcome !== 'ok' && progress.lastOutcome !== 'no_data';
  if (failing)
    return {
      condition: {
        type,
        status: 'False',
        reason: REASON.WorkerReportsError,
        message: progress.lastError
          ? `${progress.lastError.class}: ${progress.lastError.message}`
          : `Last outcome: ${progress.lastOutcome ?? 'unknown'}.`,
      },
      changesAt: staleAt,
    };
  return {
    condition: {
      type,
      status: 'True',
      reason: REASON.WorkerReportsOk,
      message: `The worker reported at ${progress.updatedAt}.`,
    },
    changesAt: staleAt,
  };
}

/**
 * Ready of a resource run by a worker Deployment: the spec is valid, it is not
 * suspended, its Secret is there, and the Deployment is available with nothing
 * left to apply. `secretMissing` is the SecretMissing condition when the
 * Secret is not usable, else null.
 */
export function workerReady(o: {
  readonly worker: 'collector' | 'sink';
  readonly invalid: string | null;
  readonly suspend: boolean;
  readonly secretMissing: ConditionInput | null;
  readonly available: boolean;
}): ConditionInput {
  if (o.invalid) return { type: COND.Ready, status: 'False', reason: REASON.SpecInvalid, message: o.invalid };
  if (o.suspend)
    return {
      type: COND.Ready,
      status: 'False',
      reason: REASON.Suspended,
      message: `spec.suspend is true: the ${o.worker} is scaled to zero.`,
    };
  if (o.secretMissing)
    return { type: COND.Ready, status: 'False', reason: o.secretMissing.reason, message: o.secretMissing.message };
  return o.available
    ? {
        type: COND.Ready,
        status: 'True',
        reason: REASON.Available,
        message: `The ${o.worker} Deployment is available.`,
      }
    : {
        type: COND.Ready,
        status: 'False',
        reason: REASON.DeploymentNotAvailable,
        message: `The ${o.worker} Deployment has no available pod yet.`,
      };
}
