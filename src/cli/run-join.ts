import { writeFile } from 'node:fs/promises';
import { ulid } from 'ulid';
import { summarizeRunReport } from '../api/run-report.js';
import { joinConfig } from '../join/join-config.js';
import { createJoinMetrics } from '../join/join-metrics.js';
import type { JoinStore } from '../join/join-store.js';
import type { RunReport } from '../join/manifest.js';
import { openJoinStore } from '../join/open-join-store.js';
import { findLateDates, type LateDate } from '../join/rerun-check.js';
import { runDailyJoin } from '../join/run-join.js';
import { sqlExportStep } from '../join/sql-export.js';
import { commandLogger } from '../observe/log.js';
import { createRegistry } from '../observe/metrics.js';
import { DEFAULT_THRESHOLDS } from '../join/types.js';
import type { JoinCommandConfig } from '../config.js';
import type { JoinCommandDeps } from './join-command.js';

/**
 * `gridlake join`'s body (join-command.ts declares the command and loads this
 * when it runs), separate from commander so tests call it directly.
 */
export async function runJoinCommand(opts: JoinCommandConfig, deps: JoinCommandDeps = {}): Promise<RunReport> {
  const clock = deps.clock ?? Date.now;
  // stdout carries the run report alone (a script pipes it to jq): logs go to stderr.
  const logger = deps.logger ?? commandLogger('gridlake-join', opts, process.stderr);
  const registry = createRegistry({ defaultMetrics: false });
  const metrics = createJoinMetrics(registry);
  const config = joinConfig({
    join: opts.join,
    ...(opts.locations !== undefined
      ? {
          locations: opts.locations
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== ''),
        }
      : {}),
    ...(opts.powerTopic !== undefined ? { powerTopic: opts.powerTopic } : {}),
    ...(opts.weatherTopic !== undefined ? { weatherTopic: opts.weatherTopic } : {}),
    ...(opts.rawPrefix !== undefined ? { rawPrefix: opts.rawPrefix } : {}),
    ...(opts.warehousePrefix !== undefined ? { warehousePrefix: opts.warehousePrefix } : {}),
    ...(opts.siteLate === true ? { siteLate: true } : {}),
    thresholds: {
      powerCoverageMin: opts.powerCoverageMin ?? DEFAULT_THRESHOLDS.powerCoverageMin,
      weatherCoverageMin: opts.weatherCoverageMin ?? DEFAULT_THRESHOLDS.weatherCoverageMin,
    },
  });
  let exportSql;
  // joinCommandConfig refuses --sql-mode without the URL, so both are set or neither.
  if (opts.sqlMode !== undefined && opts.sqlUrl !== undefined) {
    exportSql = sqlExportStep({
      url: opts.sqlUrl,
      mode: opts.sqlMode,
      tables: {
        ...(opts.sqlHourlyTable !== undefined ? { power_weather_hourly: opts.sqlHourlyTable } : {}),
        ...(opts.sqlDailyTable !== undefined ? { power_weather_daily: opts.sqlDailyTable } : {}),
      },
    });
  }
  const store = deps.store ? deps.store(opts.lake) : await lakeStore(opts);
  const report = await runDailyJoin(
    {
      store,
      clock,
      newRunId: () => ulid(clock()),
      gridlakeVersion: deps.version ?? '0.1.0',
      logger,
      metrics,
      ...(exportSql !== undefined ? { exportSql } : {}),
    },
    config,
    opts.date,
  );
  (deps.stdout ?? process.stdout).write(`${JSON.stringify(report, null, 2)}\n`);
  if (opts.metricsTextfile !== undefined) await writeFile(opts.metricsTextfile, await registry.metrics());
  let late: LateDate[] = [];
  if ((opts.lateDataDays ?? 0) > 0 || (opts.rejoinDays ?? 0) > 0) {
    late = await findLateDates(
      store,
      config,
      opts.date,
      opts.lateDataDays ?? 0,
      (date, err) => logger.warn({ join: opts.join, date, err }, 'late-data check failed; the next run checks again'),
      opts.rejoinDays ?? 0,
    );
    if (late.length > 0) logger.info({ join: opts.join, date: opts.date, late }, 'earlier dates have late data');
  }
  // ≤ 4 KiB: the kubelet keeps only that much of a termination message.
  if (opts.reportFile !== undefined) await writeFile(opts.reportFile, JSON.stringify(summarizeRunReport(report, late)));
  return report;
}

/** The lake the run reads and writes: S3 with `--bucket`, else the folder `--lake`. */
function lakeStore(opts: JoinCommandConfig): Promise<JoinStore> {
  if (opts.bucket === undefined) return openJoinStore({ kind: 'folder', dir: opts.lake });
  return openJoinStore({
    kind: 's3',
    bucket: opts.bucket,
    region: opts.region,
    prefix: opts.prefix,
    ...(opts.endpoint === undefined ? {} : { endpoint: opts.endpoint }),
    ...(opts.credentials === undefined ? {} : { credentials: opts.credentials }),
  });
}
