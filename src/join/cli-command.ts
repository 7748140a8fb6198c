import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { ulid } from 'ulid';
import { summarizeRunReport } from '../../controllers/run-report.js';
import { S3Store } from '../lake/s3-store.js';
import { glError } from '../errors.js';
import { createLogger } from '../observe/log.js';
import type { Logger } from '../observe/log.js';
import { createRegistry } from '../observe/metrics.js';
import { joinConfig } from './join-config.js';
import { createJoinMetrics } from './join-metrics.js';
import { joinStoreFromObjectStore } from './object-store-join-store.js';
import { LocalJoinStore } from './join-store.js';
import type { JoinStore } from './join-store.js';
import type { RunReport } from './manifest.js';
import { findLateDates, type LateDate } from './rerun-check.js';
import { runDailyJoin } from './run-join.js';
import { sqlExportStep } from './sql-export.js';
import { SQL_MODES } from './sql-schema.js';
import type { SqlMode } from './sql-schema.js';

/**
 * `gridlake join --join <ns/name> --date YYYY-MM-DD`: one DailyJoinRun as a
 * process (the Job the operator starts, or a person's backfill). Prints the run
 * report as JSON; exit code 0 for succeeded, partial and no-input, 1 for failed.
 * The SQL connection URL comes from an environment variable (a Secret), never
 * from the command line.
 */

export interface JoinCommandDeps {
  readonly env?: NodeJS.ProcessEnv;
  readonly clock?: () => number;
  readonly stdout?: NodeJS.WritableStream;
  readonly logger?: Logger;
  /** defaults to a LocalJoinStore on `--lake` */
  readonly store?: (lake: string) => JoinStore;
  readonly version?: string;
}

interface JoinOptions {
  readonly join: string;
  readonly date: string;
  readonly lake: string;
  readonly locations?: string;
  readonly powerTopic?: string;
  readonly weatherTopic?: string;
  readonly rawPrefix?: string;
  readonly warehousePrefix?: string;
  readonly powerCoverageMin?: number;
  readonly weatherCoverageMin?: number;
  readonly sqlMode?: SqlMode;
  readonly sqlUrlEnv: string;
  readonly sqlHourlyTable?: string;
  readonly sqlDailyTable?: string;
  readonly metricsTextfile?: string;
  readonly bucket?: string;
  readonly prefix?: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly reportFile?: string;
  readonly lateDataDays?: number;
}

const ratio = (v: string): number => Number(v);
const lateDays = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 31) throw new InvalidArgumentError('an integer from 0 to 31');
  return n;
};

/** Registers the `join` subcommand (the lead wires it into src/cli.ts). */
export function registerJoinCommand(program: Command, deps: JoinCommandDeps = {}): Command {
  return program
    .command('join')
    .description('run one DailyJoin for one logical date: raw zone → warehouse tables (and SQL)')
    .requiredOption('--join <ns/name>', 'namespace/name of the DailyJoin (metrics label, manifest field)')
    .requiredOption('--date <YYYY-MM-DD>', 'the KST logical date to join')
    .addOption(new Option('--lake <dir>', 'local-folder lake root (without --bucket)').default('.gridlake/lake'))
    .option(
      '--bucket <name>',
      'read and write the lake in this S3 bucket (credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, else the default chain)',
    )
    .option('--prefix <prefix>', 'key prefix of the lake inside the bucket', '')
    .option('--endpoint <url>', 'S3 endpoint for S3-compatible stores (MinIO; path-style)')
    .option('--region <region>', 'S3 region', 'ap-northeast-2')
    .addOption(
      new Option(
        '--report-file <path>',
        "write the run's summary as JSON here (the Job's termination message, read by the operator)",
      ).env('GRIDLAKE_RUN_REPORT_FILE'),
    )
    .option('--locations <names>', 'comma-separated configured locations (observed ones are added)')
    .option('--power-topic <topic>', 'power topic in the raw zone')
    .option('--weather-topic <topic>', 'weather topic in the raw zone')
    .option('--raw-prefix <prefix>', 'raw zone prefix (default raw)')
    .option('--warehouse-prefix <prefix>', 'warehouse zone prefix (default warehouse)')
    .addOption(
      new Option('--power-coverage-min <ratio>', 'quality threshold for power coverage (default 0.95)').argParser(
        ratio,
      ),
    )
    .addOption(
      new Option('--weather-coverage-min <ratio>', 'quality threshold for weather coverage (default 0.9)').argParser(
        ratio,
      ),
    )
    .addOption(new Option('--sql-mode <mode>', 'export to SQL in this mode').choices([...SQL_MODES]))
    .addOption(
      new Option('--sql-url-env <name>', 'environment variable holding the SQL URL').default('GRIDLAKE_JOIN_SQL_URL'),
    )
    .option('--sql-hourly-table <name>', 'SQL table for power_weather_hourly')
    .option('--sql-daily-table <name>', 'SQL table for power_weather_daily')
    .option('--metrics-textfile <path>', 'write the join metrics in Prometheus text format here after the run')
    .addOption(
      new Option(
        '--late-data-days <n>',
        'after the run, check this many earlier dates for inputs their manifests do not list, and name them in the run summary (the operator reruns them)',
      ).argParser(lateDays),
    )
    .action(async (opts: JoinOptions) => {
      try {
        const report = await runJoinCommand(opts, deps);
        process.exitCode = report.outcome === 'failed' ? 1 : 0;
      } catch (err) {
        // Only configuration errors get here: runDailyJoin reports its own failures.
        process.stderr.write(`gridlake join: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 2;
      }
    });
}

/** The command's body, separate from commander so tests call it directly. */
export async function runJoinCommand(opts: JoinOptions, deps: JoinCommandDeps = {}): Promise<RunReport> {
  const env = deps.env ?? process.env;
  const clock = deps.clock ?? Date.now;
  const logger = deps.logger ?? createLogger({ name: 'gridlake-join' });
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
    thresholds: { powerCoverageMin: opts.powerCoverageMin ?? 0.95, weatherCoverageMin: opts.weatherCoverageMin ?? 0.9 },
  });
  let exportSql;
  if (opts.sqlMode !== undefined) {
    const url = env[opts.sqlUrlEnv];
    if (url === undefined || url === '') {
      throw glError('GL_JOIN_CONFIG_INVALID', `--sql-mode needs the SQL URL in $${opts.sqlUrlEnv}`, {
        context: { env: opts.sqlUrlEnv },
      });
    }
    exportSql = sqlExportStep({
      url,
      mode: opts.sqlMode,
      tables: {
        ...(opts.sqlHourlyTable !== undefined ? { power_weather_hourly: opts.sqlHourlyTable } : {}),
        ...(opts.sqlDailyTable !== undefined ? { power_weather_daily: opts.sqlDailyTable } : {}),
      },
    });
  }
  const store = deps.store ? deps.store(opts.lake) : lakeStore(opts, env);
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
  if ((opts.lateDataDays ?? 0) > 0) {
    late = await findLateDates(store, config, opts.date, opts.lateDataDays ?? 0, (date, err) =>
      logger.warn({ join: opts.join, date, err }, 'late-data check failed; the next run checks again'),
    );
    if (late.length > 0) logger.info({ join: opts.join, date: opts.date, late }, 'earlier dates have late data');
  }
  // ≤ 4 KiB: the kubelet keeps only that much of a termination message.
  if (opts.reportFile !== undefined) await writeFile(opts.reportFile, JSON.stringify(summarizeRunReport(report, late)));
  return report;
}

/** The lake the run reads and writes: S3 with `--bucket`, else the folder `--lake`. */
function lakeStore(opts: JoinOptions, env: NodeJS.ProcessEnv): JoinStore {
  if (opts.bucket === undefined) return new LocalJoinStore(opts.lake);
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  return joinStoreFromObjectStore(
    new S3Store({
      bucket: opts.bucket,
      region: opts.region ?? 'ap-northeast-2',
      prefix: opts.prefix ?? '',
      ...(opts.endpoint === undefined ? {} : { endpoint: opts.endpoint }),
      ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    }),
  );
}
