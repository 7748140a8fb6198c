import { Option, type Command } from 'commander';
import type { Env } from '../config.js';

/** `gridlake standalone`: the embedded default, the same resource YAML as on a cluster, no cluster needed. */
export function registerStandaloneCommand(program: Command, env: Env): Command {
  return program
    .command('standalone')
    .description('run the embedded default on this machine: the same resource YAML, no cluster needed')
    .addOption(
      new Option(
        '-f, --resources <dir>',
        'folder of gridlake custom-resource YAML files (default: the examples/embedded shipped with gridlake)',
      ),
    )
    .addOption(new Option('--data-dir <dir>', 'where the local log and lake live (default: .gridlake)'))
    .addOption(new Option('--port <port>', 'port for /metrics, /healthz and /readyz (default: 9464)'))
    .addOption(new Option('--host <host>', 'address to listen on (default: 127.0.0.1)'))
    .option('--reset', 'delete the data folder (local log, lake, checkpoints) before starting; asks first')
    .option('--yes', 'with --reset: delete without asking (needed without a terminal)')
    .action(async (flags: Record<string, unknown>) => {
      // The whole data path loads only when it runs: every process declares every command.
      const [{ standaloneConfig }, { commandLogger, resolveLogFormat }, { runStandalone }] = await Promise.all([
        import('../config.js'),
        import('../observe/log.js'),
        import('./run-standalone.js'),
      ]);
      const config = standaloneConfig(flags, env);
      const logger = commandLogger('gridlake-standalone', config);
      const forPeople = resolveLogFormat(config.logFormat, process.stdout) === 'pretty';
      // A start-up error goes to the entry point (src/cli.ts): one readable error, exit 2 for bad resources.
      process.exitCode = await runStandalone({
        ...config,
        logger,
        ...(forPeople ? { printBanner: (text: string) => process.stdout.write(`\n${text}\n`) } : {}),
      });
    });
}
