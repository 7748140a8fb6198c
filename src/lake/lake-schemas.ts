/**
 * The raw-zone schemas (docs/lake.md) as data: one entry per Parquet
 * column, in file order, with the JSON field it comes from (docs/messages.md).
 * Encoding, decoding and validation are all driven by these tables.
 */
export type ColumnKind = 'timestamp' | 'string' | 'double' | 'int32' | 'int64';

export interface ColumnSpec {
  /** Parquet column name */
  readonly column: string;
  /** JSON field of the bus value; absent for lineage columns filled by the sink */
  readonly json?: string;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
  /** KMA marks missing values as >= 900 or <= -900: those become null */
  readonly kmaMissingMarks?: boolean;
}

export type SchemaKind = 'power' | 'weather';

/** A decoded row: Parquet column name → value (timestamps as epoch ms). */
export type LakeRow = Record<string, string | number | null>;

export interface LakeSchema {
  readonly kind: SchemaKind;
  /** schema version the value's `v` field must carry */
  readonly version: 1;
  readonly columns: readonly ColumnSpec[];
  /** the column whose KST date decides the Hive partition */
  readonly dayColumn: 'base_time';
}

const lineage: ColumnSpec[] = [
  { column: 'kafka_partition', kind: 'int32', nullable: false },
  { column: 'kafka_offset', kind: 'int64', nullable: false },
];

export const POWER_SCHEMA: LakeSchema = {
  kind: 'power',
  version: 1,
  dayColumn: 'base_time',
  columns: [
    { column: 'base_time', json: 'baseTime', kind: 'timestamp', nullable: false },
    { column: 'base_datetime_raw', json: 'baseDatetimeRaw', kind: 'string', nullable: false },
    { column: 'supply_capacity_mw', json: 'supplyCapacityMw', kind: 'double', nullable: false },
    { column: 'current_demand_mw', json: 'currentDemandMw', kind: 'double', nullable: false },
    { column: 'forecast_peak_mw', json: 'forecastPeakMw', kind: 'double', nullable: true },
    { column: 'supply_reserve_mw', json: 'supplyReserveMw', kind: 'double', nullable: true },
    { column: 'supply_reserve_pct', json: 'supplyReservePct', kind: 'double', nullable: true },
    { column: 'operating_reserve_mw', json: 'operatingReserveMw', kind: 'double', nullable: true },
    { column: 'operating_reserve_pct', json: 'operatingReservePct', kind: 'double', nullable: true },
    { column: 'source', json: 'source', kind: 'string', nullable: false },
    { column: 'ingested_at', json: 'ingestedAt', kind: 'timestamp', nullable: false },
    ...lineage,
  ],
};

const kma = (column: string, json: string): ColumnSpec => ({
  column,
  json,
  kind: 'double',
  nullable: true,
  kmaMissingMarks: true,
});

export const WEATHER_SCHEMA: LakeSchema = {
  kind: 'weather',
  version: 1,
  dayColumn: 'base_time',
  columns: [
    { column: 'base_time', json: 'baseTime', kind: 'timestamp', nullable: false },
    { column: 'base_date_raw', json: 'baseDateRaw', kind: 'string', nullable: false },
    { column: 'base_time_raw', json: 'baseTimeRaw', kind: 'string', nullable: false },
    { column: 'location', json: 'location', kind: 'string', nullable: false },
    { column: 'nx', json: 'nx', kind: 'int32', nullable: false },
    { column: 'ny', json: 'ny', kind: 'int32', nullable: false },
    kma('temperature_c', 'temperatureC'),
    kma('rain_1h_mm', 'rain1hMm'),
    kma('humidity_pct', 'humidityPct'),
    kma('wind_speed_ms', 'windSpeedMs'),
    kma('wind_direction_deg', 'windDirectionDeg'),
    kma('wind_east_ms', 'windEastMs'),
    kma('wind_north_ms', 'windNorthMs'),
    { column: 'precipitation_type', json: 'precipitationType', kind: 'int32', nullable: true },
    { column: 'source', json: 'source', kind: 'string', nullable: false },
    { column: 'ingested_at', json: 'ingestedAt', kind: 'timestamp', nullable: false },
    ...lineage,
  ],
};

/** The schema for a topic: by explicit kind, else by the default topic names (docs/messages.md). */
export function schemaForTopic(
  topic: string,
  kinds: Readonly<Record<string, SchemaKind>> = {},
): LakeSchema | undefined {
  const kind = kinds[topic] ?? (topic.includes('power') ? 'power' : topic.includes('weather') ? 'weather' : undefined);
  return kind === 'power' ? POWER_SCHEMA : kind === 'weather' ? WEATHER_SCHEMA : undefined;
}
