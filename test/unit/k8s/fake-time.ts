import type { RuntimeDeps } from '../../../src/k8s/runtime-deps.js';

/**
 * A fake clock for the runtime: `sleep` waits for `advance`, which moves time
 * sleeper by sleeper and lets promise chains settle in between, so code that
 * sleeps in a loop runs the same way it would in real time.
 */
export class FakeTime implements RuntimeDeps {
  private current: number;
  private sleepers: { until: number; seq: number; wake: () => void }[] = [];
  private seq = 0;
  readonly clock = { now: (): number => this.current };
  readonly rng: () => number;

  constructor(start = 1_700_000_000_000, rng: () => number = () => 0.5) {
    this.current = start;
    this.rng = rng;
  }

  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const entry = { until: this.current + Math.max(0, ms), seq: this.seq++, wake: resolve };
      this.sleepers.push(entry);
      signal?.addEventListener(
        'abort',
        () => {
          this.sleepers = this.sleepers.filter((s) => s !== entry);
          resolve();
        },
        { once: true },
      );
    });

  now(): number {
    return this.current;
  }

  /** Number of sleepers not yet woken. */
  get pending(): number {
    return this.sleepers.length;
  }

  /** Moves time forward by `ms`, waking sleepers in deadline order. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await flush();
    for (;;) {
      this.sleepers.sort((a, b) => a.until - b.until || a.seq - b.seq);
      const next = this.sleepers[0];
      if (!next || next.until > target) break;
      this.sleepers.shift();
      this.current = Math.max(this.current, next.until);
      next.wake();
      await flush();
    }
    this.current = target;
    await flush();
  }
}

/** Lets pending promise callbacks run. */
export async function flush(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}
