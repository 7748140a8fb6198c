import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { buildChild } from '../bus/build-child.js';

const run = promisify(execFile);

/** The `gridlake` entry point as a user meets it: a command that cannot start says why, in one line. */
describe('gridlake entry point', () => {
  it('turns a configuration error into one JSON line with its code and exit 2, not a stack trace', async () => {
    const cli = await buildChild(path.resolve(import.meta.dirname, '../../../src/cli.ts'), 'gridlake-entry');
    const failed = await run(process.execPath, [cli, 'sink', '--topics', 'gridlake.weather.kma.v1']).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(2);
    const lines = failed!.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'fatal',
      code: 'GL_CONFIG_INVALID',
      msg: 'give exactly one of --brokers and --local-log',
    });
    expect(failed!.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
