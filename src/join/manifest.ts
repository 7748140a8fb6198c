import { partitionPath } from '../kst.js';
import type { WarehouseTable } from './warehouse-parquet.js';
import type { InputCounts, JoinOutcome, QualityReport } from './types.js';

/**
 * The run report and the per-table `_manifest.json` (docs/warehouse.md). The
 * manifest lists the input files, so a later check can see that a finished
 * day's inputs changed (late data) and a rerun is due.
 */

/** Everything a run reports: manifest, log line, metrics and DailyJoinRun status. */
export interface RunReport {
  readonly join: string;
  readonly date: string;
  readonly runId: string;
  readonly outcome: JoinOutcome;
  /** why a run failed (absent otherwise) */
  readonly reason?: string;
  readonly errorCode?: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationSeconds: number;
  readonly inputs: RunInputs;
  readonly rowsOut: { readonly power_weather_hourly: number; readonly power_weather_daily: number };
  readonly quality: QualityReport | null;
  /** warehouse keys written (data files and manifests) */
  readonly files: readonly string[];
}

/** The manifest's `inputs`: totals over both topics plus per-topic breakdowns. */
export interface RunInputs extends Omit<InputCounts, 'duplicatesRemoved' | 'rejected'> {
  readonly powerFiles: readonly string[];
  readonly weatherFiles: readonly string[];
  /** total over both topics (the per-topic counts are below) */
  readonly duplicatesRemoved: number;
  readonly rejected: number;
  readonly duplicatesRemovedByTopic: InputCounts['duplicatesRemoved'];
  readonly rejectedByTopic: InputCounts['rejected'];
}

/** `_manifest.json` of one table and day (docs/warehouse.md, "Run manifest"; new fields are additive). */
export interface Manifest {
  readonly table: WarehouseTable;
  readonly date: string;
  readonly runId: string;
  readonly file: string;
  readonly rows: number;
  readonly inputs: RunInputs;
  readonly quality: QualityReport | null;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly gridlakeVersion: string;
  readonly join: string;
  readonly outcome: JoinOutcome;
}

/** `warehouse/<table>/year=YYYY/month=MM/day=DD/` */
export function tableDayDir(warehousePrefix: string, table: WarehouseTable, date: string): string {
  return `${warehousePrefix}/${table}/${partitionPath(date)}/`;
}

/** `…/data.parquet`: the one data file of a table and day. */
export function dataKey(warehousePrefix: string, table: WarehouseTable, date: string): string {
  return `${tableDayDir(warehousePrefix, table, date)}data.parquet`;
}

/** `…/_manifest.json`, written after the data file. */
export function manifestKey(warehousePrefix: string, table: WarehouseTable, date: string): string {
  return `${tableDayDir(warehousePrefix, table, date)}_manifest.json`;
}

/** Reads the input-file list of a finished day (absent manifest → null): the late-data check compares it to a fresh listing. */
export function inputFilesOf(manifest: Manifest): readonly string[] {
  return [...manifest.inputs.powerFiles, ...manifest.inputs.weatherFiles];
}

/** True when the raw files listed now differ from the ones a finished run read. */
export function inputsChanged(
  manifest: Manifest,
  powerFiles: readonly string[],
  weatherFiles: readonly string[],
): boolean {
  const before = [...inputFilesOf(manifest)].sort();
  const now = [...powerFiles, ...weatherFiles].sort();
  return before.length !== now.length || before.some((k, i) => k !== now[i]);
}
