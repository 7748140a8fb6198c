import { sleep } from '../../sleep.js';

/** Time comes in through these, so schedules run on a fake clock in tests. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** Waits `ms` milliseconds of the matching clock, or less when `signal` aborts (its timer then goes too). */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Uniform random number in [0, 1). */
export type Rng = () => number;

/** The clock, sleep and randomness a scheduling component needs. */
export interface TimeDeps {
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly rng: Rng;
}

/** Wall-clock time for production wiring. */
export const systemClock: Clock = { now: () => Date.now() };

/** Real sleep for production wiring. */
export const systemSleep: Sleep = sleep;

/**
 * A clock that only moves when told to; its `sleep` advances it instantly, so a
 * day of scheduling runs in milliseconds of real time.
 */
export class ManualClock implements Clock {
  #now: number;

  constructor(startMs: number) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  /** Moves time forward (never backward). */
  advance(ms: number): void {
    if (ms > 0) this.#now += ms;
  }

  /** Moves time forward to `ms` if that is later than now. */
  advanceTo(ms: number): void {
    if (ms > this.#now) this.#now = ms;
  }

  /** A `Sleep` bound to this clock. */
  readonly sleep: Sleep = async (ms: number) => {
    this.advance(ms);
  };
}

/** Deterministic PRNG (mulberry32) for tests, the simulator and jitter with a seed. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
