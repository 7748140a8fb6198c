import { systemClock, type Clock } from './clock.js';
import { GridlakeError } from './errors.js';
import type { Rng } from './random.js';

/**
 * How a delay is spread below its ceiling d: `none` waits d, `equal` waits
 * uniformly in [d/2, d] (spread out, never back too early), `full` uniformly in
 * [0, d].
 */
export type Jitter = 'none' | 'equal' | 'full';

/** Capped exponential backoff. */
export interface BackoffPolicy {
  /** ceiling of the first wait */
  readonly baseMs: number;
  /** ceiling of every wait */
  readonly maxMs: number;
  readonly jitter: Jitter;
}

/**
 * Delay before a retry, after `retry` earlier retries (0 for the first wait):
 * ceiling d = min(maxMs, baseMs·2^retry), spread below d by the policy's jitter.
 */
export function backoffDelay(retry: number, policy: BackoffPolicy, rng: Rng = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, Math.min(retry, 62)));
  switch (policy.jitter) {
    case 'none':
      return ceiling;
    case 'equal':
      return Math.round(ceiling / 2 + (rng() * ceiling) / 2);
    case 'full':
      return Math.round(rng() * ceiling);
  }
}

/** Options of `withBackoff`; the waits use equal jitter. */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** attempts in total; Infinity retries until the signal aborts */
  readonly attempts: number;
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
  readonly onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** Whether an error is worth retrying: retryable GridlakeErrors and anything that is not a GridlakeError. */
export function isRetryable(err: unknown): boolean {
  return err instanceof GridlakeError ? err.retryable : true;
}

/** Runs `fn` (attempts numbered from 1) until it succeeds, the error is not retryable, attempts run out or the signal aborts. */
export async function withBackoff<T>(fn: (attempt: number) => Promise<T>, options: BackoffOptions): Promise<T> {
  const clock = options.clock ?? systemClock;
  const policy: BackoffPolicy = { baseMs: options.initialMs, maxMs: options.maxMs, jitter: 'equal' };
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isRetryable(err) || attempt >= options.attempts || options.signal?.aborted) throw err;
      const delay = backoffDelay(attempt - 1, policy);
      options.onRetry?.(err, attempt, delay);
      await clock.sleep(delay, options.signal);
      if (options.signal?.aborted) throw err;
    }
  }
}
