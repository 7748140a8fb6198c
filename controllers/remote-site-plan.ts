import { decodeAgentLease, HUB_LEASE_ANNOTATIONS, type AgentLeaseReport } from '../src/api/agent-lease.js';
import type { RemoteSiteSpec, RemoteSiteStatus } from '../src/api/remote-site.js';
import { siteNamespace } from '../src/api/remote-site.js';
import { conditionTime, type Condition, type ConditionInput } from '../src/k8s/conditions.js';
import type { KubeObject } from '../src/k8s/object-cache.js';
import { controllerReference } from '../src/k8s/ownership.js';
import { deepEqual } from '../src/k8s/status-writer.js';
import { applyIfChanged, type Action } from './apply.js';
import { COND, REASON, conditionsFor } from './conditions.js';
import {
  APPLIED_HASH,
  LEASES,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  NAMESPACES,
  ROLES,
  ROLE_BINDINGS,
  SERVICE_ACCOUNTS,
  apiVersionOf,
} from './resources.js';
import type { HeartbeatSeen } from './site-heartbeats.js';

/**
 * Pure planning of a RemoteSite: namespace gridlake-site-<name>, the agent's
 * ServiceAccount, a least-privilege Role and its RoleBinding, the heartbeat
 * Lease the agent renews; status, conditions and watermarks from that Lease.
 * Bumping spec.credentialsEpoch deletes the ServiceAccount (every token dies)
 * and the next pass makes a new one. docs/remote-sites.md ("What the hub
 * shows") describes the status and when it is written.
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
  /** when the hub saw the Lease's current renewal (hub clock); absent: never renewed */
  readonly heartbeat?: HeartbeatSeen | undefined;
  /** the sources in the site namespace (their Secrets go into the Role; watermarks of deleted ones are dropped) */
  readonly sources?: SiteSources | undefined;
}

export interface SiteSources {
  readonly power: readonly KubeObject[];
  readonly weather: readonly KubeObject[];
}

/**
 * The agent may: read the sources of its namespace and patch their status
 * (a ValidatingAdmissionPolicy narrows that to `status.progress`), renew its
 * heartbeat Lease (which the controller creates, so no `create` on Leases),
 * mint tokens for its own ServiceAccount (TokenRequest, by name), and write
 * events. Nothing else: no other namespace, no workloads, nothing
 * cluster-scoped. Reading the Secrets its sources name is added per site by
 * `renderSiteChildren` (`secretRule`).
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

/** `get` on exactly the Secrets the site's sources name; none when they name none (empty resourceNames would mean every Secret). */
export function secretRule(names: readonly string[]) {
  return { apiGroups: [''], resources: ['secrets'], resourceNames: [...names], verbs: ['get'] } as const;
}

/** The Secrets named by the sources' `serviceKeySecretRef`, sorted and once each. */
export function sourceSecretNames(sources: SiteSources | undefined): string[] {
  const names = new Set<string>();
  for (const s of [...(sources?.power ?? []), ...(sources?.weather ?? [])]) {
    const ref = (s['spec'] as { serviceKeySecretRef?: { name?: string } } | undefined)?.serviceKeySecretRef?.name;
    if (ref) names.add(ref);
  }
  return [...names].sort();
}

/** What the controller writes on the agent's Lease: the duration and what the agent must know of its RemoteSite. */
function hubLeaseAnnotations(spec: RemoteSiteSpec): Record<string, string> {
  return {
    [HUB_LEASE_ANNOTATIONS.revokedGraceSeconds]: String(spec.revokedGracePeriodSeconds),
    [HUB_LEASE_ANNOTATIONS.tokenExpirationSeconds]: String(spec.tokenExpirationSeconds),
  };
}

export function renderSiteChildren(
  site: KubeObject,
  secretNames: readonly string[] = [],
): {
  namespace: KubeObject;
  serviceAccount: KubeObject;
  role: KubeObject;
  roleBinding: KubeObject;
  lease: KubeObject;
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
    role: {
      apiVersion: apiVersionOf(ROLES),
      kind: 'Role',
      metadata: meta('Role'),
      rules: secretNames.length === 0 ? AGENT_RULES : [...AGENT_RULES, secretRule(secretNames)],
    },
    roleBinding: {
      apiVersion: apiVersionOf(ROLE_BINDINGS),
      kind: 'RoleBinding',
      metadata: meta('RoleBinding'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: AGENT_NAME },
      subjects: [{ kind: 'ServiceAccount', name: AGENT_NAME, namespace: ns }],
    },
    // Only the fields the hub owns: the agent's renewTime, holderIdentity and annotations are its own (server-side apply keeps them).
    lease: {
      apiVersion: apiVersionOf(LEASES),
      kind: 'Lease',
      metadata: { ...meta('Lease'), annotations: hubLeaseAnnotations(spec) },
      spec: { leaseDurationSeconds: spec.leaseDurationSeconds },
    },
  };
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  renewTime?: string;
  leaseTransitions?: number;
}

/**
 * The Lease is applied when absent, when its body changed, and also when the
 * hub's own fields were changed by someone else (the agent updates the whole
 * object, so a careless agent could drop them while keeping the hash).
 */
function leaseActions(want: KubeObject, observed: KubeObject | undefined): Action[] {
  const ref = {
    resource: LEASES,
    name: AGENT_NAME,
    ...(want.metadata.namespace ? { namespace: want.metadata.namespace } : {}),
  };
  const apply = applyIfChanged(ref, want, observed);
  if (apply.length > 0 || !observed) return apply;
  const ours = want.metadata.annotations ?? {};
  const theirs = observed.metadata.annotations ?? {};
  const drifted =
    Object.entries(ours).some(([k, v]) => theirs[k] !== v) ||
    (observed['spec'] as LeaseSpec | undefined)?.leaseDurationSeconds !==
      (want['spec'] as LeaseSpec).leaseDurationSeconds;
  if (!drifted) return [];
  // Forget the hash so the apply goes through.
  return applyIfChanged(ref, want, {
    ...observed,
    metadata: { ...observed.metadata, annotations: { ...theirs, [APPLIED_HASH]: '' } },
  });
}

/** The spool counts as filling at this share of its bound. */
export const SPOOL_FILLING_RATIO = 0.8;
/** status.agent's values that move with every renewal are rewritten at most this often (unless something else is written). */
export const HEARTBEAT_WRITE_INTERVAL_MS = 60_000;
/** The agent fields that move with (nearly) every renewal. */
const TICKING = ['lastHeartbeatTime', 'spoolRecords', 'spoolBytes', 'spoolOldestTime'] as const;

type SiteStatus = RemoteSiteStatus & { conditions?: Condition[] };
type AgentStatus = NonNullable<RemoteSiteStatus['agent']>;
type SourceMark = NonNullable<RemoteSiteStatus['sources']>[number];

/** Whether the agent's Lease was renewed by an identity the hub has since revoked. */
function isRevoked(report: AgentLeaseReport, currentUid: string | undefined): boolean {
  return report.serviceAccountUID !== undefined && report.serviceAccountUID !== currentUid;
}

function connectedCondition(
  obs: SiteObserved,
  report: AgentLeaseReport,
  durationSeconds: number,
  now: number,
): ConditionInput {
  const ns = siteNamespace(obs.site.metadata.name ?? '');
  const lease = obs.lease?.['spec'] as LeaseSpec | undefined;
  const uid = obs.serviceAccount?.metadata.uid;
  if (obs.lease && isRevoked(report, uid)) {
    return {
      type: COND.AgentConnected,
      status: 'False',
      reason: REASON.CredentialsRevoked,
      message: `The agent last renewed as ServiceAccount UID ${report.serviceAccountUID ?? ''}, which was revoked (the current account is ${uid ?? 'being re-created'}): the API server refuses its tokens. It keeps spooling for its grace period; bootstrap it again with a token of the new account (docs/remote-sites.md).`,
    };
  }
  if (!obs.lease) {
    return {
      type: COND.AgentConnected,
      status: 'Unknown',
      reason: REASON.NoLease,
      message: `No heartbeat Lease ${ns}/${AGENT_NAME} yet: the controller is creating it.`,
    };
  }
  const seen = obs.heartbeat;
  if (!seen || lease?.renewTime === undefined) {
    return {
      type: COND.AgentConnected,
      status: 'Unknown',
      reason: REASON.NeverConnected,
      message: `The agent has never renewed Lease ${ns}/${AGENT_NAME}: bootstrap it (docs/remote-sites.md).`,
    };
  }
  // Times are stated, never "n s ago": a message that ticks would be a status write on every pass.
  return now < seen.seenAt + durationSeconds * 1000
    ? {
        type: COND.AgentConnected,
        status: 'True',
        reason: REASON.LeaseCurrent,
        message: `The agent ${lease.holderIdentity ?? ''} renews its Lease (duration ${durationSeconds} s).`,
      }
    : {
        type: COND.AgentConnected,
        status: 'Unknown',
        reason: REASON.LeaseExpired,
        message: `No renewal for more than ${durationSeconds} s: the hub last saw one at ${conditionTime(seen.seenAt)}. The agent or its link to the hub is down; it keeps collecting into its spool.`,
      };
}

function spoolCondition(report: AgentLeaseReport, connected: ConditionInput): ConditionInput {
  if (connected.status !== 'True') {
    return {
      type: COND.SpoolHealthy,
      status: 'Unknown',
      reason: REASON.AgentNotConnected,
      message: 'The spool is not known while the agent is not connected.',
    };
  }
  const { spoolBytes, spoolLimitBytes } = report;
  if (spoolBytes === undefined || spoolLimitBytes === undefined || spoolLimitBytes <= 0) {
    return {
      type: COND.SpoolHealthy,
      status: 'Unknown',
      reason: REASON.NoSpoolReport,
      message: 'The agent does not report its spool size and bound.',
    };
  }
  const pct = Math.round(SPOOL_FILLING_RATIO * 100);
  return spoolBytes >= SPOOL_FILLING_RATIO * spoolLimitBytes
    ? {
        type: COND.SpoolHealthy,
        status: 'False',
        reason: REASON.SpoolFilling,
        message: `The spool holds ${pct} % or more of its bound of ${spoolLimitBytes} bytes: hub Kafka takes the site's readings more slowly than they come, or not at all.`,
      }
    : {
        type: COND.SpoolHealthy,
        status: 'True',
        reason: REASON.SpoolWithinBound,
        message: `The spool holds less than ${pct} % of its bound of ${spoolLimitBytes} bytes.`,
      };
}

/**
 * Per source, the newest of the watermark shown and the one the Lease
 * reports (acknowledged by Kafka stays acknowledged: a restarted agent that
 * does not know its watermark yet must not send a waiting DailyJoin back),
 * for the sources that still exist.
 */
function mergeWatermarks(
  prev: readonly SourceMark[] | undefined,
  reported: Readonly<Record<string, number>> | undefined,
  sources: SiteSources | undefined,
): SourceMark[] {
  const marks = new Map<string, SourceMark>();
  const put = (kind: string, name: string, ms: number) => {
    if ((kind !== 'PowerSource' && kind !== 'WeatherSource') || name === '' || Number.isNaN(ms)) return;
    const key = `${kind}/${name}`;
    const old = marks.get(key);
    if (old && Date.parse(old.forwardedWatermark) >= ms) return;
    marks.set(key, { kind, name, forwardedWatermark: conditionTime(ms) });
  };
  for (const m of prev ?? []) put(m.kind, m.name, Date.parse(m.forwardedWatermark));
  for (const [key, ms] of Object.entries(reported ?? {})) {
    const slash = key.indexOf('/');
    if (slash > 0) put(key.slice(0, slash), key.slice(slash + 1), ms);
  }
  const exists = (m: SourceMark): boolean => {
    if (!sources) return true;
    const list = m.kind === 'PowerSource' ? sources.power : sources.weather;
    return list.some((s) => s.metadata.name === m.name);
  };
  return [...marks.values()]
    .filter(exists)
    .sort((a, b) => (a.kind === b.kind ? (a.name < b.name ? -1 : 1) : a.kind < b.kind ? -1 : 1))
    .slice(0, 256);
}

function agentStatus(obs: SiteObserved, report: AgentLeaseReport): AgentStatus | undefined {
  if (!obs.lease) return undefined;
  const lease = obs.lease['spec'] as LeaseSpec | undefined;
  const fields: Record<string, unknown> = {
    lastHeartbeatTime: obs.heartbeat ? conditionTime(obs.heartbeat.seenAt) : undefined,
    holderIdentity: lease?.holderIdentity || undefined,
    version: report.version,
    leaseTransitions: lease?.leaseTransitions,
    spoolRecords: report.spoolRecords,
    spoolBytes: report.spoolBytes,
    spoolOldestTime: report.spoolOldest === undefined ? undefined : conditionTime(report.spoolOldest),
    tokenExpiryTime: report.tokenExpiry === undefined ? undefined : conditionTime(report.tokenExpiry),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as AgentStatus;
}

/**
 * The write rule: a renewal that changes only what moves with every renewal
 * (the heartbeat time, the spool counts) is not written until the heartbeat
 * shown is a minute old; anything else (a condition, the agent's version or
 * holder, a watermark that moved) is written at once and brings those values
 * up to date with it. So a healthy site costs one status write a minute.
 */
function withWriteRule(
  fresh: Record<string, unknown>,
  prev: SiteStatus | undefined,
  heartbeat: HeartbeatSeen | undefined,
): Record<string, unknown> {
  const freshAgent = fresh['agent'] as AgentStatus | undefined;
  if (!prev || !freshAgent) return fresh;
  const held: Record<string, unknown> = { ...freshAgent };
  for (const k of TICKING) {
    const old = prev.agent?.[k];
    if (old === undefined) delete held[k];
    else held[k] = old;
  }
  const candidate = { ...fresh, agent: held };
  const shown = prev.agent?.lastHeartbeatTime ? Date.parse(prev.agent.lastHeartbeatTime) : NaN;
  const due =
    heartbeat !== undefined && (Number.isNaN(shown) || heartbeat.seenAt - shown >= HEARTBEAT_WRITE_INTERVAL_MS);
  return !due && deepEqual(candidate, prev) ? candidate : fresh;
}

export function planSite(
  obs: SiteObserved,
  now: number,
): { actions: readonly Action[]; status: Record<string, unknown>; requeueAfterMs: number | null } {
  const { site } = obs;
  const spec = site['spec'] as RemoteSiteSpec;
  const prev = site['status'] as SiteStatus | undefined;
  const generation = site.metadata.generation ?? 0;
  const ns = siteNamespace(site.metadata.name ?? '');
  const want = renderSiteChildren(site, sourceSecretNames(obs.sources));
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
  actions.push(...leaseActions(want.lease, obs.lease));
  const registered = actions.length === 0 && obs.serviceAccount !== undefined;
  const report = obs.lease ? decodeAgentLease(obs.lease.metadata.annotations) : {};
  const connected = connectedCondition(obs, report, spec.leaseDurationSeconds, now);
  const reg: ConditionInput = registered
    ? {
        type: COND.Registered,
        status: 'True',
        reason: REASON.ChildrenCreated,
        message: `Namespace ${ns}, ServiceAccount, Role, RoleBinding and Lease ${AGENT_NAME} exist.`,
      }
    : {
        type: COND.Registered,
        status: 'False',
        reason: REASON.ChildrenCreating,
        message: `Creating namespace ${ns} and the agent's ServiceAccount, Role, RoleBinding and Lease.`,
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
  const agent = agentStatus(obs, report);
  const sources = mergeWatermarks(prev?.sources, report.forwardedWatermarks, obs.sources);
  const fresh: Record<string, unknown> = {
    observedGeneration: generation,
    conditions: conditionsFor(
      prev?.conditions,
      generation,
      [ready, reg, connected, spoolCondition(report, connected)],
      now,
    ),
    namespace: ns,
    ...(obs.serviceAccount?.metadata.uid ? { serviceAccountUID: obs.serviceAccount.metadata.uid } : {}),
    ...(agent ? { agent } : {}),
    ...(sources.length > 0 ? { sources } : {}),
  };
  const expiresAt =
    connected.status === 'True' && obs.heartbeat ? obs.heartbeat.seenAt + spec.leaseDurationSeconds * 1000 : null;
  return {
    actions,
    status: withWriteRule(fresh, prev, obs.heartbeat),
    requeueAfterMs: expiresAt !== null && now < expiresAt ? Math.max(1000, expiresAt - now + 500) : null,
  };
}
