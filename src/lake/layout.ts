/**
 * Names in the lake (docs/lake.md). Pure functions: no I/O.
 *
 *   raw/<topic>/year=YYYY/month=MM/day=DD/<topic>+<partition>+<first>-<last>.parquet
 *   raw/_sink/<topic>/<partition>/<last>.json   the sink's record of written ranges
 *   deadletter/<stage>/year=YYYY/month=MM/day=DD/<source>-<ulid>.json
 */
const KST_OFFSET_MS = 9 * 3600 * 1000;
const OFFSET_DIGITS = 20;

/** A KST calendar date. */
export interface KstDay {
  readonly year: string;
  readonly month: string;
  readonly day: string;
}

/** The KST date (UTC+9, no daylight saving) of an instant. */
export function kstDay(epochMs: number): KstDay {
  const d = new Date(epochMs + KST_OFFSET_MS);
  return {
    year: String(d.getUTCFullYear()).padStart(4, '0'),
    month: String(d.getUTCMonth() + 1).padStart(2, '0'),
    day: String(d.getUTCDate()).padStart(2, '0'),
  };
}

/** `YYYY-MM-DD`, used as a buffer key. */
export function dayKey(day: KstDay): string {
  return `${day.year}-${day.month}-${day.day}`;
}

export function parseDayKey(key: string): KstDay {
  const [year = '', month = '', day = ''] = key.split('-');
  return { year, month, day };
}

export function padOffset(offset: number): string {
  return String(offset).padStart(OFFSET_DIGITS, '0');
}

function hive(day: KstDay): string {
  return `year=${day.year}/month=${day.month}/day=${day.day}`;
}

/** Key of a raw-zone file. */
export function rawFileKey(topic: string, partition: number, first: number, last: number, day: KstDay): string {
  return `raw/${topic}/${hive(day)}/${topic}+${partition}+${padOffset(first)}-${padOffset(last)}.parquet`;
}

export interface RawFileName {
  readonly topic: string;
  readonly partition: number;
  readonly first: number;
  readonly last: number;
  readonly day: KstDay;
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
    day: { year: m[2]!, month: m[3]!, day: m[4]! },
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
export function deadLetterKey(stage: string, day: KstDay, source: string, id: string): string {
  return `deadletter/${stage}/${hive(day)}/${source.replace(/[^A-Za-z0-9._-]/g, '_')}-${id}.json`;
}
