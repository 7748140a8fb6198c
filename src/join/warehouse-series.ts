import { parquetReadObjects } from 'hyparquet';
import type { JoinStore } from './join-store.js';

/*
 * The hourly warehouse table (docs/warehouse.md) as the columns a chart draws:
 * the status page's national and per-location series over the last dates
 * joined. Read with hyparquet straight from the day files, so it needs neither
 * DuckDB nor SQL and works on a folder or a bucket alike.
 */

/** The most dates one read returns (about a month of hours per location). */
export const MAX_SERIES_DAYS = 31;

/** One value per hour; null where the warehouse has none. */
export type Column = (number | null)[];

/** The hourly series of the last `days` dates in the warehouse, aligned on `hourStart`. */
export interface WarehouseSeries {
  /** the dates read, oldest first (the newest `days` dates that have an hourly file) */
  readonly dates: readonly string[];
  /** the locations of those dates, sorted, without `*` */
  readonly locations: readonly string[];
  /** hour starts in Unix seconds (the x axis), ascending */
  readonly hourStart: readonly number[];
  /** national power, the same on every location's row of an hour */
  readonly demandMw: Column;
  readonly supplyCapacityMw: Column;
  readonly reservePct: Column;
  /** the mean over the locations (the `*` rows) */
  readonly meanTemperatureC: Column;
  /** per location, aligned on `hourStart` */
  readonly temperatureC: Readonly<Record<string, Column>>;
  /** the newest hour that has a demand, with the power values; null when none has */
  readonly latest: {
    readonly hourStart: number;
    readonly demandMw: number;
    readonly supplyCapacityMw: number | null;
    readonly reservePct: number | null;
  } | null;
  /** the newest hour that has a mean temperature, with each location's; null when none has */
  readonly latestWeather: {
    readonly hourStart: number;
    readonly meanTemperatureC: number;
    readonly temperatureC: Readonly<Record<string, number | null>>;
  } | null;
}

const TABLE = 'power_weather_hourly';

/** The data file of each date of the hourly table under `warehousePrefix`, by date. */
async function hourlyFiles(store: JoinStore, warehousePrefix: string): Promise<Map<string, string>> {
  const base = `${warehousePrefix === '' ? '' : `${warehousePrefix.replace(/\/+$/, '')}/`}${TABLE}/`;
  const files = new Map<string, string>();
  for (const key of await store.list(base)) {
    const m = /\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/data\.parquet$/.exec(key);
    if (m) files.set(`${m[1]}-${m[2]}-${m[3]}`, key);
  }
  return files;
}

const num = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'bigint' ? Number(v) : null;

/** hyparquet gives a timestamp column as a Date; older files may hold plain milliseconds. */
function epochSeconds(v: unknown): number | null {
  const ms = v instanceof Date ? v.getTime() : num(v);
  return ms === null || Number.isNaN(ms) ? null : Math.round(ms / 1000);
}

/**
 * Reads the hourly table of the newest `days` dates (1…MAX_SERIES_DAYS) from
 * the warehouse under `warehousePrefix` ('' when the store's root is the
 * warehouse folder). A date without an hourly file is left out, not drawn as zero.
 */
export async function readWarehouseSeries(
  store: JoinStore,
  warehousePrefix: string,
  days: number,
): Promise<WarehouseSeries> {
  const want = Math.min(MAX_SERIES_DAYS, Math.max(1, Math.floor(days)));
  const files = await hourlyFiles(store, warehousePrefix);
  const dates = [...files.keys()].sort().slice(-want);
  const hours = new Map<number, { power: Record<string, unknown> | null; temps: Map<string, number | null> }>();
  const locations = new Set<string>();
  for (const date of dates) {
    const bytes = await store.get(files.get(date)!);
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const rows = (await parquetReadObjects({ file })) as Record<string, unknown>[];
    for (const row of rows) {
      const at = epochSeconds(row['hour_start']);
      const location = row['location'];
      if (at === null || typeof location !== 'string') continue;
      let hour = hours.get(at);
      if (hour === undefined) hours.set(at, (hour = { power: null, temps: new Map() }));
      if (location === '*') hour.power = row;
      else locations.add(location);
      hour.temps.set(location, num(row['temperature_c']));
    }
  }
  const hourStart = [...hours.keys()].sort((a, b) => a - b);
  const sortedLocations = [...locations].sort();
  const powerColumn = (name: string): Column => hourStart.map((h) => num(hours.get(h)!.power?.[name]));
  const demandMw = powerColumn('demand_mw_avg');
  const supplyCapacityMw = powerColumn('supply_capacity_mw_avg');
  const reservePct = powerColumn('supply_reserve_pct_min');
  const meanTemperatureC = hourStart.map((h) => hours.get(h)!.temps.get('*') ?? null);
  const temperatureC = Object.fromEntries(
    sortedLocations.map((l) => [l, hourStart.map((h) => hours.get(h)!.temps.get(l) ?? null)]),
  );
  // Weather and power arrive on their own schedules: the newest hour of one may lack the other.
  const newest = (column: Column): number => column.findLastIndex((v) => v !== null);
  const p = newest(demandMw);
  const w = newest(meanTemperatureC);
  const latest: WarehouseSeries['latest'] =
    p < 0
      ? null
      : {
          hourStart: hourStart[p]!,
          demandMw: demandMw[p]!,
          supplyCapacityMw: supplyCapacityMw[p] ?? null,
          reservePct: reservePct[p] ?? null,
        };
  const latestWeather: WarehouseSeries['latestWeather'] =
    w < 0
      ? null
      : {
          hourStart: hourStart[w]!,
          meanTemperatureC: meanTemperatureC[w]!,
          temperatureC: Object.fromEntries(sortedLocations.map((l) => [l, temperatureC[l]![w] ?? null])),
        };
  return {
    dates,
    locations: sortedLocations,
    hourStart,
    demandMw,
    supplyCapacityMw,
    reservePct,
    meanTemperatureC,
    temperatureC,
    latest,
    latestWeather,
  };
}
