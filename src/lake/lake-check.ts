import type { LakeSchema } from './lake-schemas.js';
import { parseRawFileKey, type RawFileName } from './layout.js';
import type { ObjectStore } from './object-store.js';
import { decodeParquet } from './parquet-codec.js';

/** What a check of one topic's raw zone found. */
export interface LakeCheckReport {
  readonly files: number;
  readonly rows: number;
  /** offsets per partition, sorted, as found in the files */
  readonly offsets: ReadonlyMap<number, readonly number[]>;
  /** offsets present in more than one row */
  readonly duplicates: readonly { partition: number; offset: number }[];
  /** pairs of files of one partition and one day whose offset ranges intersect (never allowed) */
  readonly overlaps: readonly [string, string][];
  /**
   * pairs of files of one partition but different days whose ranges interleave:
   * expected only when readings of several days arrive interleaved (late data),
   * because each day's file is named by its own first and last offset
   */
  readonly interleavedDays: readonly [string, string][];
  /** files whose rows disagree with their name (offset outside the range, wrong partition, wrong day) */
  readonly misnamed: readonly string[];
  readonly unreadable: readonly { key: string; error: string }[];
}

/**
 * Reads every raw file of a topic and checks the lake invariant: each offset
 * in exactly one file, file ranges of a partition disjoint, names matching
 * contents. Used by the tests and by operators after an incident.
 */
export async function checkLake(store: ObjectStore, schema: LakeSchema, topic: string): Promise<LakeCheckReport> {
  const listed = (await store.list(`raw/${topic}/`))
    .map((o) => ({ key: o.key, name: parseRawFileKey(o.key) }))
    .filter((f): f is { key: string; name: RawFileName } => f.name !== undefined);
  const seen = new Map<number, number[]>();
  const misnamed: string[] = [];
  const unreadable: { key: string; error: string }[] = [];
  let rows = 0;
  for (const { key, name } of listed) {
    let decoded;
    try {
      decoded = await decodeParquet(schema, await store.get(key));
    } catch (err) {
      unreadable.push({ key, error: (err as Error).message });
      continue;
    }
    rows += decoded.length;
    const list = seen.get(name.partition) ?? [];
    seen.set(name.partition, list);
    let ok = decoded.length > 0;
    for (const r of decoded) {
      const offset = r['kafka_offset'] as number;
      list.push(offset);
      if (r['kafka_partition'] !== name.partition || offset < name.first || offset > name.last) ok = false;
    }
    if (decoded[0]?.['kafka_offset'] !== name.first || decoded.at(-1)?.['kafka_offset'] !== name.last) ok = false;
    if (!ok) misnamed.push(key);
  }
  const duplicates: { partition: number; offset: number }[] = [];
  for (const [partition, list] of seen) {
    list.sort((a, b) => a - b);
    for (let i = 1; i < list.length; i++) if (list[i] === list[i - 1]) duplicates.push({ partition, offset: list[i]! });
  }
  const overlaps: [string, string][] = [];
  const interleavedDays: [string, string][] = [];
  const byPartition = new Map<number, { key: string; name: RawFileName }[]>();
  for (const f of listed) byPartition.set(f.name.partition, [...(byPartition.get(f.name.partition) ?? []), f]);
  for (const files of byPartition.values()) {
    files.sort((a, b) => a.name.first - b.name.first);
    for (let i = 0; i < files.length; i++) {
      for (let j = i + 1; j < files.length && files[j]!.name.first <= files[i]!.name.last; j++) {
        const pair: [string, string] = [files[i]!.key, files[j]!.key];
        (files[i]!.name.day === files[j]!.name.day ? overlaps : interleavedDays).push(pair);
      }
    }
  }
  return { files: listed.length, rows, offsets: seen, duplicates, overlaps, interleavedDays, misnamed, unreadable };
}
