import type { Rng } from './clock.js';

/** Exponential backoff bounds (ms). */
export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** Defaults for transient errors: 30 s doubling up to 15 min. */
export const TRANSIENT_BACKOFF: BackoffPolicy = { baseMs: 30_000, maxMs: 15 * 60_000 };

/** Defaults for "not published yet": 1 min doubling up to 8 min. */
export const NO_DATA_BACKOFF: BackoffPolicy = { baseMs: 60_000, maxMs: 8 * 60_000 };

/**
 * Delay before retry number `attempt` (0-based): exponential with "equal
 * jitter", i.e. uniformly in [d/2, d] where d = min(max, base·2^attempt), so
 * retries from many collectors spread out but never come back too early.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, rng: Rng): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * Math.pow(2, Math.max(0, Math.min(attempt, 30))));
  return Math.round(exp / 2 + (rng() * exp) / 2);
}
