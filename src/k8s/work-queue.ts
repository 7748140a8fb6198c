import { assertNever } from '../errors.js';
import { RateLimiter, type RateLimiterOptions } from './rate-limiter.js';
import { withDefaults, type RuntimeDeps } from './runtime-deps.js';
import type { RuntimeMetrics } from './runtime-metrics.js';

/** What processing one key asks the queue to do next. */
export type WorkResult =
  | { readonly kind: 'done' }
  | { readonly kind: 'requeue'; readonly afterMs: number }
  /** failed: retry with the key's exponential backoff */
  | { readonly kind: 'retry' };

/** Processes one key; the signal aborts when shutdown gives up waiting or the lease is lost. */
export type WorkHandler = (key: string, signal: AbortSignal) => Promise<WorkResult>;

export interface WorkQueueOptions extends RateLimiterOptions {
  /** the `name` label of the workqueue_* metrics */
  readonly name: string;
  readonly handler: WorkHandler;
  /** keys processed at once (never the same key twice); default 1 */
  readonly maxConcurrency?: number;
  readonly metrics?: RuntimeMetrics;
  readonly deps?: Partial<RuntimeDeps>;
  /** a handler threw (the key is retried with backoff) */
  readonly onError?: (key: string, err: unknown) => void;
  /** start paused (e.g. until the Lease is won); default false */
  readonly paused?: boolean;
}

/**
 * A keyed, deduplicating, rate-limited work queue that runs its own workers.
 *
 * client-node has no work queue: its informer callbacks fire per
 * event, so async handlers overlap, reorder and lose errors. Here, as in
 * client-go: a key added while queued is queued once (`dirty`); a key added
 * while it is being processed is processed once more afterwards, never
 * concurrently with itself (`processing`); failures back off per key
 * (5 ms doubling, capped) and `forget` happens only on success.
 */
export class WorkQueue {
  private readonly deps: RuntimeDeps;
  private readonly limiter: RateLimiter;
  private readonly queue: string[] = [];
  private readonly dirty = new Map<string, number>(); // key -> time it was queued
  private readonly processing = new Map<string, number>(); // key -> time processing started
  private readonly waiting = new Map<string, { readonly readyAt: number; readonly cancel: AbortController }>();
  private inflight = new AbortController();
  private readonly maxConcurrency: number;
  private paused: boolean;
  private shuttingDown = false;
  private draining = false;
  private idleWaiters: (() => void)[] = [];
  private readonly collect = (): void => this.observeRunning();

  constructor(private readonly options: WorkQueueOptions) {
    this.deps = withDefaults(options.deps);
    this.limiter = new RateLimiter(options, () => this.deps.clock.now());
    this.maxConcurrency = Math.max(1, options.maxConcurrency ?? 1);
    this.paused = options.paused ?? false;
    options.metrics?.collectors.add(this.collect);
    this.setDepth();
  }

  /** Queues `key` unless it is already queued; a key being processed runs again after. */
  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.set(key, this.deps.clock.now());
    this.options.metrics?.queueAdds.inc({ name: this.options.name });
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.setDepth();
    this.pump();
  }

  /** Queues `key` after `ms`; of several pending delays for one key the earliest wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) return this.add(key);
    const readyAt = this.deps.clock.now() + ms;
    const pending = this.waiting.get(key);
    if (pending && pending.readyAt <= readyAt) return;
    pending?.cancel.abort();
    const cancel = new AbortController();
    const entry = { readyAt, cancel };
    this.waiting.set(key, entry);
    void this.deps.clock.sleep(ms, cancel.signal).then(() => {
      if (cancel.signal.aborted || this.waiting.get(key) !== entry) return;
      this.waiting.delete(key);
      this.add(key);
    });
  }

  /** Queues `key` after its backoff delay and counts a retry. */
  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    this.options.metrics?.queueRetries.inc({ name: this.options.name });
    this.addAfter(key, this.limiter.when(key));
  }

  /** Resets the key's backoff; called on success. */
  forget(key: string): void {
    this.limiter.forget(key);
  }

  /** Failures of `key` since its last success. */
  numRequeues(key: string): number {
    return this.limiter.retries(key);
  }

  /** Keys waiting to be processed (not counting delayed adds or keys in flight). */
  get depth(): number {
    return this.queue.length;
  }

  /** Keys being processed now. */
  get active(): number {
    return this.processing.size;
  }

  /** Keys whose delayed add has not fired yet. */
  get delayed(): number {
    return this.waiting.size;
  }

  /** Stops taking new keys (keys in flight finish); adds still dedupe and wait. */
  pause(): void {
    this.paused = true;
  }

  /** Starts taking keys again. */
  resume(): void {
    this.paused = false;
    if (this.inflight.signal.aborted) this.inflight = new AbortController();
    this.pump();
  }

  /** Aborts the signal of every handler running now (e.g. the Lease was lost). */
  abortInFlight(): void {
    this.inflight.abort();
  }

  /**
   * Stops accepting keys and cancels delayed adds. With `drain` (default) the
   * keys already queued are still processed; then it waits for handlers in
   * flight, at most `timeoutMs` (then their signals abort and it returns).
   */
  async shutdown(options: { drain?: boolean; timeoutMs?: number } = {}): Promise<void> {
    this.shuttingDown = true;
    for (const w of this.waiting.values()) w.cancel.abort();
    this.waiting.clear();
    this.draining = (options.drain ?? true) && !this.paused;
    if (!this.draining) {
      for (const key of this.queue) this.dirty.delete(key);
      this.queue.length = 0;
      this.setDepth();
    }
    this.pump();
    const idle = new Promise<void>((resolve) => {
      if (this.isIdle()) resolve();
      else this.idleWaiters.push(resolve);
    });
    const timeout = new AbortController();
    const timedOut = this.deps.clock.sleep(options.timeoutMs ?? 30_000, timeout.signal).then(() => 'timeout' as const);
    const outcome = await Promise.race([idle.then(() => 'idle' as const), timedOut]);
    timeout.abort();
    if (outcome === 'timeout') this.inflight.abort();
    this.options.metrics?.collectors.delete(this.collect);
  }

  private isIdle(): boolean {
    return this.processing.size === 0 && (!this.draining || this.queue.length === 0);
  }

  private pump(): void {
    const takes = !this.paused && (!this.shuttingDown || this.draining);
    while (takes && this.processing.size < this.maxConcurrency && this.queue.length > 0) {
      const key = this.queue.shift() as string;
      const queuedAt = this.dirty.get(key) ?? this.deps.clock.now();
      this.dirty.delete(key);
      const startedAt = this.deps.clock.now();
      this.processing.set(key, startedAt);
      this.options.metrics?.queueDuration.observe({ name: this.options.name }, (startedAt - queuedAt) / 1000);
      void this.run(key, startedAt);
    }
    this.setDepth();
    if (this.isIdle()) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async run(key: string, startedAt: number): Promise<void> {
    let result: WorkResult;
    try {
      result = await this.options.handler(key, this.inflight.signal);
    } catch (err) {
      this.options.onError?.(key, err);
      result = { kind: 'retry' };
    }
    this.options.metrics?.workDuration.observe({ name: this.options.name }, (this.deps.clock.now() - startedAt) / 1000);
    this.processing.delete(key);
    // A key added while it was processed goes back in line now.
    if (this.dirty.has(key)) this.queue.push(key);
    switch (result.kind) {
      case 'done':
        this.forget(key);
        break;
      case 'requeue':
        this.forget(key);
        this.addAfter(key, result.afterMs);
        break;
      case 'retry':
        this.addRateLimited(key);
        break;
      default:
        assertNever(result);
    }
    this.pump();
  }

  private setDepth(): void {
    this.options.metrics?.queueDepth.set({ name: this.options.name }, this.queue.length);
  }

  private observeRunning(): void {
    const m = this.options.metrics;
    if (!m) return;
    const now = this.deps.clock.now();
    let longest = 0;
    let total = 0;
    for (const started of this.processing.values()) {
      const s = (now - started) / 1000;
      total += s;
      longest = Math.max(longest, s);
    }
    m.longestRunning.set({ name: this.options.name }, longest);
    m.unfinishedWork.set({ name: this.options.name }, total);
  }
}
