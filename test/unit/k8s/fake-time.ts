import { ManualClock, settle } from '../../../src/clock.js';
import type { RuntimeDeps } from '../../../src/k8s/runtime-deps.js';
import type { Rng } from '../../../src/random.js';

/**
 * The runtime's deps on a manual clock: `advance` moves time sleeper by
 * sleeper and lets promise chains settle in between, so code that sleeps in a
 * loop runs the same way it would in real time.
 */
export class FakeTime implements RuntimeDeps {
  readonly clock: ManualClock;
  readonly rng: Rng;

  constructor(start = 1_700_000_000_000, rng: Rng = () => 0.5) {
    this.clock = new ManualClock(start);
    this.rng = rng;
  }

  now(): number {
    return this.clock.now();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.clock.sleep(ms, signal);
  }

  /** Number of sleepers not yet woken. */
  get pending(): number {
    return this.clock.pending;
  }

  /** Moves time forward by `ms`, waking sleepers in deadline order. */
  advance(ms: number): Promise<void> {
    return this.clock.runFor(ms);
  }
}

/** Lets pending promise callbacks run. */
export const flush = settle;
