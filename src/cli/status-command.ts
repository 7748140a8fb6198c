import { Option, type Command } from 'commander';
import type { Env } from '../config.js';

/** What tests replace in `gridlake status`. */
export interface StatusCommandDeps {
  readonly stdout?: NodeJS.WritableStream & { readonly isTTY?: boolean };
  /** the clock that ages a cluster's timestamps */
  readonly now?: () => number;
  readonly fetch?: typeof fetch;
}

const HELP = `
Reads a running gridlake standalone (GET <url>/status.json), or a cluster with --cluster / --kubeconfig.
Both give the same shape: -o json prints it for scripts (docs/status.md).

Examples:
  gridlake status                                   the embedded default on this machine (npm start)
  gridlake status -o json | jq '.resources[] | select(.kind == "DailyJoin") | .status'
  gridlake status --cluster -n gridlake             the current kubeconfig context, one namespace
  gridlake status --kubeconfig ~/.kube/prod         every namespace of another cluster
`;

/** Registers `gridlake status`. */
export function registerStatusCommand(program: Command, env: Env, deps: StatusCommandDeps = {}): Command {
  return program
    .command('status')
    .description('sources, sinks, joins and sites with freshness and last outcome (local standalone or a cluster)')
    .addOption(new Option('--url <url>', 'base URL of a running gridlake standalone (default: http://127.0.0.1:9464)'))
    .option('--cluster', 'read a cluster instead: the kubeconfig from KUBECONFIG or ~/.kube/config (or in-cluster)')
    .option('--kubeconfig <file>', 'read the cluster of this kubeconfig (implies --cluster)')
    .option('-n, --namespace <namespace>', 'only this namespace (default: all)')
    .addOption(
      new Option('-o, --output <format>', 'table (default on a terminal) or json (default otherwise)').choices([
        'table',
        'json',
      ]),
    )
    .addHelpText('after', HELP)
    .action(async (flags: Record<string, unknown>) => {
      const [{ statusConfig }, { runStatusCommand }] = await Promise.all([
        import('../config.js'),
        import('./run-status.js'),
      ]);
      // A bad flag or an unreachable standalone reaches the entry point (src/cli.ts): one sentence, exit 2 or 1.
      await runStatusCommand(statusConfig(flags, env), deps);
    });
}
