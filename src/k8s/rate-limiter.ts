/**
 * client-go's default controller rate limiter: the larger of a per-key
 * exponential backoff (5 ms doubling, capped) and an overall token bucket
 * (10 qps, burst 100), so one failing key backs off alone while a storm of
 * failures cannot exceed the bucket's rate (`util/workqueue/default_rate_limiters.go`).
 */
export interface RateLimiterOptions {
  /** first retry delay; default 5 ms */
  readonly baseDelayMs?: number;
  /** cap of the per-key delay; default 1000 s like client-go */
  readonly maxDelayMs?: number;
  /** overall retries per second; default 10 (0 turns the bucket off) */
  readonly qps?: number;
  /** bucket size; default 100 */
  readonly burst?: number;
}

export const RATE_LIMITER_DEFAULTS = { baseDelayMs: 5, maxDelayMs: 1_000_000, qps: 10, burst: 100 } as const;

/** Per-key exponential backoff plus a shared token bucket. */
export class RateLimiter {
  private readonly failures = new Map<string, number>();
  private readonly base: number;
  private readonly max: number;
  private readonly qps: number;
  private readonly burst: number;
  private tokens: number;
  private last: number | undefined;

  constructor(
    options: RateLimiterOptions,
    private readonly now: () => number,
  ) {
    this.base = options.baseDelayMs ?? RATE_LIMITER_DEFAULTS.baseDelayMs;
    this.max = options.maxDelayMs ?? RATE_LIMITER_DEFAULTS.maxDelayMs;
    this.qps = options.qps ?? RATE_LIMITER_DEFAULTS.qps;
    this.burst = options.burst ?? RATE_LIMITER_DEFAULTS.burst;
    this.tokens = this.burst;
  }

  /** The delay before `key` may be retried; each call counts one more failure. */
  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const perKey = Math.min(this.max, this.base * 2 ** Math.min(n, 62));
    return Math.max(perKey, this.reserve());
  }

  /** Forgets the key's failures (call on success). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** How many failures the key has had since it was last forgotten. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  // Takes one token and returns how long until that token exists.
  private reserve(): number {
    if (this.qps <= 0) return 0;
    const now = this.now();
    if (this.last !== undefined)
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.qps) / 1000);
    this.last = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.qps) * 1000);
  }
}
