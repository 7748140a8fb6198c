import type { ReadinessCheck } from '../observe/http-server.js';
import type { Logger } from '../observe/log.js';
import { Controller, type ControllerOptions } from './controller.js';
import type { Informer } from './informer.js';
import type { KubeClient } from './kube-client.js';
import { LeaderElector, type LeaderElectorOptions } from './leader-election.js';
import type { KubeObject } from './object-cache.js';
import { withDefaults, type RuntimeDeps } from './runtime-deps.js';
import type { RuntimeMetrics } from './runtime-metrics.js';

export interface ManagerOptions {
  readonly client: KubeClient;
  readonly metrics?: RuntimeMetrics;
  readonly logger?: Logger;
  readonly deps?: Partial<RuntimeDeps>;
  /** Lease settings; without them this process reconciles as soon as its caches sync (one replica only) */
  readonly leaderElection?: Pick<
    LeaderElectorOptions,
    'namespace' | 'name' | 'identity' | 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs' | 'releaseOnStop'
  >;
  /** how long `stop()` lets queued and running reconciles finish; default 20 s (inside a 30 s grace period) */
  readonly shutdownTimeoutMs?: number;
}

/**
 * Runs controllers the way controller-runtime's manager does: informers start
 * at once (a standby keeps warm caches), reconcilers run only while this
 * process holds the Lease and every informer has synced (a reconcile on a
 * half-filled cache would act on objects it has not seen yet), and `stop()`
 * shuts down in order: stop queueing new keys, drain the queues, stop the
 * watches, release the Lease (no process.exit, no lost work, the standby
 * takes over at once).
 *
 * Unlike controller-runtime, which exits the process when the Lease is lost,
 * this manager pauses every queue, aborts the reconciles in flight through
 * their signal, and campaigns again; on winning it re-queues every key.
 */
export class Manager {
  private readonly deps: RuntimeDeps;
  private readonly controllers: Controller[] = [];
  private readonly extraInformers: Informer[] = [];
  private readonly elector: LeaderElector | undefined;
  private leading = false;
  private started = false;
  private stopping = false;

  constructor(private readonly options: ManagerOptions) {
    this.deps = withDefaults(options.deps);
    const le = options.leaderElection;
    this.elector = le
      ? new LeaderElector({
          ...le,
          client: options.client,
          deps: this.deps,
          ...(options.metrics ? { metrics: options.metrics } : {}),
          ...(options.logger ? { logger: options.logger } : {}),
          onStartedLeading: () => void this.onLeading(),
          onStoppedLeading: (why) => this.onNotLeading(why),
        })
      : undefined;
  }

  get client(): KubeClient {
    return this.options.client;
  }

  /** True while this process may reconcile (holds the Lease, or runs without election). */
  get isLeader(): boolean {
    return this.leading;
  }

  /** Adds a controller; call before `start()`. */
  addController<T extends KubeObject>(options: ControllerOptions<T>): Controller<T> {
    if (this.started) throw new Error('addController after start');
    const c = new Controller<T>(options, {
      deps: this.deps,
      ...(this.options.metrics ? { metrics: this.options.metrics } : {}),
      ...(this.options.logger ? { logger: this.options.logger.child({ controller: options.name }) } : {}),
    });
    this.controllers.push(c as unknown as Controller);
    return c;
  }

  /** Adds an informer that controllers only read (e.g. Secrets); it starts, syncs and stops with the manager. */
  addInformer<T extends KubeObject>(informer: Informer<T>): Informer<T> {
    if (this.started) throw new Error('addInformer after start');
    this.extraInformers.push(informer as unknown as Informer);
    return informer;
  }

  /** Every informer of every controller, plus those added with addInformer, each once. */
  get informers(): Informer[] {
    return [...new Set([...this.controllers.flatMap((c) => c.informers), ...this.extraInformers])];
  }

  /** Starts informers and the campaign for the Lease (or reconciling at once without election). */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const inf of this.informers) inf.start();
    if (this.elector) this.elector.start();
    else void this.onLeading();
  }

  /** Graceful shutdown: stop queueing, drain, stop watches, release the Lease. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const timeoutMs = this.options.shutdownTimeoutMs ?? 20_000;
    await Promise.all(this.controllers.map((c) => c.shutdown({ drain: this.leading, timeoutMs })));
    await Promise.all(this.informers.map((i) => i.stop()));
    await this.elector?.stop();
    this.leading = false;
  }

  /** For /readyz: every informer has synced. A standby is ready too (it can take over at once). */
  readonly readiness: ReadinessCheck = () => {
    const notSynced = this.informers.map((i) => i.readiness()).filter((r): r is string => r !== null);
    return notSynced.length === 0 ? null : notSynced.join('; ');
  };

  private async onLeading(): Promise<void> {
    this.leading = true;
    this.options.logger?.info({}, 'leading: waiting for caches');
    // A reconcile must never read a half-filled cache: wait for every first list.
    for (const inf of this.informers) {
      while (!inf.synced && this.leading && !this.stopping) {
        try {
          await inf.waitForSync(30_000);
        } catch (err) {
          this.options.logger?.warn({ err }, 'informer not synced yet; still waiting');
        }
      }
    }
    if (!this.leading || this.stopping) return;
    for (const c of this.controllers) c.resume();
    this.options.logger?.info({ controllers: this.controllers.map((c) => c.name) }, 'reconciling');
  }

  private onNotLeading(why: 'lost' | 'released'): void {
    this.leading = false;
    for (const c of this.controllers) c.pause();
    if (why === 'lost') this.options.logger?.error({}, 'lost the Lease: reconciles stopped until it is won again');
  }
}
