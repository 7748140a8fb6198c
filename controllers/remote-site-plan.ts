import type { RemoteSiteSpec, RemoteSiteStatus } from '../src/api/remote-site.js';
import { siteNamespace } from '../src/api/remote-site.js';
import { conditionTime, type Condition, type ConditionInput } from '../src/k8s/conditions.js';
import type { KubeObject } from '../src/k8s/object-cache.js';
import { controllerReference } from '../src/k8s/ownership.js';
import { applyIfChanged, type Action } from './apply.js';
import { COND, REASON, conditionsFor } from './conditions.js';
import {
  MANAGED_BY,
  MANAGED_BY_LABEL,
  NAMESPACES,
  ROLES,
  ROLE_BINDINGS,
  SERVICE_ACCOUNTS,
  apiVersionOf,
} from './resources.js';

/**
 * Pure planning of a RemoteSite: namespace gridlake-site-<name>, the agent's
 * ServiceAccount, a least-privilege Role and its RoleBinding; status from the
 * agent's Lease. Bumping spec.credentialsEpoch deletes the ServiceAccount
 * (every token dies) and the next pass makes a new one.
 */

/** Name of the agent's ServiceAccount, Role, RoleBinding and heartbeat Lease in its site namespace. */
export const AGENT_NAME = 'gridlake-agent';
export const SITE_LABEL = 'gridlake.io/site';
export const EPOCH_ANNOTATION = 'gridlake.io/credentials-epoch';

export interface SiteObserved {
  readonly site: KubeObject;
  readonly namespace: KubeObject | undefined;
  readonly serviceAccount: KubeObject | undefined;
  readonly role: KubeObject | undefined;
  readonly roleBinding: KubeObject | undefined;
  readonly lease: KubeObject | undefined;
}

/**
 * The agent may: read the sources of its namespace and patch their status
 * (a ValidatingAdmissionPolicy narrows that to `status.progress`), renew its
 * heartbeat Lease (which the controller creates, so no `create` on Leases),
 * mint tokens for its own ServiceAccount (TokenRequest, by name), and write
 * events. Nothing else: no other namespace, no workloads, nothing
 * cluster-scoped. Reading the Secrets its sources name is added per site by
 * `renderSiteChildren`.
 */
export const AGENT_RULES = [
  { apiGroups: ['gridlake.io'], resources: ['powersources', 'weathersources'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['gridlake.io'], resources: ['powersources/status', 'weathersources/status'], verbs: ['get', 'patch'] },
  {
    apiGroups: ['coordination.k8s.io'],
    resources: ['leases'],
    resourceNames: [AGENT_NAME],
    verbs: ['get', 'update', 'patch'],
  },
  { apiGroups: [''], resources: ['serviceaccounts/token'], resourceNames: [AGENT_NAME], verbs: ['create'] },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create'] },
] as const;

export function renderSiteChildren(site: KubeObject): {
  namespace: KubeObject;
  serviceAccount: KubeObject;
  role: KubeObject;
  roleBinding: KubeObject;
} {
  const name = site.metadata.name ?? '';
  const ns = siteNamespace(name);
  const spec = site['spec'] as RemoteSiteSpec;
  const labels = { [MANAGED_BY_LABEL]: MANAGED_BY, [SITE_LABEL]: name };
  // A cluster-scoped owner may own both the namespace and the objects in it.
  const ownerReferences = [controllerReference(site)];
  const meta = (kind: string) => ({
    name: kind === 'Namespace' ? ns : AGENT_NAME,
    ...(kind === 'Namespace' ? {} : { namespace: ns }),
    labels,
    ownerReferences,
  });
  return {
    namespace: { apiVersion: 'v1', kind: 'Namespace', metadata: meta('Namespace') },
    serviceAccount: {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { ...meta('ServiceAccount'), annotations: { [EPOCH_ANNOTATION]: String(spec.credentialsEpoch) } },
    },
    role: { apiVersion: apiVersionOf(ROLES), kind: 'Role', metadata: meta('Role'), rules: AGENT_RULES },
    roleBinding: {
      apiVersion: apiVersionOf(ROLE_BINDINGS),
      kind: 'RoleBinding',
      metadata: meta('RoleBinding'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: AGENT_NAME },
      subjects: [{ kind: 'ServiceAccount', name: AGENT_NAME, namespace: ns }],
    },
  };
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  renewTime?: string;
  leaseTransitions?: number;
}

export function planSite(
  obs: SiteObserved,
  now: number,
): { actions: readonly Action[]; status: Record<string, unknown>; requeueAfterMs: number | null } {
  const { site } = obs;
  const spec = site['spec'] as RemoteSiteSpec;
  const prev = site['status'] as (RemoteSiteStatus & { conditions?: Condition[] }) | undefined;
  const generation = site.metadata.generation ?? 0;
  const ns = siteNamespace(site.metadata.name ?? '');
  const want = renderSiteChildren(site);
  const actions: Action[] = [];
  const ref = (resource: typeof NAMESPACES, namespaced: boolean) => ({
    resource,
    name: namespaced ? AGENT_NAME : ns,
    ...(namespaced ? { namespace: ns } : {}),
  });
  actions.push(...applyIfChanged(ref(NAMESPACES, false), want.namespace, obs.namespace));
  const sa = obs.serviceAccount;
  const saEpoch = sa?.metadata.annotations?.[EPOCH_ANNOTATION];
  if (sa && saEpoch !== undefined && Number(saEpoch) < spec.credentialsEpoch) {
    // Revocation: delete the account (its tokens die with it); the next pass creates a fresh one.
    actions.push({
      op: 'delete',
      ref: ref(SERVICE_ACCOUNTS, true),
      ...(sa.metadata.uid ? { uid: sa.metadata.uid } : {}),
    });
  } else {
    actions.push(...applyIfChanged(ref(SERVICE_ACCOUNTS, true), want.serviceAccount, sa));
  }
  actions.push(...applyIfChanged(ref(ROLES, true), want.role, obs.role));
  actions.push(...applyIfChanged(ref(ROLE_BINDINGS, true), want.roleBinding, obs.roleBinding));
  const registered = actions.length === 0 && obs.serviceAccount !== undefined;
  const lease = (obs.lease?.['spec'] ?? undefined) as LeaseSpec | undefined;
  const renew = lease?.renewTime ? Date.parse(lease.renewTime) : NaN;
  const durationMs = (lease?.leaseDurationSeconds ?? spec.leaseDurationSeconds) * 1000;
  const expiresAt = Number.isNaN(renew) ? null : renew + durationMs;
  const connected: ConditionInput =
    expiresAt === null
      ? {
          type: COND.AgentConnected,
          status: 'Unknown',
          reason: REASON.NoLease,
          message: `No heartbeat Lease ${ns}/${AGENT_NAME} yet: the agent has not connected.`,
        }
      : now < expiresAt
        ? {
            type: COND.AgentConnected,
            status: 'True',
            reason: REASON.LeaseCurrent,
            message: `The agent ${lease?.holderIdentity ?? ''} renews its Lease.`,
          }
        : {
            type: COND.AgentConnected,
            status: 'Unknown',
            reason: REASON.LeaseExpired,
            message: `The agent's Lease expired at ${conditionTime(expiresAt)}.`,
          };
  const reg: ConditionInput = registered
    ? {
        type: COND.Registered,
        status: 'True',
        reason: REASON.ChildrenCreated,
        message: `Namespace ${ns}, ServiceAccount, Role and RoleBinding ${AGENT_NAME} exist.`,
      }
    : {
        type: COND.Registered,
        status: 'False',
        reason: REASON.ChildrenCreating,
        message: `Creating namespace ${ns} and the agent's ServiceAccount, Role and RoleBinding.`,
      };
  const ready: ConditionInput =
    registered && connected.status === 'True'
      ? {
          type: COND.Ready,
          status: 'True',
          reason: REASON.LeaseCurrent,
          message: 'The site is registered and its agent is connected.',
        }
      : {
          type: COND.Ready,
          status: 'False',
          reason: registered ? connected.reason : reg.reason,
          message: registered ? connected.message : reg.message,
        };
  const agent = obs.lease
    ? {
        // Whole minutes: the heartbeat moves status at most once a minute, not on every renewal.
        ...(Number.isNaN(renew) ? {} : { lastHeartbeatTime: conditionTime(Math.floor(renew / 60_000) * 60_000) }),
        ...(lease?.holderIdentity ? { holderIdentity: lease.holderIdentity } : {}),
        ...(lease?.leaseTransitions !== undefined ? { leaseTransitions: lease.leaseTransitions } : {}),
      }
    : undefined;
  const status: Record<string, unknown> = {
    observedGeneration: generation,
    conditions: conditionsFor(prev?.conditions, generation, [ready, reg, connected], now),
    namespace: ns,
    ...(obs.serviceAccount?.metadata.uid ? { serviceAccountUID: obs.serviceAccount.metadata.uid } : {}),
    ...(agent ? { agent } : {}),
    ...(prev?.sources ? { sources: prev.sources } : {}),
  };
  return {
    actions,
    status,
    requeueAfterMs: expiresAt !== null && now < expiresAt ? Math.max(1000, expiresAt - now + 500) : null,
  };
}
