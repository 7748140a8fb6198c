import { glError } from '../errors.js';
import type { Logger } from '../observe/log.js';
import { apiError, errorReason, isGone, isTooManyRequests } from './api-errors.js';
import { resourcePath, type KubeClient, type WatchEvent } from './kube-client.js';
import { ObjectCache, type CacheEvent, type KubeObject } from './object-cache.js';
import { backoffDelay } from '../backoff.js';
import { withDefaults, type RuntimeDeps } from './runtime-deps.js';
import type { RuntimeMetrics } from './runtime-metrics.js';

/** Which objects an informer follows. */
export interface ResourceRef {
  /** '' for the core group */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  /** the `kind` label of gridlake_informer_restarts_total */
  readonly kind: string;
  /** only this namespace; all namespaces when left out */
  readonly namespace?: string;
}

export interface InformerOptions<T extends KubeObject = KubeObject> {
  readonly client: KubeClient;
  readonly resource: ResourceRef;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** replay every cached object as `resync` this often; default 10 min, 0 = off */
  readonly resyncMs?: number;
  /** list again from the server this often, even when the watch looks healthy; default 60 min, 0 = off */
  readonly relistMs?: number;
  /** restart a watch that delivered no event and no bookmark for this long; default 150 s */
  readonly stallTimeoutMs?: number;
  /** server-side watch timeout, picked at random in this range per watch; default [300, 600] like client-go */
  readonly watchTimeoutSeconds?: readonly [number, number];
  /** restart backoff after errors: first delay and cap; defaults 500 ms and 30 s, with jitter */
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** list page size; default 500 */
  readonly pageSize?: number;
  /**
   * Trims each object before it is cached, like client-go's SetTransform
   * (after managedFields are dropped): the cache, handlers, `get` and `list`
   * see only what it keeps. It must keep `metadata` (keys, resourceVersion,
   * owners) and every field a reader of this informer uses; see
   * src/k8s/transforms.ts.
   */
  readonly transform?: (obj: T) => T;
  readonly metrics?: RuntimeMetrics;
  readonly logger?: Logger;
  readonly deps?: Partial<RuntimeDeps>;
}

/** Why the informer restarted its list/watch (label `reason`). */
export type RestartReason = 'gone' | 'throttled' | 'error' | 'stalled' | 'relist';

interface ListBody {
  readonly metadata?: { readonly resourceVersion?: string; readonly continue?: string };
  readonly items?: KubeObject[];
  readonly kind?: string;
  readonly apiVersion?: string;
}

/**
 * List + watch with a local cache, written for the failure modes of
 * client-node's `ListWatch` (src/cache.ts in client-node 1.4):
 * - ListWatch emits `error` and stops for any error but 410; here
 *   every error restarts the loop, with capped, jittered backoff (so a failing
 *   API server gets no reconnect storm), counted in gridlake_informer_restarts_total.
 * - a watch can go silent (half-open TCP) with no error; here the
 *   server closes each watch after a random 5–10 min (`timeoutSeconds`), the
 *   watch asks for bookmarks (the API server sends one a minute on an idle
 *   watch, measured on v1.34), and a watchdog restarts a watch that saw no
 *   event or bookmark for `stallTimeoutMs`.
 * - 410 Gone / `Expired` (answer or ERROR event) clears the
 *   resourceVersion and relists; the list is diffed against the cache so
 *   objects deleted meanwhile produce `deleted` events.
 * - 429 right after a CRD becomes Established (the watch cache is still
 *   initialising) is retried like any other error.
 * `synced` turns true only after the first complete list.
 */
export class Informer<T extends KubeObject = KubeObject> {
  private readonly deps: RuntimeDeps;
  private readonly cache = new ObjectCache<T>();
  private readonly handlers = new Set<(ev: CacheEvent<T>) => void>();
  private readonly path: string;
  private readonly stopper = new AbortController();
  private running: Promise<void> | undefined;
  private resourceVersion = '';
  private lastListAt = 0;
  private syncWaiters: (() => void)[] = [];
  private hasSynced = false;
  /** the last error, cleared when a watch connects again */
  lastError: unknown;

  constructor(private readonly options: InformerOptions<T>) {
    this.deps = withDefaults(options.deps);
    this.path = resourcePath(options.resource);
  }

  /** Subscribes to cache events; returns the unsubscribe function. */
  on(handler: (ev: CacheEvent<T>) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  get synced(): boolean {
    return this.hasSynced;
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  /** Cached objects, of one namespace when given. */
  list(namespace?: string): T[] {
    const all = this.cache.list();
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  keys(): string[] {
    return this.cache.keys();
  }

  /** Starts listing and watching in the background (idempotent). */
  start(): void {
    this.running ??= Promise.all([this.loop(), this.resyncLoop()]).then(() => undefined);
  }

  /** Stops the watch and the timers; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.running;
  }

  /** Resolves after the first full list; rejects with GL_K8S_CACHE_SYNC_TIMEOUT after `timeoutMs` (default 2 min). */
  async waitForSync(timeoutMs = 120_000): Promise<void> {
    if (this.hasSynced) return;
    const timer = new AbortController();
    const synced = new Promise<'synced'>((resolve) => this.syncWaiters.push(() => resolve('synced')));
    // A stopped informer never syncs: stopping ends the wait as well.
    const until = AbortSignal.any([timer.signal, this.stopper.signal]);
    const outcome = await Promise.race([
      synced,
      this.deps.clock.sleep(timeoutMs, until).then(() => 'timeout' as const),
    ]);
    timer.abort();
    if (outcome === 'timeout')
      throw glError('GL_K8S_CACHE_SYNC_TIMEOUT', `informer for ${this.options.resource.kind} did not sync`, {
        retryable: true,
        context: { kind: this.options.resource.kind, timeoutMs },
        cause: this.lastError,
      });
  }

  /** For /readyz: null when synced, else why not. */
  readonly readiness = (): string | null =>
    this.hasSynced ? null : `informer ${this.options.resource.kind} not synced`;

  private async loop(): Promise<void> {
    const signal = this.stopper.signal;
    let failures = 0;
    let needList = true;
    while (!signal.aborted) {
      try {
        if (needList) {
          await this.relist(signal);
          needList = false;
        }
        const outcome = await this.watchOnce(signal);
        if (outcome.kind === 'restart') {
          this.countRestart(outcome.reason);
          if (outcome.reason === 'relist') needList = true;
        }
        // A watch that ends at once without a single event would otherwise reconnect in a tight loop.
        failures = outcome.productive ? 0 : failures + 1;
      } catch (err) {
        if (signal.aborted) break;
        this.lastError = err;
        const reason: RestartReason = isGone(err) ? 'gone' : isTooManyRequests(err) ? 'throttled' : 'error';
        if (reason === 'gone') {
          this.resourceVersion = '';
          needList = true;
        }
        this.countRestart(reason);
        this.options.logger?.warn(
          { kind: this.options.resource.kind, reason, status: errorReason(err), err },
          'informer restarting',
        );
        // The first 410 relists at once; anything else (and a 410 right after a relist) backs off.
        if (reason === 'gone' && failures === 0) {
          failures++;
          continue;
        }
        failures++;
      }
      if (failures > 0 && !signal.aborted) {
        const base = this.options.backoffBaseMs ?? 500;
        const max = this.options.backoffMaxMs ?? 30_000;
        await this.deps.clock.sleep(
          backoffDelay(failures - 1, { baseMs: base, maxMs: max, jitter: 'equal' }, this.deps.rng),
          signal,
        );
      }
    }
  }

  private async relist(signal: AbortSignal): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let rv = '';
    do {
      const page = await this.options.client.request<ListBody>({
        method: 'GET',
        path: this.path,
        query: {
          limit: this.options.pageSize ?? 500,
          continue: cont,
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
        },
        signal,
        timeoutMs: 60_000,
      });
      const itemKind = page.kind?.replace(/List$/, '');
      for (const item of page.items ?? []) {
        // List items of built-in kinds come without apiVersion/kind; fill them so handlers see whole objects.
        items.push(this.trim({ apiVersion: page.apiVersion, kind: itemKind, ...item } as T));
      }
      cont = page.metadata?.continue || undefined;
      rv = page.metadata?.resourceVersion ?? '';
    } while (cont);
    this.resourceVersion = rv;
    this.lastListAt = this.deps.clock.now();
    this.dispatch(this.cache.replace(items));
    if (!this.hasSynced) {
      this.hasSynced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private async watchOnce(
    stop: AbortSignal,
  ): Promise<
    { kind: 'closed'; productive: boolean } | { kind: 'restart'; reason: RestartReason; productive: boolean }
  > {
    const ctl = new AbortController();
    const onStop = (): void => ctl.abort();
    stop.addEventListener('abort', onStop, { once: true });
    const [lo, hi] = this.options.watchTimeoutSeconds ?? [300, 600];
    const startedAt = this.deps.clock.now();
    let lastSeen = startedAt;
    let events = 0;
    let restart: RestartReason | undefined;
    const watchdog = this.watchdog(
      ctl,
      () => lastSeen,
      (r) => (restart = r),
    );
    try {
      await this.options.client.watch(
        this.path,
        {
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds: Math.round(lo + (hi - lo) * this.deps.rng()),
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
        },
        (ev) => {
          lastSeen = this.deps.clock.now();
          events++;
          this.lastError = undefined;
          this.apply(ev);
        },
        ctl.signal,
      );
    } finally {
      ctl.abort();
      stop.removeEventListener('abort', onStop);
      await watchdog;
    }
    const productive = events > 0 || this.deps.clock.now() - startedAt >= 1000;
    return restart ? { kind: 'restart', reason: restart, productive: true } : { kind: 'closed', productive };
  }

  // Aborts the watch when it stalls or a periodic relist is due.
  private async watchdog(ctl: AbortController, lastSeen: () => number, why: (r: RestartReason) => void): Promise<void> {
    const stall = this.options.stallTimeoutMs ?? 150_000;
    const relist = this.options.relistMs ?? 3_600_000;
    const tick = Math.max(50, Math.min(stall, relist > 0 ? relist : stall) / 10);
    while (!ctl.signal.aborted) {
      await this.deps.clock.sleep(tick, ctl.signal);
      if (ctl.signal.aborted) return;
      const now = this.deps.clock.now();
      if (now - lastSeen() >= stall) {
        why('stalled');
        ctl.abort();
      } else if (relist > 0 && now - this.lastListAt >= relist) {
        why('relist');
        ctl.abort();
      }
    }
  }

  private apply(ev: WatchEvent): void {
    if (ev.type === 'ERROR') {
      // client-node only notes a 410 here and waits for the stream to end; any ERROR means the watch is done.
      const status = ev.object as { code?: number };
      throw apiError(status.code, ev.object, { method: 'WATCH', path: this.path });
    }
    // A bookmark carries only a resourceVersion: nothing to trim or cache.
    const obj = ev.type === 'BOOKMARK' ? (ev.object as unknown as T) : this.trim(ev.object as unknown as T);
    const rv = obj.metadata?.resourceVersion;
    if (ev.type === 'ADDED' || ev.type === 'MODIFIED') this.dispatch([this.cache.upsert(obj)]);
    else if (ev.type === 'DELETED') this.dispatch([this.cache.remove(obj)]);
    if (rv) this.resourceVersion = rv;
  }

  private trim(obj: T): T {
    const lean = withoutManagedFields(obj);
    return this.options.transform ? this.options.transform(lean) : lean;
  }

  private dispatch(events: readonly (CacheEvent<T> | undefined)[]): void {
    for (const ev of events) {
      if (!ev) continue;
      for (const h of this.handlers) {
        try {
          h(ev);
        } catch (err) {
          this.options.logger?.error({ kind: this.options.resource.kind, err }, 'informer handler failed');
        }
      }
    }
  }

  private async resyncLoop(): Promise<void> {
    const every = this.options.resyncMs ?? 600_000;
    if (every <= 0) return;
    const signal = this.stopper.signal;
    while (!signal.aborted) {
      await this.deps.clock.sleep(every, signal);
      if (signal.aborted || !this.hasSynced) continue;
      this.dispatch(this.cache.list().map((object) => ({ type: 'resync', object }) as const));
    }
  }

  private countRestart(reason: RestartReason): void {
    this.options.metrics?.informerRestarts.inc({ kind: this.options.resource.kind, reason });
  }
}

/**
 * Drops `metadata.managedFields` before caching, as client-go's
 * TransformStripManagedFields does: nothing here reads them, and with
 * server-side apply they are often the largest part of an object (a
 * thousand cached objects kept ~2x the memory with them).
 */
export function withoutManagedFields<T extends KubeObject>(obj: T): T {
  if (obj.metadata?.managedFields === undefined) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}
