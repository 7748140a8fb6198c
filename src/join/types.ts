/**
 * Plain data shapes of the daily join (docs/warehouse.md): the raw
 * readings it consumes, the two warehouse rows it produces and the run report.
 * Instants are epoch milliseconds (UTC); dates and hours are KST.
 */

/** One power reading from the raw zone, with the columns the join needs. */
export interface PowerRecord {
  readonly baseTime: number;
  readonly currentDemandMw: number | null;
  readonly supplyCapacityMw: number | null;
  readonly supplyReservePct: number | null;
  readonly ingestedAt: number;
  readonly kafkaPartition: number;
  readonly kafkaOffset: bigint;
}

/** One weather observation from the raw zone, with the columns the join needs. */
export interface WeatherRecord {
  readonly baseTime: number;
  readonly location: string;
  readonly nx: number;
  readonly ny: number;
  readonly temperatureC: number | null;
  readonly humidityPct: number | null;
  readonly rain1hMm: number | null;
  readonly windSpeedMs: number | null;
  readonly precipitationType: number | null;
  readonly ingestedAt: number;
  readonly kafkaPartition: number;
  readonly kafkaOffset: bigint;
}

/** A row of `power_weather_hourly`. */
export interface HourlyRow {
  readonly date: string;
  readonly hour: number;
  readonly hourStart: number;
  readonly location: string;
  readonly demandMwAvg: number | null;
  readonly demandMwMax: number | null;
  readonly supplyCapacityMwAvg: number | null;
  readonly supplyReservePctMin: number | null;
  readonly powerSamples: number;
  readonly temperatureC: number | null;
  readonly humidityPct: number | null;
  readonly rain1hMm: number | null;
  readonly windSpeedMs: number | null;
  readonly precipitationType: number | null;
}

/**
 * `ok` when both coverages reach the thresholds, else `partial`; `site_late`
 * overrides both when the run started before a remote site had forwarded the
 * whole date (the day is provisional and joined again, docs/warehouse.md).
 */
export type Quality = 'ok' | 'partial' | 'site_late';

/** A row of `power_weather_daily`. */
export interface DailyRow {
  readonly date: string;
  readonly location: string;
  readonly demandMwPeak: number | null;
  readonly demandPeakAt: number | null;
  readonly demandMwAvg: number | null;
  readonly supplyReservePctMin: number | null;
  readonly temperatureCAvg: number | null;
  readonly temperatureCMin: number | null;
  readonly temperatureCMax: number | null;
  readonly rainMmTotal: number | null;
  readonly heatingDegreeHours: number | null;
  readonly coolingDegreeHours: number | null;
  readonly tempDemandCorr: number | null;
  readonly powerCoverage: number;
  readonly weatherCoverage: number;
  readonly quality: Quality;
}

/** Coverage thresholds of a DailyJoin (defaults 0.95 and 0.9, docs/warehouse.md). */
export interface Thresholds {
  readonly powerCoverageMin: number;
  readonly weatherCoverageMin: number;
}

/** The DailyJoin's default thresholds. */
export const DEFAULT_THRESHOLDS: Thresholds = { powerCoverageMin: 0.95, weatherCoverageMin: 0.9 };

/** Run outcomes of the issue; metrics spell `no-input` as `no_input`. */
export type JoinOutcome = 'succeeded' | 'partial' | 'no-input' | 'failed';

/** A half-open KST time range [start, end) rendered as ISO-8601 with +09:00. */
export interface TimeRange {
  readonly start: string;
  readonly end: string;
}

/** Counts of what went in and what was excluded. */
export interface InputCounts {
  /** raw power rows read (duplicates included) */
  readonly powerRows: number;
  /** raw weather rows read (duplicates included) */
  readonly weatherRows: number;
  readonly duplicatesRemoved: { readonly power: number; readonly weather: number };
  readonly rejected: { readonly power: number; readonly weather: number };
  /** rows in a day's folder whose base time is outside that KST day (a sink bug; skipped) */
  readonly outsideDay: { readonly power: number; readonly weather: number };
}

/** Coverage and gaps per location, the quality block of the report and manifest. */
export interface QualityReport {
  readonly thresholds: Thresholds;
  readonly powerCoverage: number;
  /** missing 5-minute slots, merged into ranges */
  readonly powerGaps: readonly TimeRange[];
  readonly locations: readonly LocationQuality[];
}

/** Weather coverage, gaps and quality of one location (or `*`). */
export interface LocationQuality {
  readonly location: string;
  readonly weatherCoverage: number;
  /** hours without a temperature, merged into ranges */
  readonly weatherGaps: readonly TimeRange[];
  readonly quality: Quality;
}

/** What the pure day computation returns. */
export interface DayResult {
  readonly outcome: Exclude<JoinOutcome, 'failed'>;
  readonly hourly: readonly HourlyRow[];
  readonly daily: readonly DailyRow[];
  readonly counts: InputCounts;
  /** null when there was no input */
  readonly quality: QualityReport | null;
}
