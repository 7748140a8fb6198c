import { Option, type Command } from 'commander';
import type { Env } from '../config.js';
import { collectList } from './collect-command.js';

/** `gridlake simulate`: serve the simulated KPX and KMA APIs. */
export function registerSimulateCommand(program: Command, env: Env): Command {
  return program
    .command('simulate')
    .description(
      'serve simulated KPX and KMA APIs (real formats, quotas, faults) for tests and users without service keys',
    )
    .addOption(new Option('--host <host>', 'address to listen on (default: 127.0.0.1)'))
    .addOption(new Option('--port <port>', 'port (default: 8089)'))
    .addOption(
      new Option('--clock <start,speed>', 'simulated start (ISO-8601 or now) and speed factor (default: now,1)'),
    )
    .addOption(
      new Option('--config <file>', 'simulator config (JSON or YAML; see src/sources/simulator/sim-config.ts)'),
    )
    .addOption(
      new Option(
        '--fault <json>',
        'a fault, e.g. {"api":"kma","kind":"http","code":"503","probability":0.1} (repeatable)',
      ).argParser(collectList),
    )
    .addOption(new Option('--quota-kpx <n>', 'calls per key per KPX operation per KST day'))
    .addOption(new Option('--quota-kma <n>', 'calls per key per KST day on the nowcast'))
    .addOption(
      new Option('--allow-client <ip>', 'serve only these client addresses (repeatable)').argParser(collectList),
    )
    .addOption(
      new Option('--key <key>', 'accept only these service keys, decoded form (repeatable)').argParser(collectList),
    )
    .addOption(new Option('--legacy-open', 'serve data on the legacy KPX operation instead of code 20'))
    .action(async (flags: Record<string, unknown>) => {
      // The simulator's server loads only when it runs: every process declares every command.
      const [{ simulateConfig }, { runSimulate }] = await Promise.all([
        import('../config.js'),
        import('./run-simulate.js'),
      ]);
      await runSimulate(simulateConfig(flags, env));
    });
}
