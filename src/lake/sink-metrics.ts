import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The sink's metrics (docs/metrics.md, "Sink"). */
export interface SinkMetrics {
  readonly records: Counter<'sink' | 'topic'>;
  readonly files: Counter<'sink' | 'topic'>;
  readonly bytes: Counter<'sink' | 'topic'>;
  readonly flushDuration: Histogram<'sink'>;
  readonly lag: Gauge<'sink' | 'topic'>;
  readonly deadLetters: Counter<'stage' | 'source'>;
  /** bytes held in buffers, to watch the global cap */
  readonly bufferedBytes: Gauge<'sink'>;
}

/** Registers the sink metrics on a registry (reusing them when already there). */
export function createSinkMetrics(registry: Registry): SinkMetrics {
  const get = <T>(name: string, make: () => T): T => (registry.getSingleMetric(name) as T | undefined) ?? make();
  return {
    records: get(
      'gridlake_sink_records_total',
      () =>
        new Counter({
          name: 'gridlake_sink_records_total',
          help: 'Records written to the lake.',
          labelNames: ['sink', 'topic'],
          registers: [registry],
        }),
    ),
    files: get(
      'gridlake_sink_files_total',
      () =>
        new Counter({
          name: 'gridlake_sink_files_total',
          help: 'Parquet files written to the lake.',
          labelNames: ['sink', 'topic'],
          registers: [registry],
        }),
    ),
    bytes: get(
      'gridlake_sink_bytes_total',
      () =>
        new Counter({
          name: 'gridlake_sink_bytes_total',
          help: 'Parquet bytes written to the lake.',
          labelNames: ['sink', 'topic'],
          registers: [registry],
        }),
    ),
    flushDuration: get(
      'gridlake_sink_flush_duration_seconds',
      () =>
        new Histogram({
          name: 'gridlake_sink_flush_duration_seconds',
          help: 'Time to encode and upload one partition flush.',
          labelNames: ['sink'],
          buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
          registers: [registry],
        }),
    ),
    lag: get(
      'gridlake_sink_lag_records',
      () =>
        new Gauge({
          name: 'gridlake_sink_lag_records',
          help: 'End offset minus the first offset not yet in the lake, summed over partitions.',
          labelNames: ['sink', 'topic'],
          registers: [registry],
        }),
    ),
    deadLetters: get(
      'gridlake_deadletter_records_total',
      () =>
        new Counter({
          name: 'gridlake_deadletter_records_total',
          help: 'Records sent to the dead-letter topic or folder.',
          labelNames: ['stage', 'source'],
          registers: [registry],
        }),
    ),
    bufferedBytes: get(
      'gridlake_sink_buffered_bytes',
      () =>
        new Gauge({
          name: 'gridlake_sink_buffered_bytes',
          help: 'Bytes of records held in sink buffers.',
          labelNames: ['sink'],
          registers: [registry],
        }),
    ),
  };
}
