import { Command } from 'commander';
import type { Env } from '../config.js';
import { registerAgentCommand } from './agent-command.js';
import { registerCollectCommand } from './collect-command.js';
import { registerControllerCommand } from './controller-command.js';
import { registerCrdsCommand } from './crds-command.js';
import { registerJoinCommand } from './join-command.js';
import { registerQueryCommand } from './query-command.js';
import { registerSimulateCommand } from './simulate-command.js';
import { registerSinkCommand } from './sink-command.js';
import { registerStandaloneCommand } from './standalone-command.js';

/**
 * The one CLI behind every process. Each command is declared (options and
 * help) in src/cli/<command>-command.ts and run by src/cli/run-<command>.ts,
 * which it loads with `await import()` only when it runs: the controller does
 * not carry the sink's S3 and Parquet code, nor the collector's Kafka client
 * (the controller's RSS goal, issue 7). Commands whose parts are not built yet
 * say so and exit non-zero rather than pretend. `env` reaches each command's
 * config (src/config.ts), the one reader of the environment.
 */
export function buildProgram(env: Env): Command {
  const program = new Command('gridlake')
    .description('KPX power and KMA weather, collected, landed in a lake and joined daily')
    .version('0.1.0')
    .showHelpAfterError();

  registerAgentCommand(program);
  registerCrdsCommand(program);
  registerSimulateCommand(program, env);
  registerCollectCommand(program, env);
  registerJoinCommand(program, env);
  registerSinkCommand(program, env);
  registerControllerCommand(program, env);
  registerStandaloneCommand(program, env);
  registerQueryCommand(program, env);

  return program;
}
