import type { Registry } from 'prom-client';
import { metricMakers } from '../observe/metric-kit.js';

/** The sink's metrics (docs/metrics.md, "Bus and sink"). */
export type SinkMetrics = Readonly<ReturnType<typeof createSinkMetrics>>;

/** Registers the sink metrics on a registry (reusing them when already there). */
export function createSinkMetrics(registry: Registry) {
  const { counter, gauge, histogram } = metricMakers(registry);
  const byTopic = ['sink', 'topic'] as const;
  return {
    records: counter('gridlake_sink_records_total', 'Records written to the lake.', byTopic),
    files: counter('gridlake_sink_files_total', 'Parquet files written to the lake.', byTopic),
    bytes: counter('gridlake_sink_bytes_total', 'Parquet bytes written to the lake.', byTopic),
    flushDuration: histogram(
      'gridlake_sink_flush_duration_seconds',
      'Time to encode and upload one partition flush.',
      ['sink'],
      [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    ),
    lag: gauge(
      'gridlake_sink_lag_records',
      'End offset minus the first offset not yet in the lake, summed over partitions.',
      byTopic,
    ),
    deadLetters: counter('gridlake_deadletter_records_total', 'Records sent to the dead-letter topic or folder.', [
      'stage',
      'source',
    ]),
    /** not in the contract: bytes held in buffers, to watch the global cap */
    bufferedBytes: gauge('gridlake_sink_buffered_bytes', 'Bytes of records held in sink buffers.', ['sink']),
  };
}
