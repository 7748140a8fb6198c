import { Option, type Command } from 'commander';
import { DEFAULT_S3_REGION, LOCAL_LAKE } from '../api/defaults.js';
import type { Env } from '../config.js';
import type { DuckDbLoader } from '../lake/lake-query.js';
import type { ObjectStore } from '../lake/object-store.js';

/**
 * `gridlake query "<sql>"`: SQL over the lake with DuckDB, an optional
 * dependency loaded only when the command runs (docs/query.md). Exit code 0
 * with a result, 1 when DuckDB refuses the SQL or is not installed, 2 for a
 * bad flag.
 */

/** What tests replace in `gridlake query`. */
export interface QueryCommandDeps {
  readonly stdout?: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly stderr?: NodeJS.WritableStream;
  /** plays a missing DuckDB install */
  readonly loadDuckDb?: DuckDbLoader;
  /** defaults to the folder `--lake` or the S3 bucket `--bucket` */
  readonly store?: ObjectStore;
}

const HELP = `
Views (only those with files in the lake exist; an unknown name lists them):
  power_weather_hourly, power_weather_daily   warehouse tables (docs/warehouse.md)
  raw_power, raw_weather                      raw zone topics (docs/lake.md); other topics: raw_<topic>
  every view has a date column (DATE, the KST day) and year, month, day from the folders

Examples:
  gridlake query "select date, location, demand_mw_peak, temperature_c_avg from power_weather_daily order by date"
  gridlake query -o csv "select * from power_weather_hourly where date = '2025-11-22'" > day.csv
  gridlake query --bucket lake --endpoint http://127.0.0.1:9000 "select count(*) from raw_power"

On S3 the objects of the views the SQL names are copied through gridlake's S3 client into a temporary
folder, read there and deleted (DuckDB's httpfs extension is not used: it would be downloaded at run time).
`;

/** Registers the `query` subcommand. */
export function registerQueryCommand(program: Command, env: Env, deps: QueryCommandDeps = {}): Command {
  return program
    .command('query')
    .description('run SQL over the warehouse and the raw zone (DuckDB)')
    .argument('<sql>', 'the SQL to run; quote it')
    .addOption(
      new Option('-o, --output <format>', 'table (default on a terminal), json (default otherwise) or csv').choices([
        'table',
        'csv',
        'json',
      ]),
    )
    .option(
      '--lake <dir>',
      `local-folder lake root (without --bucket; default: ${LOCAL_LAKE}, the embedded default)`,
    )
    .option(
      '--bucket <name>',
      'read the lake in this S3 bucket (credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, else the default chain)',
    )
    .option('--prefix <prefix>', 'key prefix of the lake inside the bucket (default: none)')
    .option('--endpoint <url>', 'S3 endpoint for S3-compatible stores (MinIO; path-style)')
    .option('--region <region>', `S3 region (default: ${DEFAULT_S3_REGION})`)
    .addHelpText('after', HELP)
    .action(async (sql: string, flags: Record<string, unknown>) => {
      const stderr = deps.stderr ?? process.stderr;
      let config;
      try {
        const { queryConfig } = await import('../config.js');
        config = queryConfig({ ...flags, sql }, env);
      } catch (err) {
        stderr.write(`gridlake query: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 2;
        return;
      }
      try {
        // DuckDB, Parquet and S3 load only when a query runs: every process declares every command.
        const { runQueryCommand } = await import('./run-query.js');
        await runQueryCommand(config, deps);
      } catch (err) {
        stderr.write(`gridlake query: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
      }
    });
}
