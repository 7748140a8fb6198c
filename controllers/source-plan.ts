import type { PowerSourceSpec, PowerSourceStatus } from '../src/api/power-source.js';
import { SITE_NAMESPACE_PREFIX } from '../src/api/remote-site.js';
import type { WeatherSourceSpec } from '../src/api/weather-source.js';
import { checkWeatherSourceSemantics } from '../src/api/weather-source-semantics.js';
import { planWeather } from '../src/sources/kma/weather-planner.js';
import { planPower } from '../src/sources/kpx/power-planner.js';
import { DEFAULT_DAILY_LIMITS } from '../src/sources/common/budget.js';
import { CONNECT_TIMEOUT } from '../src/sources/common/collector-core.js';
import { collectorSettingsOf } from '../src/sources/collector-settings.js';
import { formatLocationArg } from '../src/sources/location-arg.js';
import type { Condition, ConditionInput } from '../src/k8s/conditions.js';
import { findCondition } from '../src/k8s/conditions.js';
import type { KubeObject } from '../src/k8s/object-cache.js';
import type { Action } from './apply.js';
import { POWER_SOURCES, WEATHER_SOURCES } from './resources.js';
import { agentSilence } from './site-heartbeats.js';
import { COND, REASON, conditionsFor, invalidSpecCondition } from './conditions.js';
import { planHubWorker, progressCondition, secretCondition, secretState } from './workload-plan.js';
import type { WorkerProgress, WorkerSpec, WorkloadObserved, WorkloadOptions } from './workload-plan.js';

/**
 * Pure planning of a PowerSource or WeatherSource: in a hub namespace a
 * collector (ConfigMap + Deployment running `gridlake collect`), in a site
 * namespace nothing on the hub (the site's agent runs it). Conditions:
 * Ready, Collecting (from the collector's status.progress), SecretMissing,
 * InvalidSpec, BudgetExceeded (the declared polling cannot fit the daily call
 * budget; computed from the spec with the collector's own planners).
 */

export type SourceKind = 'PowerSource' | 'WeatherSource';
type SourceSpec = PowerSourceSpec | WeatherSourceSpec;

/** What the reconciler observed for one source. */
export interface SourceObserved extends WorkloadObserved {
  readonly source: KubeObject;
  readonly secret: KubeObject | undefined;
  /** the RemoteSite owning the namespace (site namespaces only) */
  readonly site: KubeObject | undefined;
  /** hub time the site's agent was last seen renewing its Lease (site namespaces only) */
  readonly agentHeartbeatAt?: number | undefined;
}

export interface SourcePlan {
  readonly actions: readonly Action[];
  readonly status: Record<string, unknown>;
  /** when time alone changes the status (progress goes stale), or null */
  readonly requeueAfterMs: number | null;
}

/** The site that runs sources of `namespace`, or null for a hub namespace. */
export function siteOfNamespace(namespace: string): string | null {
  return namespace.startsWith(SITE_NAMESPACE_PREFIX) ? namespace.slice(SITE_NAMESPACE_PREFIX.length) : null;
}

/** `gridlake collect` arguments and the rendered config of a source. */
export function collectorWorker(kind: SourceKind, source: KubeObject): WorkerSpec {
  const ns = source.metadata.namespace ?? '';
  const name = source.metadata.name ?? '';
  const spec = source['spec'] as SourceSpec;
  // The same settings the remote-site agent runs a site's source with (src/sources/collector-settings.ts).
  const s = collectorSettingsOf(kind, { namespace: ns, name, spec });
  const common = [
    '--source',
    s.source,
    '--endpoint',
    s.endpoint,
    '--topic',
    spec.topic,
    '--deadletter-topic',
    spec.deadLetterTopic,
    '--timeout-ms',
    String(s.timeoutMs),
    '--service-key-env',
    'GRIDLAKE_SERVICE_KEY',
  ];
  const args =
    s.kind === 'power'
      ? [
          'collect',
          '--kind',
          'power',
          ...common,
          '--api',
          s.api,
          ...(s.pollIntervalMinutes === undefined ? [] : ['--poll-interval', String(s.pollIntervalMinutes)]),
          ...(s.budgetKpxLatest === undefined ? [] : ['--budget-kpx-latest', String(s.budgetKpxLatest)]),
        ]
      : [
          'collect',
          '--kind',
          'weather',
          ...common,
          ...s.locations.flatMap((l) => ['--location', formatLocationArg(l)]),
          ...(s.budgetKma === undefined ? [] : ['--budget-kma', String(s.budgetKma)]),
        ];
  return {
    component: 'collector',
    args,
    env: [{ name: 'GRIDLAKE_SERVICE_KEY', valueFrom: { secretKeyRef: { ...spec.serviceKeySecretRef } } }],
    config: { apiVersion: source.apiVersion, kind, metadata: { namespace: ns, name }, spec },
    suspend: spec.suspend,
    // Collecting comes from the collector's own status.progress.
    reportsStatusOf: kind === 'PowerSource' ? POWER_SOURCES : WEATHER_SOURCES,
  };
}

/**
 * BudgetExceeded from the spec alone, with the planners the collector runs
 * (src/sources): the same numbers the collector will act on, shown before a
 * single call is made. The collector gets `--budget-kpx-latest` from the spec;
 * its history operation keeps the development quota.
 */
export function budgetCondition(kind: SourceKind, spec: SourceSpec): ConditionInput {
  const over =
    kind === 'PowerSource'
      ? planPower({
          api: (spec as PowerSourceSpec).endpoint.api,
          latestBudget: spec.dailyCallBudget,
          historyBudget: DEFAULT_DAILY_LIMITS['kpx.history'],
          requestedIntervalMs: spec.pollIntervalSeconds * 1000,
        }).condition
      : planWeather((spec as WeatherSourceSpec).locations.length, spec.dailyCallBudget).condition;
  return over
    ? { type: COND.BudgetExceeded, status: 'True', reason: over.reason, message: over.message }
    : {
        type: COND.BudgetExceeded,
        status: 'False',
        reason: REASON.WithinBudget,
        message: `The declared polling fits ${spec.dailyCallBudget} calls per KST day.`,
      };
}

/** Plans one source: children (hub only) and the full status to write. */
export function planSource(kind: SourceKind, obs: SourceObserved, opts: WorkloadOptions, now: number): SourcePlan {
  const { source } = obs;
  const spec = source['spec'] as SourceSpec;
  const prev = source['status'] as (PowerSourceStatus & { progress?: WorkerProgress }) | undefined;
  const generation = source.metadata.generation ?? 0;
  const site = siteOfNamespace(source.metadata.namespace ?? '');
  const invalid = specProblems(kind, spec);
  const staleAfterMs = 3 * spec.pollIntervalSeconds * 1000 + 60_000;
  let collecting = networkBlocked(
    progressCondition(COND.Collecting, prev?.progress, staleAfterMs, now, spec.suspend),
    prev?.progress,
    spec.endpoint.baseUrl,
    site,
  );
  const invalidCond = invalidSpecCondition(invalid);
  let actions: Action[] = [];
  const inputs: ConditionInput[] = [];
  if (site !== null) {
    // The agent reads the Secret in its own cluster: the hub does not check it.
    const agent = obs.site ? findCondition(agentConditions(obs.site), COND.AgentConnected) : undefined;
    const ready: ConditionInput = !obs.site
      ? {
          type: COND.Ready,
          status: 'False',
          reason: REASON.SiteNotRegistered,
          message: `No RemoteSite ${site} exists; nothing runs this source.`,
        }
      : agent?.status === 'True'
        ? {
            type: COND.Ready,
            status: 'True',
            reason: REASON.RunByAgent,
            message: `The agent of site ${site} runs this source.`,
          }
        : {
            type: COND.Ready,
            status: 'False',
            reason: REASON.AgentNotConnected,
            message: `The agent of site ${site} runs this source; it is not connected.`,
          };
    const silence = agentSilence(obs.site, obs.agentHeartbeatAt, now);
    collecting = silence.disconnected
      ? { condition: silence.disconnected, changesAt: null }
      : { ...collecting, changesAt: earliest(collecting.changesAt, silence.changesAt) };
    inputs.push(ready, collecting.condition, invalidCond, budgetCondition(kind, spec));
  } else {
    const ref = spec.serviceKeySecretRef;
    const secret = secretState(obs.secret, ref.key);
    const secretCond = secretCondition(secret, ref);
    const hub = planHubWorker(source, collectorWorker(kind, source), opts, obs, {
      invalid,
      secretMissing: secret === 'found' ? null : secretCond,
    });
    actions = hub.actions;
    inputs.push(hub.ready, collecting.condition, secretCond, invalidCond, budgetCondition(kind, spec));
  }
  const status: Record<string, unknown> = {
    observedGeneration: generation,
    conditions: conditionsFor(prev?.conditions, generation, inputs, now),
    site: site ?? 'hub',
    ...(prev?.progress ? { progress: prev.progress } : {}),
  };
  return {
    actions,
    status,
    requeueAfterMs: collecting.changesAt === null ? null : Math.max(1000, collecting.changesAt - now),
  };
}

/**
 * Collecting=False NetworkBlocked when the collector's last error is a TCP
 * connection nobody answered (ConnectTimeout): the service drops this network,
 * as KPX drops cloud address ranges. In a hub namespace the way out is a site.
 */
function networkBlocked(
  collecting: { condition: ConditionInput; changesAt: number | null },
  progress: WorkerProgress | undefined,
  baseUrl: string,
  site: string | null,
): { condition: ConditionInput; changesAt: number | null } {
  const error = progress?.lastError;
  if (collecting.condition.reason !== REASON.WorkerReportsError || error?.class !== CONNECT_TIMEOUT) return collecting;
  const host = hostOf(baseUrl);
  const message =
    site === null
      ? `${host} did not answer connections from the hub's network (${error.message}). Services like KPX drop connections from cloud address ranges: create a RemoteSite and place this source in its namespace (${SITE_NAMESPACE_PREFIX}<site>) so the site's agent collects it from a network the service accepts.`
      : `${host} did not answer connections from the network of site ${site} (${error.message}): check that the service accepts connections from that site's address.`;
  return { ...collecting, condition: { ...collecting.condition, reason: REASON.NetworkBlocked, message } };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

const earliest = (a: number | null, b: number | null): number | null =>
  a === null ? b : b === null ? a : Math.min(a, b);

function agentConditions(site: KubeObject): Condition[] | undefined {
  return (site['status'] as { conditions?: Condition[] } | undefined)?.conditions;
}

/** Checks the API server cannot express; the CRD refuses everything else. */
function specProblems(kind: SourceKind, spec: SourceSpec): string | null {
  if (kind === 'WeatherSource') {
    const w = spec as WeatherSourceSpec;
    if (w.locations.length === 0) return 'spec.locations is empty.';
    const offGrid = checkWeatherSourceSemantics(w);
    if (offGrid.length > 0) return offGrid.map((p) => `${p.path}: ${p.message}.`).join(' ');
  }
  return null;
}
