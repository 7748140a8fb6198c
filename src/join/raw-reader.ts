import { parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import type { AsyncBuffer, FileMetaData } from 'hyparquet';
import { glError } from '../errors.js';
import type { JoinStore } from './join-store.js';
import { partitionPath } from '../kst.js';
import type { PowerRecord, WeatherRecord } from './types.js';

/**
 * Reads the day's raw files (docs/lake.md) with hyparquet: only the
 * columns the join needs, one row group at a time, each row handed to a sink
 * (the deduplicating DayCollector) so memory stays bounded by one row group
 * plus the day's distinct readings.
 */

/** Columns of `gridlake.power.kpx.v1` the join reads. */
export const POWER_COLUMNS = [
  'base_time',
  'current_demand_mw',
  'supply_capacity_mw',
  'supply_reserve_pct',
  'ingested_at',
  'kafka_partition',
  'kafka_offset',
] as const;

/** Columns of `gridlake.weather.kma.v1` the join reads. */
export const WEATHER_COLUMNS = [
  'base_time',
  'location',
  'nx',
  'ny',
  'temperature_c',
  'humidity_pct',
  'rain_1h_mm',
  'wind_speed_ms',
  'precipitation_type',
  'ingested_at',
  'kafka_partition',
  'kafka_offset',
] as const;

/** Keys of the raw files of one topic and KST date, sorted by name. */
export async function listDayFiles(
  store: JoinStore,
  rawPrefix: string,
  topic: string,
  date: string,
): Promise<string[]> {
  const dir = `${rawPrefix}/${topic}/${partitionPath(date)}/`;
  return (await store.list(dir)).filter((k) => k.endsWith('.parquet') && !k.slice(dir.length).includes('/'));
}

// Timestamps decode straight to epoch milliseconds (no Date per value).
const PARSERS = {
  timestampFromMilliseconds: (v: bigint): number => Number(v),
  timestampFromMicroseconds: (v: bigint): number => Number(v / 1_000n),
  timestampFromNanoseconds: (v: bigint): number => Number(v / 1_000_000n),
};

type Columns = Record<string, ArrayLike<unknown>>;

async function openFile(store: JoinStore, key: string): Promise<{ file: AsyncBuffer; close: () => Promise<void> }> {
  if (store.openRange !== undefined) {
    const r = await store.openRange(key);
    return { file: { byteLength: r.byteLength, slice: (s, e) => r.slice(s, e) }, close: () => r.close() };
  }
  const bytes = await store.get(key);
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return { file: { byteLength: buf.byteLength, slice: (s, e) => buf.slice(s, e) }, close: async () => undefined };
}

/**
 * Streams one file's row groups as projected columns. Returns the row count.
 * A file lacking a needed column, or that hyparquet cannot decode, fails with
 * GL_JOIN_INPUT_UNREADABLE naming the key.
 */
export async function readRowGroups(
  store: JoinStore,
  key: string,
  columns: readonly string[],
  onGroup: (cols: Columns, rows: number) => void,
): Promise<number> {
  const { file, close } = await openFile(store, key);
  try {
    let metadata: FileMetaData;
    try {
      // A small first guess at the footer: the default (512 KiB) would pull whole raw files.
      metadata = await parquetMetadataAsync(file, { initialFetchSize: 1 << 16 });
    } catch (cause) {
      throw glError('GL_JOIN_INPUT_UNREADABLE', `not a readable Parquet file: ${key}`, { cause, context: { key } });
    }
    const present = new Set(parquetSchema(metadata).children.map((c) => c.element.name));
    const missing = columns.filter((c) => !present.has(c));
    if (missing.length > 0) {
      throw glError('GL_JOIN_INPUT_UNREADABLE', `raw file ${key} lacks column(s) ${missing.join(', ')}`, {
        context: { key, missing },
      });
    }
    let groupStart = 0;
    for (const group of metadata.row_groups) {
      const rows = Number(group.num_rows);
      if (rows === 0) continue;
      const cols: Record<string, unknown[]> = {};
      for (const c of columns) cols[c] = new Array<unknown>(rows);
      try {
        await parquetRead({
          file,
          metadata,
          columns: [...columns],
          rowStart: groupStart,
          rowEnd: groupStart + rows,
          parsers: PARSERS,
          onChunk: ({ columnName, columnData, rowStart }) => {
            const target = cols[columnName];
            if (target === undefined) return;
            for (let i = 0; i < columnData.length; i++) {
              const at = rowStart - groupStart + i;
              if (at >= 0 && at < rows) target[at] = columnData[i];
            }
          },
        });
      } catch (cause) {
        throw glError('GL_JOIN_INPUT_UNREADABLE', `cannot decode raw file ${key}`, { cause, context: { key } });
      }
      try {
        onGroup(cols, rows);
      } catch (cause) {
        throw glError('GL_JOIN_INPUT_UNREADABLE', `unexpected values in raw file ${key}`, { cause, context: { key } });
      }
      groupStart += rows;
    }
    return groupStart;
  } finally {
    await close();
  }
}

function millis(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime();
  throw glError('GL_JOIN_INPUT_UNREADABLE', `not a timestamp: ${String(v)}`, { context: { value: String(v) } });
}

function num(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return null;
}

function big(v: unknown): bigint {
  return typeof v === 'bigint' ? v : BigInt(num(v) ?? 0);
}

function col(cols: Columns, name: string): ArrayLike<unknown> {
  return cols[name] as ArrayLike<unknown>;
}

/** Reads one power file into the sink; returns its row count. */
export function readPowerFile(store: JoinStore, key: string, sink: (r: PowerRecord) => void): Promise<number> {
  return readRowGroups(store, key, POWER_COLUMNS, (c, rows) => {
    const [bt, dem, cap, pct, ing, part, off] = POWER_COLUMNS.map((n) => col(c, n));
    for (let i = 0; i < rows; i++) {
      sink({
        baseTime: millis(bt?.[i]),
        currentDemandMw: num(dem?.[i]),
        supplyCapacityMw: num(cap?.[i]),
        supplyReservePct: num(pct?.[i]),
        ingestedAt: millis(ing?.[i]),
        kafkaPartition: num(part?.[i]) ?? 0,
        kafkaOffset: big(off?.[i]),
      });
    }
  });
}

/** Reads one weather file into the sink; returns its row count. */
export function readWeatherFile(store: JoinStore, key: string, sink: (r: WeatherRecord) => void): Promise<number> {
  return readRowGroups(store, key, WEATHER_COLUMNS, (c, rows) => {
    const [bt, loc, nx, ny, t, hum, rain, wind, pty, ing, part, off] = WEATHER_COLUMNS.map((n) => col(c, n));
    for (let i = 0; i < rows; i++) {
      sink({
        baseTime: millis(bt?.[i]),
        location: String(loc?.[i]),
        nx: num(nx?.[i]) ?? 0,
        ny: num(ny?.[i]) ?? 0,
        temperatureC: num(t?.[i]),
        humidityPct: num(hum?.[i]),
        rain1hMm: num(rain?.[i]),
        windSpeedMs: num(wind?.[i]),
        precipitationType: num(pty?.[i]),
        ingestedAt: millis(ing?.[i]),
        kafkaPartition: num(part?.[i]) ?? 0,
        kafkaOffset: big(off?.[i]),
      });
    }
  });
}
