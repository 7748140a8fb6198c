import { sleep } from '../sleep.js';

/**
 * Time, timers and randomness for the controller runtime, injected so unit
 * tests drive the work queue, informer and elector with a fake clock.
 */
export interface RuntimeDeps {
  /** epoch milliseconds */
  readonly clock: { now(): number };
  /** resolves after `ms`, or as soon as the signal aborts (it never rejects) */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** uniform in [0, 1) */
  readonly rng: () => number;
}

/** The real clock, timers and Math.random. */
export const systemDeps: RuntimeDeps = {
  clock: { now: () => Date.now() },
  sleep,
  rng: () => Math.random(),
};

/** Fills the parts of `deps` a caller left out with the real ones. */
export function withDefaults(deps: Partial<RuntimeDeps> | undefined): RuntimeDeps {
  return { ...systemDeps, ...deps };
}

/** Capped exponential backoff: base·2^attempt, at most `maxMs`, times a jitter factor in [1-j, 1]. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, rng?: () => number, jitter = 0): number {
  const raw = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 62));
  if (!rng || jitter <= 0) return raw;
  return Math.round(raw * (1 - jitter * rng()));
}
