import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { exitCodeOf, formatError, USAGE_CODES, WHAT_TO_DO } from '../../../src/cli/report-error.js';
import { glError } from '../../../src/errors.js';

const doc = readFileSync('docs/errors.md', 'utf8');

describe('how a failed command reports', () => {
  it('says what to do in the words of docs/errors.md', () => {
    const rows = new Map([...doc.matchAll(/^\| `(GL_[A-Z0-9_]+)` \| [^|]+ \| (.+) \|$/gm)].map((m) => [m[1], m[2]]));
    for (const [code, hint] of Object.entries(WHAT_TO_DO)) expect(rows.get(code), code).toBe(hint);
  });

  it('documents the exit-2 codes in the "Exit codes" section', () => {
    const section = doc.slice(doc.indexOf('## Exit codes'));
    const listed = [...section.matchAll(/`(GL_[A-Z0-9_]+)`/g)].map((m) => m[1]).sort();
    expect(listed).toEqual([...USAGE_CODES].sort());
  });

  it('exits 2 for usage and configuration errors, 1 for runtime failures, 0 after help', () => {
    expect(exitCodeOf(glError('GL_CONFIG_INVALID', 'x'))).toBe(2);
    expect(exitCodeOf(new CommanderError(1, 'commander.unknownOption', 'x'))).toBe(2);
    expect(exitCodeOf(new CommanderError(0, 'commander.helpDisplayed', 'x'))).toBe(0);
    expect(exitCodeOf(glError('GL_OBSERVE_LISTEN_FAILED', 'x'))).toBe(1);
    expect(exitCodeOf(new Error('boom'))).toBe(1);
  });

  it('gives a person the message, code and what to do, and the stack only with --debug', () => {
    const err = glError('GL_CONFIG_INVALID', 'invalid resources in x:\n  a.yaml:3:1: spec: bad');
    const text = formatError(err, { format: 'pretty', debug: false });
    expect(text).toBe(
      `gridlake: GL_CONFIG_INVALID: invalid resources in x:\n  a.yaml:3:1: spec: bad\n  ${WHAT_TO_DO.GL_CONFIG_INVALID}\n`,
    );
    expect(text).not.toMatch(/\n\s+at /);
    expect(formatError(err, { format: 'pretty', debug: true })).toMatch(/\n\s+at /);
    const unexpected = formatError(new TypeError('x is undefined'), { format: 'pretty', debug: false });
    expect(unexpected).toContain('run again with --debug');
    expect(unexpected).not.toMatch(/\n\s+at /);
  });

  it('gives a machine one JSON line, with the stack only with --debug', () => {
    const now = () => new Date('2026-01-01T00:00:00Z');
    const line = formatError(new Error('boom'), { format: 'json', debug: false, now });
    expect(line.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(line)).not.toHaveProperty('stack');
    expect(JSON.parse(formatError(new Error('boom'), { format: 'json', debug: true, now }))).toMatchObject({
      level: 'fatal',
      msg: 'boom',
      stack: expect.stringContaining('Error: boom'),
    });
  });
});
