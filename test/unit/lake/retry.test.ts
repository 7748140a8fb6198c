import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/bus/clock.js';
import { GridlakeError } from '../../../src/errors.js';
import { backoffDelay, withBackoff } from '../../../src/lake/retry.js';

describe('backoff', () => {
  it.each([
    [1, 100, 100],
    [2, 200, 200],
    [5, 1600, 1600],
    [10, 5000, 5000],
  ])('keeps retry %i between half and all of %i ms (cap %i)', (attempt, ceiling) => {
    expect(backoffDelay(attempt, 100, 5000, () => 0)).toBe(ceiling / 2);
    expect(backoffDelay(attempt, 100, 5000, () => 1)).toBe(ceiling);
  });

  it('retries retryable failures and gives up on the others', async () => {
    const clock = new ManualClock();
    let calls = 0;
    const run = withBackoff(
      async () => {
        calls++;
        if (calls < 3) throw new GridlakeError('GL_LAKE_STORE_UNAVAILABLE', 'down', { retryable: true });
        return 'ok';
      },
      { attempts: 5, initialMs: 100, maxMs: 1000, clock },
    );
    for (let i = 0; i < 5; i++) {
      await Promise.resolve();
      await new Promise((r) => setImmediate(r));
      clock.advance(1000);
    }
    expect(await run).toBe('ok');
    expect(calls).toBe(3);
    await expect(
      withBackoff(
        async () => {
          throw new GridlakeError('GL_CONFIG_INVALID', 'bad');
        },
        { attempts: 5, initialMs: 1, maxMs: 1, clock },
      ),
    ).rejects.toMatchObject({ code: 'GL_CONFIG_INVALID' });
  });
});
