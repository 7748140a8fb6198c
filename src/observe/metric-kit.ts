import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Makers of the metrics of one registry. A metric the registry already holds
 * under a name is handed out again instead of a second one (which prom-client
 * refuses), so the parts of one process (the embedded pipeline runs
 * collectors, sinks and joins together) can each ask for theirs.
 */
export interface MetricMakers {
  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L>;
  /** `collect` runs at scrape time, for a gauge that is computed rather than set. */
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[], collect?: () => void): Gauge<L>;
  histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: readonly number[],
  ): Histogram<L>;
}

/** The metric makers of `registry`. */
export function metricMakers(registry: Registry): MetricMakers {
  const registers = [registry];
  const existing = <M>(name: string): M | undefined => registry.getSingleMetric(name) as M | undefined;
  return {
    counter: <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      existing<Counter<L>>(name) ?? new Counter({ name, help, labelNames, registers }),
    gauge: <L extends string>(name: string, help: string, labelNames: readonly L[], collect?: () => void) =>
      existing<Gauge<L>>(name) ??
      new Gauge({ name, help, labelNames, registers, ...(collect === undefined ? {} : { collect }) }),
    histogram: <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: readonly number[]) =>
      existing<Histogram<L>>(name) ?? new Histogram({ name, help, labelNames, buckets: [...buckets], registers }),
  };
}
