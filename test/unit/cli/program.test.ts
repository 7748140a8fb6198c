import { describe, expect, it } from 'vitest';
import { CommanderError, type Command } from 'commander';
import { buildProgram, PLANNED_COMMANDS } from '../../../src/cli/program.js';

function capture(program: Command): { out: string[]; err: string[] } {
  const sink = { out: [] as string[], err: [] as string[] };
  program.exitOverride();
  program.configureOutput({ writeOut: (s) => sink.out.push(s), writeErr: (s) => sink.err.push(s) });
  for (const c of program.commands) {
    c.exitOverride();
    c.configureOutput({ writeOut: (s) => sink.out.push(s), writeErr: (s) => sink.err.push(s) });
  }
  return sink;
}

describe('gridlake CLI', () => {
  it('declares every process of DESIGN.md §3', () => {
    const names = buildProgram()
      .commands.map((c) => c.name())
      .sort();
    expect(names).toEqual(['agent', 'collect', 'controller', 'crds', 'join', 'simulate', 'sink', 'standalone']);
  });

  it.each(['controller', 'collect', 'sink', 'join', 'agent', 'standalone', 'simulate', 'crds'])(
    'prints help for %s',
    async (name) => {
      const program = buildProgram();
      const sink = capture(program);
      await expect(program.parseAsync(['node', 'gridlake', name, '--help'])).rejects.toMatchObject({ exitCode: 0 });
      expect(sink.out.join('')).toContain(`Usage: gridlake ${name}`);
    },
  );

  it.each(PLANNED_COMMANDS.map((p) => [p.name, p.issue] as const))(
    'says plainly that %s is not built yet and exits non-zero',
    async (name, issue) => {
      const program = buildProgram();
      const sink = capture(program);
      const err = await program.parseAsync(['node', 'gridlake', name]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CommanderError);
      expect((err as CommanderError).exitCode).toBe(2);
      expect(sink.err.join('')).toContain(`not built yet (tracked in issue ${issue})`);
    },
  );
});
