import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, TRANSIENT_BACKOFF } from '../../../../src/sources/shared/backoff.js';
import { seededRng } from '../../../../src/sources/shared/clock.js';

describe('backoffDelay', () => {
  it('doubles with equal jitter and stays within the cap', () => {
    fc.assert(
      fc.property(fc.nat(40), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const d = backoffDelay(attempt, TRANSIENT_BACKOFF, () => r);
        const full = Math.min(TRANSIENT_BACKOFF.maxMs, TRANSIENT_BACKOFF.baseMs * 2 ** attempt);
        expect(d).toBeGreaterThanOrEqual(full / 2 - 1);
        expect(d).toBeLessThanOrEqual(full);
      }),
    );
  });

  it('spreads retries of many collectors', () => {
    const rng = seededRng(3);
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelay(2, TRANSIENT_BACKOFF, rng)));
    expect(delays.size).toBeGreaterThan(40);
  });
});
