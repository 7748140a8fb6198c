import { partitionPath } from '../kst.js';

/**
 * Names in the lake (docs/lake.md). Pure functions: no I/O.
 *
 *   raw/<topic>/year=YYYY/month=MM/day=DD/<topic>+<partition>+<first>-<last>.parquet
 *   raw/_sink/<topic>/<partition>/<last>.json   the sink's record of written ranges
 *   deadletter/<stage>/year=YYYY/month=MM/day=DD/<source>-<ulid>.json
 */
const OFFSET_DIGITS = 20;

export function padOffset(offset: number): string {
  return String(offset).padStart(OFFSET_DIGITS, '0');
}

/** Key of a raw-zone file; `day` is the KST date (`YYYY-MM-DD`) of its rows. */
export function rawFileKey(topic: string, partition: number, first: number, last: number, day: string): string {
  return `raw/${topic}/${partitionPath(day)}/${topic}+${partition}+${padOffset(first)}-${padOffset(last)}.parquet`;
}

export interface RawFileName {
  readonly topic: string;
  readonly partition: number;
  readonly first: number;
  readonly last: number;
  /** KST date, `YYYY-MM-DD` */
  readonly day: string;
}

const RAW_FILE = /^raw\/([^/]+)\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/(.+)\+(\d+)\+(\d{20})-(\d{20})\.parquet$/;

/** Parses a raw-zone key, or undefined when it is not one. */
export function parseRawFileKey(key: string): RawFileName | undefined {
  const m = RAW_FILE.exec(key);
  if (!m || m[1] !== m[5]) return undefined;
  return {
    topic: m[1]!,
    partition: Number(m[6]),
    first: Number(m[7]),
    last: Number(m[8]),
    day: `${m[2]}-${m[3]}-${m[4]}`,
  };
}

/** Folder of a partition's write records. */
export function sinkStatePrefix(topic: string, partition: number): string {
  return `raw/_sink/${topic}/${partition}/`;
}

/** Key of the write record of the flush that ends at `last`. */
export function sinkStateKey(topic: string, partition: number, last: number): string {
  return `${sinkStatePrefix(topic, partition)}${padOffset(last)}.json`;
}

/** Key of a dead letter kept in the lake when the bus cannot take it. */
export function deadLetterKey(stage: string, day: string, source: string, id: string): string {
  return `deadletter/${stage}/${partitionPath(day)}/${source.replace(/[^A-Za-z0-9._-]/g, '_')}-${id}.json`;
}
