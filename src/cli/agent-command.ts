import type { Command } from 'commander';
import { glError } from '../errors.js';

/** The issue that tracks the remote-site agent. */
export const AGENT_ISSUE = 13;

/**
 * `gridlake agent`: declared for the whole product, not built yet. It says so
 * and exits non-zero (GL_CLI_NOT_IMPLEMENTED, exit 2 from src/cli.ts) rather
 * than pretend; nothing is started. Hidden from `gridlake --help` until it
 * works, so a newcomer is not offered a command that does nothing.
 */
export function registerAgentCommand(program: Command): Command {
  return program
    .command('agent', { hidden: true })
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
