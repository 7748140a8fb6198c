import { describe, expect, it } from 'vitest';
import { eventually } from '../eventually.js';

describe('eventually', () => {
  it('returns the first value that is not undefined, null or false, retrying throws and those three', async () => {
    const answers: unknown[] = [undefined, null, false, new Error('not yet'), 0];
    const got = await eventually(
      'a zero',
      () => {
        const a = answers.shift();
        if (a instanceof Error) throw a;
        return a as number | undefined | null | false;
      },
      { timeoutMs: 5_000, intervalMs: 1 },
    );
    expect(got).toBe(0);
    expect(answers).toEqual([]);
  });

  it('names what it waited for and the last error once the time is up', async () => {
    const cause = new Error('still 3 pods');
    const err = await eventually(
      'pods gone',
      () => {
        throw cause;
      },
      { timeoutMs: 30, intervalMs: 5 },
    ).catch((e: unknown) => e as Error);
    expect(err.message).toBe('pods gone: not true after 30 ms (last error: still 3 pods)');
    expect(err.cause).toBe(cause);
  });

  it('reports the last value when the probe never threw', async () => {
    await expect(eventually('a leader', () => false, { timeoutMs: 20, intervalMs: 5 })).rejects.toThrow(
      'a leader: not true after 20 ms (last value: false)',
    );
  });
});
