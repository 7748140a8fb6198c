import { rawFileKey, parseDayKey } from './layout.js';
import type { ObjectStore } from './object-store.js';
import { encodeParquet } from './parquet-codec.js';
import type { PartitionBuffer } from './partition-buffer.js';
import { writeRecord, type WriteRecord } from './sink-state.js';

export interface FlushResult {
  readonly first: number;
  readonly last: number;
  readonly stateKey: string;
  readonly files: readonly { readonly key: string; readonly records: number; readonly bytes: number }[];
}

/** File names of a partition's buffered range: one file per KST day, named by its own first and last offsets. */
export function planFlush(p: PartitionBuffer): WriteRecord {
  const files = [...p.days.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([day, rows]) => ({
      key: rawFileKey(
        p.tp.topic,
        p.tp.partition,
        rows[0]!['kafka_offset'] as number,
        rows.at(-1)!['kafka_offset'] as number,
        parseDayKey(day),
      ),
      records: rows.length,
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
  const days = [...p.days.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  for (let i = 0; i < days.length; i++) {
    const [, rows] = days[i]!;
    const file = plan.files[i]!;
    const body = encodeParquet(
      p.schema,
      rows,
      options.rowGroupSize === undefined ? {} : { rowGroupSize: options.rowGroupSize },
    );
    await store.putIfAbsent(file.key, body);
    written.push({ key: file.key, records: rows.length, bytes: body.length });
  }
  return { first: plan.first, last: plan.last, stateKey, files: written };
}
