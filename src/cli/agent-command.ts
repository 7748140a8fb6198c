import type { Command } from 'commander';
import { glError } from '../errors.js';

/** The issue that tracks the remote-site agent. */
export const AGENT_ISSUE = 7;

/**
 * `gridlake agent`: declared for the whole product, not built yet. It says so
 * and exits non-zero (GL_CLI_NOT_IMPLEMENTED, exit 2 from src/cli.ts) rather
 * than pretend; nothing is started.
 */
export function registerAgentCommand(program: Command): Command {
  return program
    .command('agent')
    .description('run the remote-site agent that serves a federated namespace (not built yet)')
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(() => {
      throw glError(
        'GL_CLI_NOT_IMPLEMENTED',
        `gridlake agent: not built yet (tracked in issue ${AGENT_ISSUE}); nothing was started.`,
        { context: { command: 'agent', issue: AGENT_ISSUE } },
      );
    });
}
