import { parquetWriteBuffer } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';
import { assertNever } from '../errors.js';
import { instantElement } from '../lake/parquet-codec.js';
import type { DailyRow, HourlyRow } from './types.js';

/**
 * Parquet encoding of the two warehouse tables (docs/warehouse.md).
 * Non-null columns are REQUIRED (readers skip the definition levels, so reads are faster),
 * instants carry the UTC-adjusted TIMESTAMP logical type so DuckDB reads them
 * as TIMESTAMP WITH TIME ZONE, and the bytes are a pure function of the rows:
 * a rerun on the same inputs writes an identical file.
 */

/** The two tables a run writes. */
export type WarehouseTable = 'power_weather_hourly' | 'power_weather_daily';
export const WAREHOUSE_TABLES: readonly WarehouseTable[] = ['power_weather_hourly', 'power_weather_daily'];

/** Column kinds shared by the Parquet and SQL schemas. */
export type ColumnKind = 'string' | 'int32' | 'double' | 'timestamp';

/** One contract column. */
export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
}

const c = (name: string, kind: ColumnKind, nullable = true): ColumnSpec => ({ name, kind, nullable });

/** `power_weather_hourly` columns in contract order. */
export const HOURLY_COLUMNS: readonly ColumnSpec[] = [
  c('date', 'string', false),
  c('hour', 'int32', false),
  c('hour_start', 'timestamp', false),
  c('location', 'string', false),
  c('demand_mw_avg', 'double'),
  c('demand_mw_max', 'double'),
  c('supply_capacity_mw_avg', 'double'),
  c('supply_reserve_pct_min', 'double'),
  c('power_samples', 'int32', false),
  c('temperature_c', 'double'),
  c('humidity_pct', 'double'),
  c('rain_1h_mm', 'double'),
  c('wind_speed_ms', 'double'),
  c('precipitation_type', 'int32'),
];

/** `power_weather_daily` columns in contract order. */
export const DAILY_COLUMNS: readonly ColumnSpec[] = [
  c('date', 'string', false),
  c('location', 'string', false),
  c('demand_mw_peak', 'double'),
  c('demand_peak_at', 'timestamp'),
  c('demand_mw_avg', 'double'),
  c('supply_reserve_pct_min', 'double'),
  c('temperature_c_avg', 'double'),
  c('temperature_c_min', 'double'),
  c('temperature_c_max', 'double'),
  c('rain_mm_total', 'double'),
  c('heating_degree_hours', 'double'),
  c('cooling_degree_hours', 'double'),
  c('temp_demand_corr', 'double'),
  c('power_coverage', 'double', false),
  c('weather_coverage', 'double', false),
  c('quality', 'string', false),
];

/** Primary keys of the SQL tables (and the identity of a warehouse row). */
export const PRIMARY_KEYS: Readonly<Record<WarehouseTable, readonly string[]>> = {
  power_weather_hourly: ['date', 'hour', 'location'],
  power_weather_daily: ['date', 'location'],
};

/** Columns of each table, in contract order. */
export const TABLE_COLUMNS: Readonly<Record<WarehouseTable, readonly ColumnSpec[]>> = {
  power_weather_hourly: HOURLY_COLUMNS,
  power_weather_daily: DAILY_COLUMNS,
};

/** Hourly row as an ordered tuple of contract values. */
export function hourlyValues(r: HourlyRow): (string | number | null)[] {
  return [
    r.date,
    r.hour,
    r.hourStart,
    r.location,
    r.demandMwAvg,
    r.demandMwMax,
    r.supplyCapacityMwAvg,
    r.supplyReservePctMin,
    r.powerSamples,
    r.temperatureC,
    r.humidityPct,
    r.rain1hMm,
    r.windSpeedMs,
    r.precipitationType,
  ];
}

/** Daily row as an ordered tuple of contract values. */
export function dailyValues(r: DailyRow): (string | number | null)[] {
  return [
    r.date,
    r.location,
    r.demandMwPeak,
    r.demandPeakAt,
    r.demandMwAvg,
    r.supplyReservePctMin,
    r.temperatureCAvg,
    r.temperatureCMin,
    r.temperatureCMax,
    r.rainMmTotal,
    r.heatingDegreeHours,
    r.coolingDegreeHours,
    r.tempDemandCorr,
    r.powerCoverage,
    r.weatherCoverage,
    r.quality,
  ];
}

function schemaElement(col: ColumnSpec): SchemaElement {
  const repetition_type = col.nullable ? 'OPTIONAL' : 'REQUIRED';
  switch (col.kind) {
    case 'string':
      return { name: col.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type };
    case 'int32':
      return { name: col.name, type: 'INT32', repetition_type };
    case 'double':
      return { name: col.name, type: 'DOUBLE', repetition_type };
    case 'timestamp':
      return instantElement(col.name, repetition_type);
    default:
      return assertNever(col.kind);
  }
}

function encode(columns: readonly ColumnSpec[], tuples: readonly (string | number | null)[][]): Uint8Array {
  const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length }, ...columns.map(schemaElement)];
  const columnData = columns.map((col, i) => ({ name: col.name, data: tuples.map((t) => t[i] ?? null) }));
  // One row group per file: a day is at most a few thousand rows.
  return new Uint8Array(
    parquetWriteBuffer({ schema, columnData, rowGroupSize: Math.max(1, tuples.length), createdBy: 'gridlake' }),
  );
}

/** `power_weather_hourly` rows as a Parquet file. */
export function encodeHourly(rows: readonly HourlyRow[]): Uint8Array {
  return encode(HOURLY_COLUMNS, rows.map(hourlyValues));
}

/** `power_weather_daily` rows as a Parquet file. */
export function encodeDaily(rows: readonly DailyRow[]): Uint8Array {
  return encode(DAILY_COLUMNS, rows.map(dailyValues));
}
