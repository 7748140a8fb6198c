import type { LakeSinkProgress } from '../api/lake-sink.js';

/** The block a sink writes into its LakeSink's `status.progress`, without `reporter` and `updatedAt`. */
export type SinkProgressBlock = Omit<LakeSinkProgress, 'reporter' | 'updatedAt'>;

interface TopicTotals {
  files: number;
  records: number;
  bytes: number;
  lag: number;
  lastFlushMs: number | null;
}

/**
 * What a running sink tells people through its LakeSink (pure; the sink feeds
 * it, the progress reporter reads it): totals since start, lag, when each
 * topic last landed a file, and the store error of an outage under way
 * (cleared when the store is back, so the Sinking condition follows it).
 */
export class SinkProgress {
  readonly #topics = new Map<string, TopicTotals>();
  #lastError: { class: string; message: string; atMs: number } | null = null;

  #topic(topic: string): TopicTotals {
    let t = this.#topics.get(topic);
    if (!t) this.#topics.set(topic, (t = { files: 0, records: 0, bytes: 0, lag: 0, lastFlushMs: null }));
    return t;
  }

  /** Files of one flush are in the lake and their offsets committed. */
  flushed(topic: string, files: readonly { readonly records: number; readonly bytes: number }[], atMs: number): void {
    const t = this.#topic(topic);
    for (const f of files) {
      t.files++;
      t.records += f.records;
      t.bytes += f.bytes;
    }
    t.lastFlushMs = atMs;
  }

  /** End offset minus the first offset not yet in the lake, summed over the topic's partitions. */
  lag(topic: string, records: number): void {
    this.#topic(topic).lag = records;
  }

  storeFailed(err: unknown, atMs: number): void {
    const e = err instanceof Error ? err : new Error(String(err));
    this.#lastError = {
      class: (e.name || 'Error').slice(0, 64),
      message: `lake store failing, consumption paused: ${e.message}`.slice(0, 1024),
      atMs,
    };
  }

  storeRecovered(): void {
    this.#lastError = null;
  }

  /** null until there is something to say (no topic seen yet). */
  snapshot(): SinkProgressBlock | null {
    if (this.#topics.size === 0 && this.#lastError === null) return null;
    const topics = [...this.#topics.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    let files = 0;
    let records = 0;
    let bytes = 0;
    let lag = 0;
    let last: number | null = null;
    for (const [, t] of topics) {
      files += t.files;
      records += t.records;
      bytes += t.bytes;
      lag += t.lag;
      if (t.lastFlushMs !== null && (last === null || t.lastFlushMs > last)) last = t.lastFlushMs;
    }
    return {
      ...(last !== null ? { lastFlushTime: iso(last) } : {}),
      filesTotal: files,
      recordsTotal: records,
      bytesTotal: bytes,
      lagRecords: lag,
      topics: topics.slice(0, 32).map(([topic, t]) => ({
        topic,
        lagRecords: t.lag,
        ...(t.lastFlushMs !== null ? { lastFlushTime: iso(t.lastFlushMs) } : {}),
      })),
      ...(this.#lastError
        ? {
            lastError: {
              class: this.#lastError.class,
              message: this.#lastError.message,
              time: iso(this.#lastError.atMs),
            },
          }
        : {}),
    };
  }
}

/** Seconds precision: the block changes (and is written) at most once a second per field. */
function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
