/**
 * Time and timers behind one interface, so schedules, retries and flush ages
 * run on a simulated or manual clock in tests and the simulator.
 */
export interface Clock {
  /** epoch milliseconds */
  now(): number;
  /**
   * Resolves after `ms` of this clock, or as soon as `signal` aborts; never
   * rejects.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Waits `ms` of real time, or less when `signal` aborts; never rejects. The
 * timer is cleared on abort: a pending timer would keep a stopped process
 * alive until it fires (an idle collector's next poll is up to an hour away).
 */
function wallSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The wall clock and real timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: wallSleep,
};

interface Sleeper {
  readonly until: number;
  readonly seq: number;
  readonly wake: () => void;
}

/**
 * A clock for tests. One rule: a sleeper wakes when the clock's time reaches
 * its deadline, and time moves only forward, by `advance`/`advanceTo`/`runFor`,
 * or (with `autoAdvance`) by a sleep itself, which jumps time to its own
 * deadline so a simulated day of scheduling runs in milliseconds.
 */
export class ManualClock implements Clock {
  #now: number;
  #sleepers: Sleeper[] = [];
  #seq = 0;
  readonly #autoAdvance: boolean;

  constructor(startMs = 0, options: { readonly autoAdvance?: boolean } = {}) {
    this.#now = startMs;
    this.#autoAdvance = options.autoAdvance ?? false;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    const until = this.#now + Math.max(0, ms);
    if (until <= this.#now) return Promise.resolve();
    const done = new Promise<void>((resolve) => {
      const onAbort = (): void => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        resolve();
      };
      const sleeper: Sleeper = {
        until,
        seq: this.#seq++,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.#sleepers.push(sleeper);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    if (this.#autoAdvance) this.advanceTo(until);
    return done;
  }

  /** Sleepers not yet woken. */
  get pending(): number {
    return this.#sleepers.length;
  }

  /** The earliest deadline of a pending sleeper, if any. */
  get nextWakeAt(): number | undefined {
    let next: number | undefined;
    for (const s of this.#sleepers) if (next === undefined || s.until < next) next = s.until;
    return next;
  }

  /** Moves time forward by `ms` (never backward), waking the sleepers it reaches in deadline order. */
  advance(ms: number): void {
    this.advanceTo(this.#now + ms);
  }

  /** Moves time forward to `ms` if that is later than now, waking the sleepers it reaches in deadline order. */
  advanceTo(ms: number): void {
    for (let next = this.#takeDue(ms); next !== undefined; next = this.#takeDue(ms)) {
      this.#now = Math.max(this.#now, next.until);
      next.wake();
    }
    if (ms > this.#now) this.#now = ms;
  }

  /**
   * Moves time forward by `ms` like `advance`, one deadline at a time, letting
   * promise callbacks run after each wake: a loop that sleeps again within the
   * span wakes again, at the time it would in real time.
   */
  async runFor(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settle();
    for (let next = this.#takeDue(target); next !== undefined; next = this.#takeDue(target)) {
      this.#now = Math.max(this.#now, next.until);
      next.wake();
      await settle();
    }
    if (target > this.#now) this.#now = target;
    await settle();
  }

  /** Removes and returns the earliest sleeper due by `ms` (first come first woken on a tie). */
  #takeDue(ms: number): Sleeper | undefined {
    let best = -1;
    for (let i = 0; i < this.#sleepers.length; i++) {
      const s = this.#sleepers[i]!;
      const b = this.#sleepers[best];
      if (s.until <= ms && (b === undefined || s.until < b.until || (s.until === b.until && s.seq < b.seq))) best = i;
    }
    return best < 0 ? undefined : this.#sleepers.splice(best, 1)[0];
  }
}

/** Lets pending promise callbacks and I/O callbacks run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}
