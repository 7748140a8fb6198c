import { Option, type Command } from 'commander';
import type { Env } from '../config.js';
import type { KubeClient } from '../k8s/kube-client.js';
import type { Logger } from '../observe/log.js';

/**
 * `gridlake backfill --join <name> --from <date> --to <date>`: joins a range
 * of KST logical dates, on the local runtime (the data folder of
 * `gridlake standalone`) or, with --kubeconfig, on a cluster as DailyJoinRuns.
 * Exit code 0 when every date succeeded or was partial; 1 when one failed,
 * had no input (unless --allow-no-input) or was not reached (stopped); 2 for
 * a bad option (docs/backfill.md; docs/errors.md, "Exit codes").
 */

/** What tests replace in `gridlake backfill`. */
export interface BackfillCommandDeps {
  readonly stdout?: NodeJS.WritableStream;
  /** log lines, and the bar when it is a terminal (default process.stderr) */
  readonly stderr?: NodeJS.WritableStream;
  readonly logger?: Logger;
  /** true: the bar, false: a log line per date (default: the bar when stderr is a terminal) */
  readonly bar?: boolean;
  /** resolves to stop after the current date (default: SIGINT or SIGTERM) */
  readonly stop?: Promise<unknown>;
  /** the cluster's client (default: from --kubeconfig) */
  readonly kubeClient?: KubeClient;
  /** ms between status polls on a cluster (default 2000) */
  readonly pollMs?: number;
  readonly version?: string;
}

const HELP = `
Local runtime (default): the DailyJoin comes from the resources folder (-f, as gridlake standalone),
the lake from <data-dir>/lake/<bucket>. Each date is joined as the embedded scheduler joins it;
a standalone running on the same data folder and a backfill never join the same date at once
(a lock file per date in <data-dir>/state/joins: the second waits for the first).

Cluster (--kubeconfig): one DailyJoinRun per date, named <join>-<yyyymmdd>, trigger Manual,
at most --parallel unfinished at once; runs that already exist are left alone and followed
(delete a run to have its date joined again). The command follows the runs to their end.

Progress: a bar on a terminal, one log line per date otherwise. Ctrl-C stops after the current
date (on a cluster: no more runs are created; those created go on) and prints the summary.

Examples:
  gridlake backfill --join power-weather --from 2026-11-01 --to 2026-11-07
  gridlake backfill --join power-weather --from 2026-11-01 --to 2026-11-30 --data-dir /srv/gridlake -f ./resources
  gridlake backfill --join power-weather --from 2026-10-01 --to 2026-10-31 --kubeconfig ~/.kube/config -n gridlake
`;

/** Registers the `backfill` subcommand. */
export function registerBackfillCommand(program: Command, env: Env, deps: BackfillCommandDeps = {}): Command {
  return program
    .command('backfill')
    .description('join a range of dates: locally with a progress bar, or on a cluster as DailyJoinRuns')
    .requiredOption('--join <name>', 'the DailyJoin: name, or namespace/name')
    .requiredOption('--from <YYYY-MM-DD>', 'first KST logical date')
    .requiredOption('--to <YYYY-MM-DD>', 'last KST logical date (inclusive)')
    .addOption(
      new Option(
        '-f, --resources <dir>',
        'local: folder of resource YAML with the DailyJoin (default: the examples/embedded shipped with gridlake)',
      ),
    )
    .option('--data-dir <dir>', 'local: the data folder of gridlake standalone (default: .gridlake)')
    .option('--kubeconfig <file>', 'run on this cluster: create DailyJoinRuns and follow them')
    .option('-n, --namespace <ns>', 'namespace of the DailyJoin (default: default)')
    .option('--parallel <n>', 'cluster: DailyJoinRuns unfinished at once, 1 to 64 (default: 3)')
    .addOption(new Option('-o, --output <format>', 'the summary as text (default) or json').choices(['text', 'json']))
    .option('--allow-no-input', 'exit 0 when dates have no input (default: exit 1, as gridlake join)')
    .option('--yes', 'run more than 366 dates')
    .addHelpText('after', HELP)
    .action(async (flags: Record<string, unknown>) => {
      // The join's libraries (Parquet, the kube client, the bar) load only when it runs.
      const [{ backfillConfig }, { runBackfillCommand }, { backfillExitCode }] = await Promise.all([
        import('../config.js'),
        import('./run-backfill.js'),
        import('./backfill-summary.js'),
      ]);
      // A bad option throws to the entry point (src/cli.ts: one readable error, exit 2).
      const config = backfillConfig(flags, env);
      const summary = await runBackfillCommand(config, deps);
      process.exitCode = backfillExitCode(summary, config.allowNoInput === true);
    });
}
