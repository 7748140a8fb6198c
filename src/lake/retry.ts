import { GridlakeError } from '../errors.js';
import { systemClock, type Clock } from '../bus/clock.js';

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** attempts in total; Infinity retries until the signal aborts */
  readonly attempts: number;
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
  readonly onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** Delay before retry number `attempt` (1-based): exponential with full jitter, capped. */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Whether an error is worth retrying: retryable GridlakeErrors and anything that is not a GridlakeError. */
export function isRetryable(err: unknown): boolean {
  return err instanceof GridlakeError ? err.retryable : true;
}

/** Runs `fn` until it succeeds, the error is not retryable, attempts run out or the signal aborts. */
export async function withBackoff<T>(fn: (attempt: number) => Promise<T>, options: BackoffOptions): Promise<T> {
  const clock = options.clock ?? systemClock;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isRetryable(err) || attempt >= options.attempts || options.signal?.aborted) throw err;
      const delay = backoffDelay(attempt, options.initialMs, options.maxMs);
      options.onRetry?.(err, attempt, delay);
      await clock.sleep(delay, options.signal);
      if (options.signal?.aborted) throw err;
    }
  }
}
