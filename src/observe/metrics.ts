import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per process. Node's default metrics are on, but prom-client
 * names a few gauges `*_total`, which promtool rejects as non-counters
 * (`promtool check metrics`): those are left out rather than shipped with warnings.
 */
export function createRegistry(options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    for (const name of GAUGES_NAMED_LIKE_COUNTERS) registry.removeSingleMetric(name);
  }
  return registry;
}

/** prom-client default metrics that are gauges despite the `_total` suffix. */
export const GAUGES_NAMED_LIKE_COUNTERS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;
