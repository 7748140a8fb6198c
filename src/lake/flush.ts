import type { ColumnBatch } from './column-batch.js';
import { kstDay, rawFileKey } from './layout.js';
import type { ObjectStore } from './object-store.js';
import { encodeBatch } from './parquet-codec.js';
import type { PartitionBuffer } from './partition-buffer.js';
import { writeRecord, type WriteRecord } from './sink-state.js';

export interface FlushResult {
  readonly first: number;
  readonly last: number;
  readonly stateKey: string;
  readonly files: readonly { readonly key: string; readonly records: number; readonly bytes: number }[];
}

const DAY_MS = 86_400_000;

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
 * Writes one flush: first the write record (create-only), then each day's file
 * (create-only; one already there from an interrupted earlier attempt has the
 * same rows, because the cut is the same). The caller commits afterwards.
 */
export async function flushPartition(
  store: ObjectStore,
  p: PartitionBuffer,
  options: { rowGroupSize?: number | undefined } = {},
): Promise<FlushResult> {
  const plan = planFlush(p);
  const stateKey = await writeRecord(store, plan);
  // From here the cut is recorded: a retry after a failure must use exactly this range.
  p.redoLast = plan.last;
  const written: { key: string; records: number; bytes: number }[] = [];
  const days = sortedDays(p);
  for (let i = 0; i < days.length; i++) {
    const [, batch] = days[i]!;
    const file = plan.files[i]!;
    const body = encodeBatch(batch, options.rowGroupSize === undefined ? {} : { rowGroupSize: options.rowGroupSize });
    await store.putIfAbsent(file.key, body);
    written.push({ key: file.key, records: batch.length, bytes: body.length });
  }
  return { first: plan.first, last: plan.last, stateKey, files: written };
}
