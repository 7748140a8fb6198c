import { Command, Option } from 'commander';
import { registerCrdsCommand } from '../api/cli-command.js';
import { registerJoinCommand } from '../join/cli-command.js';
import { registerSinkCommand } from '../lake/cli-command.js';
import { registerCollectCommand, registerSimulateCommand } from '../sources/cli-commands.js';
import { registerControllerCommand } from './controller-command.js';

/** A subcommand declared for the whole product but not built yet. */
export interface PlannedCommand {
  readonly name: string;
  readonly summary: string;
  readonly issue: number;
}

export const PLANNED_COMMANDS: readonly PlannedCommand[] = [
  { name: 'agent', summary: 'run the remote-site agent that serves a federated namespace', issue: 7 },
];

/**
 * The one CLI behind every process (one image, one CLI). Each subcommand is a thin
 * shell around the library; commands whose parts are not built yet say so and
 * exit non-zero rather than pretend. Every command is declared (options and
 * help) in every process, but each loads its libraries with `await import()`
 * only when it runs: the controller does not carry the sink's S3 and Parquet
 * code, nor the collector's Kafka client (the controller's RSS goal, issue 7).
 */
export function buildProgram(): Command {
  const program = new Command('gridlake')
    .description('KPX power and KMA weather, collected, landed in a lake and joined daily')
    .version('0.1.0')
    .showHelpAfterError();

  for (const planned of PLANNED_COMMANDS) {
    program
      .command(planned.name)
      .description(`${planned.summary} (not built yet)`)
      .allowUnknownOption(true)
      .allowExcessArguments(true)
      .action(function (this: Command) {
        this.error(
          `gridlake ${planned.name}: not built yet (tracked in issue ${planned.issue}); nothing was started.`,
          {
            exitCode: 2,
            code: 'gridlake.notBuilt',
          },
        );
      });
  }

  registerCrdsCommand(program);
  registerSimulateCommand(program);
  registerCollectCommand(program);
  registerJoinCommand(program);
  registerSinkCommand(program);
  registerControllerCommand(program);

  program
    .command('standalone')
    .description('run the embedded default on this machine: the same resource YAML, no cluster needed')
    .addOption(
      new Option('-f, --resources <dir>', 'folder of gridlake custom-resource YAML files').default('examples/embedded'),
    )
    .addOption(new Option('--data-dir <dir>', 'where the local log and lake live').default('.gridlake'))
    .addOption(new Option('--port <port>', 'port for /metrics, /healthz and /readyz').default(9464).argParser(Number))
    .addOption(new Option('--host <host>', 'address to listen on').default('127.0.0.1'))
    .action(async (opts: { resources: string; dataDir: string; port: number; host: string }) => {
      const [{ createLogger }, { runStandalone }] = await Promise.all([
        import('../observe/log.js'),
        import('../standalone.js'),
      ]);
      const logger = createLogger({ name: 'gridlake-standalone' });
      process.exitCode = await runStandalone({ ...opts, logger }).catch((err: unknown) => {
        // One JSON line with the code and every problem (file:line:col), then a non-zero exit.
        logger.fatal({ err }, 'standalone did not start');
        return 1;
      });
    });

  return program;
}
