import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, withBackoff, type BackoffPolicy, type Jitter } from '../../src/backoff.js';
import { ManualClock } from '../../src/clock.js';
import { GridlakeError } from '../../src/errors.js';
import { seededRng } from '../../src/random.js';
import { TRANSIENT_BACKOFF } from '../../src/sources/common/backoff-policies.js';

const policy = (jitter: Jitter): BackoffPolicy => ({ baseMs: 100, maxMs: 5000, jitter });
const ceiling = (retry: number): number => Math.min(5000, 100 * 2 ** retry);

describe('backoffDelay', () => {
  it.each([
    [0, 100],
    [1, 200],
    [4, 1600],
    [9, 5000],
    [500, 5000],
  ])('doubles from the base for retry %i up to the cap (%i ms)', (retry, d) => {
    expect(backoffDelay(retry, policy('none'))).toBe(d);
    expect(backoffDelay(retry, policy('equal'), () => 0)).toBe(d / 2);
    expect(backoffDelay(retry, policy('equal'), () => 0.999999)).toBe(d);
    expect(backoffDelay(retry, policy('full'), () => 0)).toBe(0);
    expect(backoffDelay(retry, policy('full'), () => 0.999999)).toBe(d);
  });

  it('keeps every jitter mode within its range below a ceiling that never falls', () => {
    const ranges: Record<Jitter, (d: number) => [number, number]> = {
      none: (d) => [d, d],
      equal: (d) => [d / 2, d],
      full: (d) => [0, d],
    };
    fc.assert(
      fc.property(
        fc.integer({ min: -3, max: 80 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        fc.constantFrom<Jitter>('none', 'equal', 'full'),
        (retry, r, jitter) => {
          const d = ceiling(Math.max(0, retry));
          const [lo, hi] = ranges[jitter](d);
          const delay = backoffDelay(retry, policy(jitter), () => r);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(lo));
          expect(delay).toBeLessThanOrEqual(hi);
          expect(backoffDelay(retry + 1, policy('none'))).toBeGreaterThanOrEqual(backoffDelay(retry, policy('none')));
        },
      ),
    );
  });

  it('spreads retries of many collectors', () => {
    const rng = seededRng(3);
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(2, TRANSIENT_BACKOFF, rng)));
    expect(delays.size).toBeGreaterThan(40);
  });
});

describe('withBackoff', () => {
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
    await clock.runFor(1000);
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

  it('waits the first retry between half and all of initialMs, the next twice that', async () => {
    const clock = new ManualClock();
    const waits: number[] = [];
    const run = withBackoff(
      async (attempt) => {
        if (attempt < 3) throw new Error('flaky');
        return attempt;
      },
      { attempts: 3, initialMs: 100, maxMs: 1000, clock, onRetry: (_, __, delay) => waits.push(delay) },
    );
    await clock.runFor(1000);
    expect(await run).toBe(3);
    expect(waits[0]).toBeGreaterThanOrEqual(50);
    expect(waits[0]).toBeLessThanOrEqual(100);
    expect(waits[1]).toBeGreaterThanOrEqual(100);
    expect(waits[1]).toBeLessThanOrEqual(200);
  });

  it('stops retrying when the signal aborts during a wait', async () => {
    const clock = new ManualClock();
    const stop = new AbortController();
    const run = withBackoff(
      async () => {
        throw new Error('down');
      },
      { attempts: Infinity, initialMs: 1000, maxMs: 1000, clock, signal: stop.signal },
    );
    await clock.runFor(0);
    expect(clock.pending).toBe(1);
    stop.abort();
    await expect(run).rejects.toThrow('down');
    expect(clock.pending).toBe(0);
  });
});
