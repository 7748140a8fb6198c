import { glError } from '../errors.js';
import { sinkStateKey, sinkStatePrefix } from './layout.js';
import type { ObjectStore } from './object-store.js';

/**
 * The sink's own record of what it wrote: one small JSON object per flush,
 * written create-only before the flush's files. A flush covers a contiguous
 * offset range [first, last] of one partition, split into one file per KST day.
 * The newest record of a partition tells where to resume; if any of its files
 * is missing, the flush is redone with exactly the same cut.
 */
export interface WriteRecord {
  readonly v: 1;
  readonly topic: string;
  readonly partition: number;
  readonly first: number;
  readonly last: number;
  readonly files: readonly { readonly key: string; readonly records: number }[];
}

/** Where a partition resumes, as the lake says. */
export interface ResumePoint {
  /** next offset to read; undefined when the lake has nothing for the partition */
  readonly next: number | undefined;
  /** when set, the flush [next, redoLast] must be redone with exactly this cut */
  readonly redoLast?: number;
  /** the newest write record's key (kept), and older ones (safe to delete) */
  readonly latestKey?: string;
  readonly olderKeys: readonly string[];
}

/** Reads a partition's write records and decides where it resumes. */
export async function resumePoint(store: ObjectStore, topic: string, partition: number): Promise<ResumePoint> {
  const keys = (await store.list(sinkStatePrefix(topic, partition)))
    .map((o) => o.key)
    .filter((k) => k.endsWith('.json'));
  const latestKey = keys.at(-1);
  if (latestKey === undefined) return { next: undefined, olderKeys: [] };
  const latest = JSON.parse((await store.get(latestKey)).toString('utf8')) as WriteRecord;
  const present = await Promise.all(latest.files.map((f) => store.head(f.key)));
  const complete = present.every((p) => p !== null);
  return complete
    ? { next: latest.last + 1, latestKey, olderKeys: keys.slice(0, -1) }
    : { next: latest.first, redoLast: latest.last, latestKey, olderKeys: keys.slice(0, -1) };
}

/** Writes a flush's record create-only; an identical existing record is fine (a redo), a different one is a conflict. */
export async function writeRecord(store: ObjectStore, record: WriteRecord): Promise<string> {
  const key = sinkStateKey(record.topic, record.partition, record.last);
  const body = JSON.stringify(record);
  if ((await store.putIfAbsent(key, Buffer.from(body))) === 'exists') {
    const existing = (await store.get(key)).toString('utf8');
    if (existing !== body)
      throw glError('GL_LAKE_STATE_CONFLICT', 'a different flush of the same range is already recorded', {
        context: { key, existing: existing.slice(0, 500), wanted: body.slice(0, 500) },
      });
  }
  return key;
}
