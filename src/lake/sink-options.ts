import type { SinkProgress } from './sink-progress.js';
import type { Registry } from 'prom-client';
import { FLUSH_DEFAULTS } from '../api/defaults.js';
import type { Bus } from '../bus/bus.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../observe/log.js';
import type { SchemaKind } from './lake-schemas.js';
import type { ObjectStore } from './object-store.js';

/** A sink's cap on buffered value bytes over all partitions (not a resource field: a process limit). */
export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

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
  /** flush a partition at this many records (default: the LakeSink resource's, FLUSH_DEFAULTS) */
  readonly maxRecords?: number;
  /** flush a partition at this many value bytes (default: the LakeSink resource's) */
  readonly maxBytes?: number;
  /**
   * flush a partition this long after its oldest buffered record arrived (default: the LakeSink
   * resource's 15 min: a trickle topic with 3 partitions then makes ~288 files a day, docs/lake.md)
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
  /** where the sink counts its progress (default: its own); a sink restarted in one process keeps counting in one */
  readonly progress?: SinkProgress;
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
    maxRecords: o.maxRecords ?? FLUSH_DEFAULTS.maxRecords,
    maxBytes: o.maxBytes ?? FLUSH_DEFAULTS.maxBytes,
    maxAgeMs: o.maxAgeMs ?? FLUSH_DEFAULTS.maxAgeSeconds * 1000,
    maxBufferedBytes: o.maxBufferedBytes ?? MAX_BUFFERED_BYTES,
    tickMs: o.tickMs ?? 1000,
    retryInitialMs: o.retryInitialMs ?? 500,
    retryMaxMs: o.retryMaxMs ?? 15_000,
  };
}
