import { rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { parse, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { glError } from '../errors.js';

/** How `--reset` asks; tests answer for the person. */
export interface ResetPrompt {
  /** whether a person can answer (stdin and stderr are terminals) */
  readonly interactive: boolean;
  /** resolves true for yes */
  ask(question: string): Promise<boolean>;
}

/** Asks on the terminal (stdin, with the question on stderr: stdout may carry logs). */
export const terminalPrompt = (): ResetPrompt => ({
  interactive: process.stdin.isTTY === true && process.stderr.isTTY === true,
  async ask(question) {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return /^y(es)?$/i.test((await rl.question(question)).trim());
    } finally {
      rl.close();
    }
  },
});

/**
 * `gridlake standalone --reset`: deletes the data folder (local log, lake,
 * checkpoints) so the next start begins from nothing. Asks first; without a
 * terminal it refuses unless `yes`. Never deletes the file system root, the
 * home folder, or a folder holding the current one (a mistyped --data-dir).
 */
export async function resetDataDir(
  dataDir: string,
  o: { readonly yes: boolean; readonly prompt: ResetPrompt },
): Promise<'deleted' | 'absent' | 'declined'> {
  const dir = resolve(dataDir);
  const fromCwd = relative(dir, process.cwd());
  if (dir === parse(dir).root || dir === homedir() || fromCwd === '' || !fromCwd.startsWith('..'))
    throw glError('GL_CONFIG_INVALID', `--reset will not delete ${dir}: give a --data-dir of its own`, {
      context: { option: '--data-dir', dataDir: dir },
    });
  const exists = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!exists) return 'absent';
  if (!o.yes) {
    if (!o.prompt.interactive)
      throw glError('GL_CONFIG_INVALID', `--reset asks before deleting ${dir}; without a terminal, add --yes`, {
        context: { option: '--yes', dataDir: dir },
      });
    if (!(await o.prompt.ask(`Delete ${dir} (local log, lake and checkpoints)? [y/N] `))) return 'declined';
  }
  await rm(dir, { recursive: true, force: true });
  return 'deleted';
}
