import { GridlakeError } from '../errors.js';
import type { Logger } from '../observe/log.js';
import type { JoinConfig } from './join-config.js';
import { DayCollector, markSiteLate } from './join-day.js';
import type { JoinMetrics } from './join-metrics.js';
import type { JoinStore } from './join-store.js';
import { parseKstDate } from '../kst.js';
import { dataKey, manifestKey } from './manifest.js';
import type { Manifest, RunInputs, RunReport } from './manifest.js';
import { emptyInputs } from './no-input.js';
import { listDayFiles, readPowerFile, readWeatherFile } from './raw-reader.js';
import { WAREHOUSE_TABLES, encodeDaily, encodeHourly } from './warehouse-parquet.js';
import type { WarehouseTable } from './warehouse-parquet.js';
import type { DayResult, InputCounts } from './types.js';

/**
 * One DailyJoinRun: list the day's raw files, stream them through the pure
 * DayCollector, then per table write `data.parquet` (replaced whole) and its
 * `_manifest.json`, and optionally export to SQL. Never throws: a failure is a
 * `failed` report with the reason, logged and counted like any other outcome.
 */

/** Optional SQL export step; runs after the files, inside its own transaction. */
export type SqlExportStep = (result: DayResult, date: string) => Promise<void>;

/** What a run needs from the outside world. */
export interface JoinDeps {
  readonly store: JoinStore;
  /** epoch milliseconds; injected so tests and the scheduler control time */
  readonly clock: () => number;
  readonly newRunId: () => string;
  readonly gridlakeVersion: string;
  readonly logger?: Logger;
  readonly metrics?: JoinMetrics;
  readonly exportSql?: SqlExportStep;
}

const EMPTY_COUNTS: InputCounts = {
  powerRows: 0,
  weatherRows: 0,
  duplicatesRemoved: { power: 0, weather: 0 },
  rejected: { power: 0, weather: 0 },
  outsideDay: { power: 0, weather: 0 },
};

function runInputs(powerFiles: readonly string[], weatherFiles: readonly string[], c: InputCounts): RunInputs {
  return {
    powerFiles,
    weatherFiles,
    powerRows: c.powerRows,
    weatherRows: c.weatherRows,
    duplicatesRemoved: c.duplicatesRemoved.power + c.duplicatesRemoved.weather,
    rejected: c.rejected.power + c.rejected.weather,
    duplicatesRemovedByTopic: c.duplicatesRemoved,
    rejectedByTopic: c.rejected,
    outsideDay: c.outsideDay,
  };
}

/** Runs the join of one KST date and returns its report. */
export async function runDailyJoin(deps: JoinDeps, config: JoinConfig, date: string): Promise<RunReport> {
  const started = deps.clock();
  const runId = deps.newRunId();
  const log = deps.logger?.child({ join: config.join, date, runId });
  let powerFiles: string[] = [];
  let weatherFiles: string[] = [];
  let result: DayResult | null = null;
  const files: string[] = [];
  const finish = (outcome: RunReport['outcome'], extra: Partial<RunReport> = {}): RunReport => {
    const finished = deps.clock();
    return {
      join: config.join,
      date,
      runId,
      outcome,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      durationSeconds: (finished - started) / 1000,
      inputs: runInputs(powerFiles, weatherFiles, result?.counts ?? EMPTY_COUNTS),
      rowsOut: {
        power_weather_hourly: result?.hourly.length ?? 0,
        power_weather_daily: result?.daily.length ?? 0,
      },
      quality: result?.quality ?? null,
      files,
      ...extra,
    };
  };

  let report: RunReport;
  try {
    parseKstDate(date);
    log?.info('join run started');
    powerFiles = await listDayFiles(deps.store, config.rawPrefix, config.powerTopic, date);
    weatherFiles = await listDayFiles(deps.store, config.rawPrefix, config.weatherTopic, date);
    const collector = new DayCollector(date, config.locations, config.thresholds);
    for (const key of powerFiles) await readPowerFile(deps.store, key, (r) => collector.addPower(r));
    for (const key of weatherFiles) await readWeatherFile(deps.store, key, (r) => collector.addWeather(r));
    const day = config.siteLate === true ? markSiteLate(collector.finish()) : collector.finish();
    result = day;

    if (day.outcome === 'no-input') {
      // A first run on no input writes nothing, so a rerun removes what an earlier run left.
      for (const table of WAREHOUSE_TABLES) {
        await deps.store.delete(manifestKey(config.warehousePrefix, table, date));
        await deps.store.delete(dataKey(config.warehousePrefix, table, date));
      }
    } else {
      for (const table of WAREHOUSE_TABLES) {
        const key = dataKey(config.warehousePrefix, table, date);
        const bytes = table === 'power_weather_hourly' ? encodeHourly(day.hourly) : encodeDaily(day.daily);
        await deps.store.put(key, bytes);
        files.push(key);
        const manifest = buildManifest(deps, finish(day.outcome), table, key);
        const mKey = manifestKey(config.warehousePrefix, table, date);
        await deps.store.put(mKey, new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
        files.push(mKey);
      }
      if (deps.exportSql !== undefined) await deps.exportSql(day, date);
    }
    report = finish(day.outcome);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    report = finish('failed', { reason, ...(err instanceof GridlakeError ? { errorCode: err.code } : {}) });
    log?.error({ err, ...summary(report) }, 'join run failed');
  }
  // No input is not a success: the date is joined again once raw files for it appear (rerun-check.ts).
  if (report.outcome === 'no-input')
    log?.warn({ ...summary(report), emptyInputs: emptyInputs(report.inputs) }, 'join run found no input');
  else if (report.outcome !== 'failed') log?.info(summary(report), 'join run finished');
  deps.metrics?.observe(report);
  return report;
}

function buildManifest(deps: JoinDeps, report: RunReport, table: WarehouseTable, file: string): Manifest {
  return {
    table,
    date: report.date,
    runId: report.runId,
    file,
    rows: report.rowsOut[table],
    inputs: report.inputs,
    quality: report.quality,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    gridlakeVersion: deps.gridlakeVersion,
    join: report.join,
    outcome: report.outcome,
  };
}

/** The log fields of a report: counts and coverage, not the file lists. */
function summary(r: RunReport): Record<string, unknown> {
  return {
    outcome: r.outcome,
    reason: r.reason,
    durationSeconds: r.durationSeconds,
    powerFiles: r.inputs.powerFiles.length,
    weatherFiles: r.inputs.weatherFiles.length,
    powerRows: r.inputs.powerRows,
    weatherRows: r.inputs.weatherRows,
    duplicatesRemoved: r.inputs.duplicatesRemoved,
    rejected: r.inputs.rejected,
    rowsOut: r.rowsOut,
    powerCoverage: r.quality?.powerCoverage,
    powerGaps: r.quality?.powerGaps.length,
  };
}
