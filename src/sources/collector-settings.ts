import type { PowerSourceSpec } from '../api/power-source.js';
import type { WeatherSourceSpec } from '../api/weather-source.js';
import type { Operation } from './common/budget.js';
import type { ServiceKey } from './common/service-key.js';
import type { LocationSpec } from './kma/kma-grid.js';
import type { SourceConfig } from './source-tasks.js';

/*
 * One collector as plain data: what `gridlake collect` takes as flags, what the
 * controller renders into a collector Deployment from a PowerSource or
 * WeatherSource spec, and what the remote-site agent reads from the same spec.
 * Every runner goes spec → settings → SourceConfig through these functions,
 * so a hub collector pod and an agent run a source identically.
 */

interface CommonSettings {
  /** `namespace/name` of the resource */
  readonly source: string;
  /** API base URL */
  readonly endpoint: string;
  readonly topic?: string | undefined;
  readonly deadLetterTopic?: string | undefined;
  /** per-request timeout */
  readonly timeoutMs: number;
}

export interface PowerCollectorSettings extends CommonSettings {
  readonly kind: 'power';
  readonly api: 'gateway' | 'legacy';
  /** the poll interval the resource declares; absent: the planner picks it from the budget */
  readonly pollIntervalMinutes?: number | undefined;
  /** calls per KST day on the latest (or legacy) operation */
  readonly budgetKpxLatest?: number | undefined;
  /** calls per KST day on the history operation */
  readonly budgetKpxHistory?: number | undefined;
}

export interface WeatherCollectorSettings extends CommonSettings {
  readonly kind: 'weather';
  readonly locations: readonly LocationSpec[];
  /** calls per KST day on the nowcast */
  readonly budgetKma?: number | undefined;
}

export type CollectorSettings = PowerCollectorSettings | WeatherCollectorSettings;

export type SourceResourceKind = 'PowerSource' | 'WeatherSource';

/** A source resource as the runners see it. */
export interface SourceResource {
  readonly namespace: string;
  readonly name: string;
  readonly spec: PowerSourceSpec | WeatherSourceSpec;
}

/** The collector a PowerSource or WeatherSource (defaults filled in by the API server) declares. */
export function collectorSettingsOf(kind: SourceResourceKind, r: SourceResource): CollectorSettings {
  const common: CommonSettings = {
    source: `${r.namespace}/${r.name}`,
    endpoint: r.spec.endpoint.baseUrl,
    topic: r.spec.topic,
    deadLetterTopic: r.spec.deadLetterTopic,
    timeoutMs: r.spec.requestTimeoutSeconds * 1000,
  };
  if (kind === 'PowerSource') {
    const p = r.spec as PowerSourceSpec;
    return {
      kind: 'power',
      ...common,
      api: p.endpoint.api,
      pollIntervalMinutes: p.pollIntervalSeconds / 60,
      budgetKpxLatest: p.dailyCallBudget,
    };
  }
  const w = r.spec as WeatherSourceSpec;
  return {
    kind: 'weather',
    ...common,
    locations: w.locations.map((l): LocationSpec =>
      l.nx !== undefined && l.ny !== undefined
        ? { name: l.name, nx: l.nx, ny: l.ny }
        : { name: l.name, lat: l.lat ?? 0, lon: l.lon ?? 0 },
    ),
    budgetKma: w.dailyCallBudget,
  };
}

/** The daily call limits of the collector's budget (the rest keep their defaults). */
export function collectorLimits(s: CollectorSettings): Partial<Record<Operation, number>> {
  if (s.kind === 'weather') return s.budgetKma === undefined ? {} : { 'kma.ncst': s.budgetKma };
  return {
    // One flag for both: a source polls either the gateway's latest operation or the legacy host.
    ...(s.budgetKpxLatest === undefined ? {} : { 'kpx.latest': s.budgetKpxLatest, 'kpx.legacy': s.budgetKpxLatest }),
    ...(s.budgetKpxHistory === undefined ? {} : { 'kpx.history': s.budgetKpxHistory }),
  };
}

/** What the collectors run for `s`, with the service key read from the source's Secret. */
export function sourceConfigOf(s: CollectorSettings, key: ServiceKey): SourceConfig {
  const common = {
    source: s.source,
    endpoint: s.endpoint,
    key,
    ...(s.topic ? { topic: s.topic } : {}),
    ...(s.deadLetterTopic ? { deadLetterTopic: s.deadLetterTopic } : {}),
  };
  return s.kind === 'power'
    ? {
        kind: 'power',
        api: s.api,
        pollIntervalMs: s.pollIntervalMinutes ? s.pollIntervalMinutes * 60_000 : null,
        ...common,
      }
    : { kind: 'weather', locations: s.locations, ...common };
}
