import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Outcome } from './outcome.js';

/** Collector metrics (docs/metrics.md, Collectors). */
export interface SourceMetrics {
  readonly polls: Counter<'kind' | 'source' | 'outcome'>;
  readonly requestDuration: Histogram<'kind' | 'source'>;
  readonly records: Counter<'kind' | 'source'>;
  readonly latestObservation: Gauge<'kind' | 'source' | 'location'>;
  readonly quotaUsed: Gauge<'kind' | 'source'>;
  readonly deadLetters: Counter<'stage' | 'source'>;
  readonly powerDemand: Gauge<'source'>;
  readonly powerCapacity: Gauge<'source'>;
  readonly powerSupplyReserve: Gauge<'source'>;
  readonly powerOperatingReserve: Gauge<'source'>;
  readonly temperature: Gauge<'location'>;
  readonly humidity: Gauge<'location'>;
  readonly rain: Gauge<'location'>;
  readonly windSpeed: Gauge<'location'>;
}

/** Source kinds as metric labels. */
export type SourceKind = 'power' | 'weather';

/**
 * Registers (or reuses, when another part of the process already did) the
 * collector metrics on a registry.
 */
export function createSourceMetrics(registry: Registry): SourceMetrics {
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> =>
    (registry.getSingleMetric(name) as Counter<L> | undefined) ??
    new Counter({ name, help, labelNames, registers: [registry] });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> =>
    (registry.getSingleMetric(name) as Gauge<L> | undefined) ??
    new Gauge({ name, help, labelNames, registers: [registry] });
  return {
    polls: counter('gridlake_source_polls_total', 'API calls by outcome', ['kind', 'source', 'outcome']),
    requestDuration:
      (registry.getSingleMetric('gridlake_source_request_duration_seconds') as
        Histogram<'kind' | 'source'> | undefined) ??
      new Histogram({
        name: 'gridlake_source_request_duration_seconds',
        help: 'API request duration',
        labelNames: ['kind', 'source'],
        buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [registry],
      }),
    records: counter('gridlake_source_records_total', 'readings produced after dedupe', ['kind', 'source']),
    latestObservation: gauge(
      'gridlake_source_latest_observation_timestamp_seconds',
      'newest base time seen (freshness = time() - this)',
      ['kind', 'source', 'location'],
    ),
    quotaUsed: gauge('gridlake_source_quota_used_ratio', 'calls today / daily budget (KST day)', ['kind', 'source']),
    deadLetters: counter('gridlake_deadletter_records_total', 'records sent to the dead letter', ['stage', 'source']),
    powerDemand: gauge('gridlake_power_demand_megawatts', 'latest current demand', ['source']),
    powerCapacity: gauge('gridlake_power_supply_capacity_megawatts', 'latest supply capability', ['source']),
    powerSupplyReserve: gauge('gridlake_power_supply_reserve_percent', 'latest supply reserve rate', ['source']),
    powerOperatingReserve: gauge('gridlake_power_operating_reserve_percent', 'latest operating reserve rate', [
      'source',
    ]),
    temperature: gauge('gridlake_weather_temperature_celsius', 'latest temperature (T1H)', ['location']),
    humidity: gauge('gridlake_weather_humidity_percent', 'latest humidity (REH)', ['location']),
    // Base units (metres), as promtool requires, though KMA reports millimetres.
    rain: gauge('gridlake_weather_rain_1h_meters', 'latest 1-hour precipitation (RN1), in metres', ['location']),
    windSpeed: gauge('gridlake_weather_wind_speed_meters_per_second', 'latest wind speed (WSD)', ['location']),
  };
}

/** Starts every outcome series at 0 so rates work from the first scrape. */
export function initPollSeries(
  metrics: SourceMetrics,
  kind: SourceKind,
  source: string,
  outcomes: readonly Outcome[],
): void {
  for (const outcome of outcomes) metrics.polls.inc({ kind, source, outcome }, 0);
  metrics.records.inc({ kind, source }, 0);
}
