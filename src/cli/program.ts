import { Command, Option } from 'commander';
import type { Env } from '../config.js';
import { registerAgentCommand } from './agent-command.js';
import { registerBackfillCommand } from './backfill-command.js';
import { registerCollectCommand } from './collect-command.js';
import { registerControllerCommand } from './controller-command.js';
import { registerCrdsCommand } from './crds-command.js';
import { registerJoinCommand } from './join-command.js';
import { registerQueryCommand } from './query-command.js';
import { registerSimulateCommand } from './simulate-command.js';
import { registerSinkCommand } from './sink-command.js';
import { registerStandaloneCommand } from './standalone-command.js';
import { registerStatusCommand } from './status-command.js';

/** The program-wide flags every command's config receives (processSettings in src/config.ts). */
const GLOBAL_FLAGS = ['logFormat', 'debug'] as const;

/**
 * The one CLI behind every process. Each command is declared (options and
 * help) in src/cli/<command>-command.ts and run by src/cli/run-<command>.ts,
 * which it loads with `await import()` only when it runs: the controller does
 * not carry the sink's S3 and Parquet code, nor the collector's Kafka client
 * (the controller's RSS goal, issue 7). `env` reaches each command's config
 * (src/config.ts), the one reader of the environment.
 */
export function buildProgram(env: Env): Command {
  const program = new Command('gridlake')
    .description('KPX power and KMA weather, collected, landed in a lake and joined daily')
    .version('0.1.0')
    .showHelpAfterError()
    // Recognised before or after the command's name; copied into its flags below, read by src/config.ts.
    .addOption(
      new Option(
        '--log-format <format>',
        'json (one object a line) or pretty (human lines); default: pretty in a terminal, else json ($GRIDLAKE_LOG_FORMAT)',
      ).choices(['json', 'pretty']),
    )
    .option('--debug', 'when a command fails, print the stack trace too')
    // Usage errors reach the entry point (src/cli.ts), which exits 2 for them (docs/errors.md, "Exit codes").
    .exitOverride();
  program.hook('preAction', (_program, command) => {
    for (const key of GLOBAL_FLAGS) {
      const value: unknown = program.getOptionValue(key);
      if (value !== undefined) command.setOptionValue(key, value);
    }
  });

  registerAgentCommand(program, env);
  registerCrdsCommand(program);
  registerSimulateCommand(program, env);
  registerCollectCommand(program, env);
  registerJoinCommand(program, env);
  registerSinkCommand(program, env);
  registerControllerCommand(program, env);
  registerStandaloneCommand(program, env);
  registerQueryCommand(program, env);
  registerStatusCommand(program, env);
  registerBackfillCommand(program, env);

  return program;
}
