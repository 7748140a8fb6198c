import { Option, type Command } from 'commander';
import { DEFAULT_S3_REGION, LOCAL_LAKE, SQL_LOAD_MODES } from '../api/defaults.js';
import type { Env } from '../config.js';
import { assertNever } from '../errors.js';
import type { JoinStore } from '../join/join-store.js';
import type { RunReport } from '../join/manifest.js';
import type { Logger } from '../observe/log.js';

/**
 * `gridlake join --join <ns/name> --date YYYY-MM-DD`: one DailyJoinRun as a
 * process (the Job the operator starts, or a person's backfill). Prints the run
 * report as JSON on stdout, alone (logs go to stderr); exit code 0 for
 * succeeded and partial, 1 for failed and for no-input (a person who finds
 * nothing has the wrong lake or date; the operator's Job passes
 * --allow-no-input and reads the outcome from the report), 2 for a bad option.
 * The SQL connection URL comes from an environment variable (a Secret), never
 * from the command line.
 */

/** What tests replace in `gridlake join`. */
export interface JoinCommandDeps {
  readonly clock?: () => number;
  readonly stdout?: NodeJS.WritableStream;
  readonly logger?: Logger;
  /** defaults to a LocalJoinStore on `--lake` */
  readonly store?: (lake: string) => JoinStore;
  readonly version?: string;
}

/** Registers the `join` subcommand. */
export function registerJoinCommand(program: Command, env: Env, deps: JoinCommandDeps = {}): Command {
  return program
    .command('join')
    .description('run one DailyJoin for one logical date: raw zone → warehouse tables (and SQL)')
    .requiredOption('--join <ns/name>', 'namespace/name of the DailyJoin (metrics label, manifest field)')
    .requiredOption('--date <YYYY-MM-DD>', 'the KST logical date to join')
    .option(
      '--lake <dir>',
      `local-folder lake root, without --bucket (default: ${LOCAL_LAKE}, the lake \`npm start\` writes: <data-dir>/lake/<bucket> of \`gridlake standalone\`)`,
    )
    .option(
      '--bucket <name>',
      'read and write the lake in this S3 bucket (credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, else the default chain)',
    )
    .option('--prefix <prefix>', 'key prefix of the lake inside the bucket (default: none)')
    .option('--endpoint <url>', 'S3 endpoint for S3-compatible stores (MinIO; path-style)')
    .option('--region <region>', `S3 region (default: ${DEFAULT_S3_REGION}, as a DailyJoin's lake)`)
    .option(
      '--report-file <path>',
      "write the run's summary as JSON here (the Job's termination message, read by the operator; default: $GRIDLAKE_RUN_REPORT_FILE)",
    )
    .option('--locations <names>', 'comma-separated configured locations (observed ones are added)')
    .option('--power-topic <topic>', 'power topic in the raw zone')
    .option('--weather-topic <topic>', 'weather topic in the raw zone')
    .option('--raw-prefix <prefix>', 'raw zone prefix (default raw)')
    .option('--warehouse-prefix <prefix>', 'warehouse zone prefix (default warehouse)')
    .option('--power-coverage-min <ratio>', 'quality threshold for power coverage, 0 to 1 (default 0.95)')
    .option('--weather-coverage-min <ratio>', 'quality threshold for weather coverage, 0 to 1 (default 0.9)')
    .addOption(new Option('--sql-mode <mode>', 'export to SQL in this mode').choices([...SQL_LOAD_MODES]))
    .option('--sql-url-env <name>', 'environment variable holding the SQL URL (default: GRIDLAKE_JOIN_SQL_URL)')
    .option('--sql-hourly-table <name>', 'SQL table for power_weather_hourly')
    .option('--sql-daily-table <name>', 'SQL table for power_weather_daily')
    .option('--metrics-textfile <path>', 'write the join metrics in Prometheus text format here after the run')
    .option(
      '--late-data-days <n>',
      'after the run, check this many earlier dates (0 to 31) for inputs their manifests do not list, and name them in the run summary (the operator reruns them)',
    )
    .option(
      '--rejoin-days <n>',
      'after the run, check this many earlier dates (0 to 366) for dates without a manifest (joined without input) that now have raw files, and name them in the run summary too',
    )
    .option('--allow-no-input', 'exit 0 when the date has no input in the lake (default: exit 1, outcome no-input)')
    .option(
      '--site-late',
      "a remote site had not forwarded the whole date (the DailyJoin's siteGraceSeconds ran out): daily rows get quality site_late",
    )
    .action(async (flags: Record<string, unknown>) => {
      // The join's libraries (Parquet, S3, SQL drivers) load only when it runs: every process declares every command.
      const [{ joinCommandConfig }, { runJoinCommand }] = await Promise.all([
        import('../config.js'),
        import('./run-join.js'),
      ]);
      // A bad option throws to the entry point (src/cli.ts: one readable error, exit 2); runDailyJoin reports its own failures.
      const config = joinCommandConfig(flags, env);
      const report = await runJoinCommand(config, deps);
      process.exitCode = joinExitCode(report.outcome, config.allowNoInput === true);
    });
}

/** 1 for a failed run, and for a date without input unless `allowNoInput`; else 0. */
export function joinExitCode(outcome: RunReport['outcome'], allowNoInput: boolean): number {
  switch (outcome) {
    case 'succeeded':
    case 'partial':
      return 0;
    case 'no-input':
      return allowNoInput ? 0 : 1;
    case 'failed':
      return 1;
    default:
      return assertNever(outcome);
  }
}
