import { Option, type Command } from 'commander';

/** Options of `gridlake standalone`. */
export interface StandaloneCommandOptions {
  readonly resources: string;
  readonly dataDir: string;
  readonly port: number;
  readonly host: string;
}

/** `gridlake standalone`: the embedded default, the same resource YAML as on a cluster, no cluster needed. */
export function registerStandaloneCommand(program: Command): Command {
  return program
    .command('standalone')
    .description('run the embedded default on this machine: the same resource YAML, no cluster needed')
    .addOption(
      new Option('-f, --resources <dir>', 'folder of gridlake custom-resource YAML files').default('examples/embedded'),
    )
    .addOption(new Option('--data-dir <dir>', 'where the local log and lake live').default('.gridlake'))
    .addOption(new Option('--port <port>', 'port for /metrics, /healthz and /readyz').default(9464).argParser(Number))
    .addOption(new Option('--host <host>', 'address to listen on').default('127.0.0.1'))
    .action(async (opts: StandaloneCommandOptions) => {
      // The whole data path loads only when it runs: every process declares every command.
      const [{ createLogger }, { runStandalone }] = await Promise.all([
        import('../observe/log.js'),
        import('./run-standalone.js'),
      ]);
      const logger = createLogger({ name: 'gridlake-standalone' });
      process.exitCode = await runStandalone({ ...opts, logger }).catch((err: unknown) => {
        // One JSON line with the code and every problem (file:line:col), then a non-zero exit.
        logger.fatal({ err }, 'standalone did not start');
        return 1;
      });
    });
}
