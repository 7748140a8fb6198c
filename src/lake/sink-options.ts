import type { Registry } from 'prom-client';
import type { Bus } from '../bus/bus.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../observe/log.js';
import type { SchemaKind } from './lake-schemas.js';
import type { ObjectStore } from './object-store.js';

/** The flush policy and limits of a LakeSink (the LakeSink resource's spec). */
export interface LakeSinkOptions {
  /** sink name, used in metrics and dead letters */
  readonly name: string;
  readonly bus: Bus;
  readonly store: ObjectStore;
  readonly topics: readonly string[];
  readonly groupId: string;
  /** schema per topic when the topic name does not tell (default: by name) */
  readonly topicKinds?: Readonly<Record<string, SchemaKind>>;
  /** flush a partition at this many records (default 25,000: measured faster and smaller than 100,000, bench/sink) */
  readonly maxRecords?: number;
  /** flush a partition at this many value bytes (default 32 MiB) */
  readonly maxBytes?: number;
  /**
   * flush a partition this long after its oldest buffered record arrived (default 15 min: a
   * trickle topic with 3 partitions then makes ~288 files a day, inside the ~300 of docs/lake.md)
   */
  readonly maxAgeMs?: number;
  /** global cap on buffered value bytes; the oldest partition is flushed first (default 16 MiB) */
  readonly maxBufferedBytes?: number;
  readonly rowGroupSize?: number;
  readonly deadLetterTopic?: string;
  /** how often age and outage retries are checked (default 1 s) */
  readonly tickMs?: number;
  /** backoff while the store is down (default 500 ms .. 15 s) */
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
  readonly maxBatchRecords?: number;
  readonly clock?: Clock;
  readonly log?: Logger;
  readonly registry?: Registry;
}

/** The limits with defaults applied. */
export interface SinkLimits {
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly maxAgeMs: number;
  readonly maxBufferedBytes: number;
  readonly tickMs: number;
  readonly retryInitialMs: number;
  readonly retryMaxMs: number;
}

/** Applies the defaults of the LakeSink resource. */
export function sinkLimits(o: LakeSinkOptions): SinkLimits {
  return {
    maxRecords: o.maxRecords ?? 25_000,
    maxBytes: o.maxBytes ?? 32 * 1024 * 1024,
    maxAgeMs: o.maxAgeMs ?? 900_000,
    maxBufferedBytes: o.maxBufferedBytes ?? 16 * 1024 * 1024,
    tickMs: o.tickMs ?? 1000,
    retryInitialMs: o.retryInitialMs ?? 500,
    retryMaxMs: o.retryMaxMs ?? 15_000,
  };
}
