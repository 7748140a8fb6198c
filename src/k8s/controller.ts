import type { Logger } from '../observe/log.js';
import { isConflict } from './api-errors.js';
import type { Informer } from './informer.js';
import { objectKey, type CacheEvent, type KubeObject } from './object-cache.js';
import type { RateLimiterOptions } from './rate-limiter.js';
import { withDefaults, type RuntimeDeps } from './runtime-deps.js';
import type { RuntimeMetrics } from './runtime-metrics.js';
import { deepEqual } from './status-writer.js';
import { WorkQueue, type WorkResult } from './work-queue.js';

/** What a reconcile asks for next. Errors are thrown: they retry with per-key backoff. */
export type ReconcileResult = { readonly kind: 'done' } | { readonly kind: 'requeue'; readonly afterMs: number };

export interface ReconcileContext {
  /** aborts when the Lease is lost or shutdown stops waiting; pass it to API calls */
  readonly signal: AbortSignal;
  /** failures of this key since its last success */
  readonly retries: number;
}

export type Reconciler = (key: string, ctx: ReconcileContext) => Promise<ReconcileResult>;

/** An error a retry cannot fix: counted and logged, not requeued (controller-runtime's TerminalError). */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/** Another informer whose events wake keys of this controller (e.g. owned children → their owner). */
export interface Watched {
  readonly informer: Informer;
  readonly keys: (obj: KubeObject) => readonly string[];
}

export interface ControllerOptions<T extends KubeObject = KubeObject> {
  /** the `controller` label and queue name, e.g. `dailyjoin` */
  readonly name: string;
  /** the primary kind: its keys are what `reconcile` receives */
  readonly for: Informer<T>;
  readonly watches?: readonly Watched[];
  readonly reconcile: Reconciler;
  /** default 1, as in controller-runtime */
  readonly maxConcurrency?: number;
  /** which primary events queue a key; default `specOrMetadataChanged` */
  readonly filter?: (ev: CacheEvent<T>) => boolean;
  readonly rateLimiter?: RateLimiterOptions;
}

/**
 * Drops updates of the primary kind that changed neither `generation` nor the
 * metadata a controller acts on, i.e. its own status writes (else each status
 * write wakes the controller again: a hot loop; like
 * controller-runtime's GenerationChangedPredicate). Kinds without a generation
 * pass. A wiped status is still repaired: resync events always pass.
 */
export function specOrMetadataChanged(ev: CacheEvent<KubeObject>): boolean {
  if (ev.type !== 'updated') return true;
  const o = ev.old.metadata;
  const n = ev.object.metadata;
  if (n.generation === undefined) return true;
  return (
    o.generation !== n.generation ||
    o.deletionTimestamp !== n.deletionTimestamp ||
    !deepEqual(o.labels ?? {}, n.labels ?? {}) ||
    !deepEqual(o.annotations ?? {}, n.annotations ?? {}) ||
    !deepEqual(o.finalizers ?? [], n.finalizers ?? [])
  );
}

/** Maps an owned object to the key of its controlling owner of `ownerKind` (same namespace). */
export function controllerOwnerKeys(ownerKind: string): (obj: KubeObject) => string[] {
  return (obj) =>
    (obj.metadata.ownerReferences ?? [])
      .filter((r) => r.controller === true && r.kind === ownerKind)
      .map((r) => (obj.metadata.namespace ? `${obj.metadata.namespace}/${r.name}` : r.name));
}

/** One controller: informer events → keys → work queue → reconcile, with controller_runtime_* metrics. */
export class Controller<T extends KubeObject = KubeObject> {
  readonly queue: WorkQueue;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly options: ControllerOptions<T>,
    private readonly env: { metrics?: RuntimeMetrics; logger?: Logger; deps: RuntimeDeps },
  ) {
    const maxConcurrency = options.maxConcurrency ?? 1;
    env.metrics?.maxConcurrent.set({ controller: options.name }, maxConcurrency);
    env.metrics?.activeWorkers.set({ controller: options.name }, 0);
    // As controller-runtime does: error and result series exist at 0 before the first reconcile.
    env.metrics?.reconcileErrors.inc({ controller: options.name }, 0);
    for (const result of ['success', 'error', 'requeue', 'requeue_after'])
      env.metrics?.reconcileTotal.inc({ controller: options.name, result }, 0);
    this.queue = new WorkQueue({
      ...options.rateLimiter,
      name: options.name,
      maxConcurrency,
      paused: true,
      handler: (key, signal) => this.process(key, signal),
      deps: env.deps,
      ...(env.metrics ? { metrics: env.metrics } : {}),
    });
    const filter = options.filter ?? specOrMetadataChanged;
    this.unsubscribe.push(
      options.for.on((ev) => {
        if (ev.type === 'resync' || filter(ev)) this.queue.add(objectKey(ev.object));
      }),
    );
    for (const w of options.watches ?? []) {
      this.unsubscribe.push(
        w.informer.on((ev) => {
          const keys = new Set(w.keys(ev.object));
          if (ev.type === 'updated') for (const k of w.keys(ev.old)) keys.add(k);
          for (const k of keys) this.queue.add(k);
        }),
      );
    }
  }

  get name(): string {
    return this.options.name;
  }

  /** The informers this controller reads. */
  get informers(): Informer[] {
    return [this.options.for as unknown as Informer, ...(this.options.watches ?? []).map((w) => w.informer)];
  }

  /** Starts reconciling: every cached key is queued once (dedupe keeps what is queued already). */
  resume(): void {
    for (const key of this.options.for.keys()) this.queue.add(key);
    this.queue.resume();
  }

  /** Stops taking keys and aborts reconciles in flight (the Lease was lost). */
  pause(): void {
    this.queue.pause();
    this.queue.abortInFlight();
  }

  /** Stops listening to informers and drains the queue (see WorkQueue.shutdown). */
  async shutdown(options: { drain: boolean; timeoutMs: number }): Promise<void> {
    for (const u of this.unsubscribe) u();
    await this.queue.shutdown(options);
  }

  private async process(key: string, signal: AbortSignal): Promise<WorkResult> {
    const { metrics, logger, deps } = this.env;
    const controller = this.options.name;
    const started = deps.clock.now();
    metrics?.activeWorkers.inc({ controller });
    let result: WorkResult;
    let label: 'success' | 'error' | 'requeue' | 'requeue_after';
    try {
      const r = await this.options.reconcile(key, { signal, retries: this.queue.numRequeues(key) });
      if (r.kind === 'done') {
        result = { kind: 'done' };
        label = 'success';
      } else {
        result = { kind: 'requeue', afterMs: r.afterMs };
        label = 'requeue_after';
      }
    } catch (err) {
      if (err instanceof TerminalError) {
        logger?.error({ controller, key, err }, 'reconcile failed for good');
        metrics?.reconcileErrors.inc({ controller });
        result = { kind: 'done' };
        label = 'error';
      } else if (isConflict(err)) {
        // Optimistic concurrency (409 Conflict): someone changed the object; read it again after a short backoff.
        logger?.debug({ controller, key }, 'reconcile hit a conflict; requeued');
        result = { kind: 'retry' };
        label = 'requeue';
      } else {
        logger?.warn({ controller, key, err, retries: this.queue.numRequeues(key) }, 'reconcile failed; retrying');
        metrics?.reconcileErrors.inc({ controller });
        result = { kind: 'retry' };
        label = 'error';
      }
    } finally {
      metrics?.activeWorkers.dec({ controller });
    }
    metrics?.reconcileTotal.inc({ controller, result: label });
    metrics?.reconcileTime.observe({ controller }, (deps.clock.now() - started) / 1000);
    return result;
  }
}

/** Builds a controller outside a Manager (tests); the Manager's `addController` is the usual way. */
export function createController<T extends KubeObject>(
  options: ControllerOptions<T>,
  env: { metrics?: RuntimeMetrics; logger?: Logger; deps?: Partial<RuntimeDeps> } = {},
): Controller<T> {
  return new Controller(options, { ...env, deps: withDefaults(env.deps) });
}
