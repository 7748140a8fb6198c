import { DAY_MS, kstDay } from '../kst.js';
import type { ColumnBatch } from './column-batch.js';
import { rawFileKey, sinkStateKey } from './layout.js';
import type { ObjectStore } from './object-store.js';
import { encodeBatch } from './parquet-codec.js';
import type { PartitionBuffer } from './partition-buffer.js';
import { writeRecord, type WriteRecord } from './sink-state.js';

/** Thrown by a job abandoned on revoke; never leaves the sink. */
export class FlushAborted extends Error {
  constructor() {
    super('partition revoked; flush abandoned');
  }
}

/** A partition's day buffers, oldest KST day first. */
function sortedDays(p: PartitionBuffer): [number, ColumnBatch][] {
  return [...p.days.entries()].sort(([a], [b]) => a - b);
}

/** File names of a partition's buffered range: one file per KST day, named by its own first and last offsets. */
export function planFlush(p: PartitionBuffer): WriteRecord {
  const files = sortedDays(p).map(([day, batch]) => ({
    key: rawFileKey(p.tp.topic, p.tp.partition, batch.firstOffset, batch.lastOffset, kstDay(day * DAY_MS)),
    records: batch.length,
  }));
  return { v: 1, topic: p.tp.topic, partition: p.tp.partition, first: p.unitStart, last: p.lastConsumed!, files };
}

/**
 * One flush of one partition's range, already cut and encoded, so the buffer
 * can take the next range while this one uploads. `run` writes the write record
 * (create-only), then every day's file (create-only, in parallel); it can be
 * run again after a failure and redoes exactly the same cut with the same bytes.
 * The sink runs at most one job per partition at a time, so a partition's write
 * records are always complete up to the newest one but one (sink-state.ts).
 */
export class FlushJob {
  readonly plan: WriteRecord;
  readonly stateKey: string;
  /** encoded size of each file */
  readonly sizes: readonly number[];
  /** the write record this one supersedes, deleted once this job is done */
  previousKey: string | undefined;
  /** the latest attempt; settles once no store call of it is in flight */
  attempt: Promise<void> = Promise.resolve();
  done = false;
  failed = false;
  private aborted = false;
  private recorded = false;
  private readonly bodies: (Uint8Array | undefined)[];

  /** when the flush began (encoding included), for the flush-duration metric */
  readonly startedAt = performance.now();

  constructor(p: PartitionBuffer, options: { rowGroupSize?: number | undefined } = {}) {
    this.plan = planFlush(p);
    this.stateKey = sinkStateKey(this.plan.topic, this.plan.partition, this.plan.last);
    const encodeOptions = options.rowGroupSize === undefined ? {} : { rowGroupSize: options.rowGroupSize };
    this.bodies = sortedDays(p).map(([, batch]) => encodeBatch(batch, encodeOptions));
    this.sizes = this.bodies.map((b) => b!.length);
  }

  /** Encoded bytes still held (not yet uploaded): what the job costs in memory. */
  get bytes(): number {
    let n = 0;
    for (const b of this.bodies) n += b?.length ?? 0;
    return n;
  }

  get first(): number {
    return this.plan.first;
  }

  get last(): number {
    return this.plan.last;
  }

  /** Stops before the next store call (the partition went to another member). */
  abort(): void {
    this.aborted = true;
  }

  async run(store: ObjectStore): Promise<void> {
    this.check();
    if (!this.recorded) {
      await writeRecord(store, this.plan);
      this.recorded = true;
    }
    // From here the cut is recorded: every retry uploads exactly these files.
    // allSettled, not all: no put may still be in flight when the attempt settles.
    const results = await Promise.allSettled(
      this.plan.files.map(async (f, i) => {
        const body = this.bodies[i];
        if (body === undefined) return;
        this.check();
        await store.putIfAbsent(f.key, body);
        this.bodies[i] = undefined;
      }),
    );
    const failure = results.find((r) => r.status === 'rejected');
    if (failure) throw failure.reason;
    this.done = true;
  }

  private check(): void {
    if (this.aborted) throw new FlushAborted();
  }
}
