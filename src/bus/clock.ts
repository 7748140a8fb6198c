import { sleep } from '../sleep.js';

/** Time and timers behind an interface so tests do not depend on wall time. */
export interface Clock {
  /** epoch milliseconds */
  now(): number;
  /** resolves after `ms` (or earlier when the signal aborts) */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep,
};

/** A clock moved by hand; sleepers wake when time passes their deadline. */
export class ManualClock implements Clock {
  private current: number;
  private sleepers: { until: number; wake: () => void }[] = [];

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const entry = { until: this.current + ms, wake: resolve };
      this.sleepers.push(entry);
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  /** Moves time forward and wakes every sleeper that is due. */
  advance(ms: number): void {
    this.current += ms;
    const due = this.sleepers.filter((s) => s.until <= this.current);
    this.sleepers = this.sleepers.filter((s) => s.until > this.current);
    for (const s of due) s.wake();
  }
}
