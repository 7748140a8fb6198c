import type { Registry } from 'prom-client';
import { metricMakers } from '../../observe/metric-kit.js';
import type { Outcome } from './outcome.js';

/** Collector metrics (docs/metrics.md, Collectors). */
export type SourceMetrics = Readonly<ReturnType<typeof createSourceMetrics>>;

/** Source kinds as metric labels. */
export type SourceKind = 'power' | 'weather';

/**
 * Registers (or reuses, when another part of the process already did) the
 * collector metrics on a registry.
 */
export function createSourceMetrics(registry: Registry) {
  const { counter, gauge, histogram } = metricMakers(registry);
  return {
    polls: counter('gridlake_source_polls_total', 'API calls by outcome', ['kind', 'source', 'outcome']),
    requestDuration: histogram(
      'gridlake_source_request_duration_seconds',
      'API request duration',
      ['kind', 'source'],
      [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    ),
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

/**
 * Starts every outcome series (and both dead-letter stages) at 0, so rates work
 * from the first scrape and `increase()` sees the first dead letter.
 */
export function initPollSeries(
  metrics: SourceMetrics,
  kind: SourceKind,
  source: string,
  outcomes: readonly Outcome[],
): void {
  for (const outcome of outcomes) metrics.polls.inc({ kind, source, outcome }, 0);
  metrics.records.inc({ kind, source }, 0);
  for (const stage of ['parse', 'validate']) metrics.deadLetters.inc({ stage, source }, 0);
}
