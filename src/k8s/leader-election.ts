import { glError } from '../errors.js';
import type { Logger } from '../observe/log.js';
import { isConflict, isNotFound, isAlreadyExists } from './api-errors.js';
import type { KubeClient } from './kube-client.js';
import { withDefaults, type RuntimeDeps } from './runtime-deps.js';
import type { RuntimeMetrics } from './runtime-metrics.js';

export interface LeaderElectorOptions {
  readonly client: KubeClient;
  /** where the Lease lives and its name (also the `name` label of leader_election_master_status) */
  readonly namespace: string;
  readonly name: string;
  /** unique per process, e.g. `<pod name>_<random>` */
  readonly identity: string;
  /** how long a Lease is honoured after its holder's last renewal; default 15 s */
  readonly leaseDurationMs?: number;
  /** the leader gives up when it could not renew for this long; default 10 s (must be < leaseDurationMs) */
  readonly renewDeadlineMs?: number;
  /** pause between attempts; default 2 s */
  readonly retryPeriodMs?: number;
  /** on stop, hand the Lease over at once instead of letting it expire; default true */
  readonly releaseOnStop?: boolean;
  readonly onStartedLeading?: () => void;
  /** called when leadership ends: lost (renewal failed or taken) or released on stop */
  readonly onStoppedLeading?: (why: 'lost' | 'released') => void;
  readonly metrics?: RuntimeMetrics;
  readonly logger?: Logger;
  readonly deps?: Partial<RuntimeDeps>;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: LeaseSpec;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, the client-go algorithm
 * (client-node has none). Timing follows controller-runtime's
 * defaults (15 s / 10 s / 2 s). As in client-go, expiry is judged by this
 * process's own clock from the moment it last saw the Lease record change,
 * never by comparing `renewTime` with the local clock, so clock skew between
 * replicas cannot make two leaders. Every write carries the resourceVersion it
 * read: of two candidates racing for a free Lease, one gets 409 and stays a
 * standby. The leader stops acting after `renewDeadlineMs` without a renewal,
 * before any other candidate may take over (`leaseDurationMs` later).
 */
export class LeaderElector {
  private readonly deps: RuntimeDeps;
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private readonly retryMs: number;
  private readonly stopper = new AbortController();
  private running: Promise<void> | undefined;
  private leading = false;
  private observed: { record: string; at: number; lease: Lease } | undefined;

  constructor(private readonly options: LeaderElectorOptions) {
    this.deps = withDefaults(options.deps);
    this.leaseMs = options.leaseDurationMs ?? 15_000;
    this.renewMs = options.renewDeadlineMs ?? 10_000;
    this.retryMs = options.retryPeriodMs ?? 2_000;
    if (!(this.renewMs < this.leaseMs))
      throw glError('GL_CONFIG_INVALID', 'renewDeadlineMs must be shorter than leaseDurationMs', {
        context: { name: options.name, leaseDurationMs: this.leaseMs, renewDeadlineMs: this.renewMs },
      });
    options.metrics?.leaderStatus.set({ name: options.name }, 0);
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The holder this process last saw in the Lease ('' when free or unknown). */
  get observedLeader(): string {
    return this.observed?.lease.spec.holderIdentity ?? '';
  }

  /** Campaigns in the background: acquire, renew, and campaign again after a loss, until stopped. */
  start(): void {
    this.running ??= this.campaign();
  }

  /** Stops campaigning; a leader releases the Lease (unless releaseOnStop is false). */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.running;
  }

  private async campaign(): Promise<void> {
    const signal = this.stopper.signal;
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew()) {
        this.setLeading(true);
        await this.renewLoop(signal);
        if (signal.aborted) break;
        this.setLeading(false, 'lost');
      }
      await this.deps.clock.sleep(this.nextAttemptIn(), signal);
    }
    if (this.leading) {
      if (this.options.releaseOnStop ?? true) await this.release();
      this.setLeading(false, 'released');
    }
  }

  private async renewLoop(signal: AbortSignal): Promise<void> {
    let lastRenew = this.deps.clock.now();
    while (!signal.aborted) {
      await this.deps.clock.sleep(this.retryMs, signal);
      if (signal.aborted) return;
      const left = lastRenew + this.renewMs - this.deps.clock.now();
      const ok = left > 0 && (await this.tryAcquireOrRenew(Math.max(500, Math.min(left, this.retryMs * 2))));
      if (ok) lastRenew = this.deps.clock.now();
      else if (this.deps.clock.now() - lastRenew >= this.renewMs || this.heldByOther()) {
        this.options.logger?.warn({ lease: this.options.name, identity: this.options.identity }, 'leader lease lost');
        return;
      }
    }
  }

  /**
   * client-go jitters acquisition attempts by up to 1.2 periods so candidates
   * do not move in lockstep. A standby also wakes right when the holder's
   * Lease expires by its own observation, rather than up to a jittered period
   * later: failover then takes the lease duration plus at most one period.
   */
  private nextAttemptIn(): number {
    const jittered = this.retryMs * (1 + 1.2 * this.deps.rng());
    if (!this.heldByOther() || !this.observed) return jittered;
    const untilExpiry = this.observed.at + this.leaseMs - this.deps.clock.now();
    return untilExpiry > 0 ? Math.min(jittered, untilExpiry + 1) : jittered;
  }

  private heldByOther(): boolean {
    const holder = this.observed?.lease.spec.holderIdentity ?? '';
    return holder !== '' && holder !== this.options.identity;
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.options.namespace}/leases`;
  }

  private async tryAcquireOrRenew(timeoutMs = this.retryMs * 2): Promise<boolean> {
    const now = this.deps.clock.now();
    const me = this.options.identity;
    const desired = (prev: LeaseSpec | undefined): LeaseSpec => {
      const mine = prev?.holderIdentity === me;
      return {
        holderIdentity: me,
        leaseDurationSeconds: Math.ceil(this.leaseMs / 1000),
        acquireTime: mine && prev?.acquireTime ? prev.acquireTime : microTime(now),
        renewTime: microTime(now),
        leaseTransitions: (prev?.leaseTransitions ?? 0) + (mine || prev === undefined ? 0 : 1),
      };
    };
    try {
      let lease: Lease;
      try {
        lease = await this.options.client.request<Lease>({
          method: 'GET',
          path: `${this.path}/${this.options.name}`,
          timeoutMs,
        });
      } catch (err) {
        if (!isNotFound(err)) throw err;
        const created = await this.options.client.request<Lease>({
          method: 'POST',
          path: this.path,
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: this.meta(),
            spec: desired(undefined),
          },
          timeoutMs,
        });
        this.observe(created, now);
        return true;
      }
      this.observe(lease, now);
      const holder = lease.spec.holderIdentity ?? '';
      const observedAt = this.observed?.at ?? now;
      if (holder !== '' && holder !== me && now < observedAt + this.leaseMs) return false;
      const updated = await this.options.client.request<Lease>({
        method: 'PUT',
        path: `${this.path}/${this.options.name}`,
        body: { ...lease, spec: desired(lease.spec) },
        timeoutMs,
      });
      this.observe(updated, now);
      return true;
    } catch (err) {
      if (!isConflict(err) && !isAlreadyExists(err))
        this.options.logger?.debug({ lease: this.options.name, err }, 'lease attempt failed');
      return false;
    }
  }

  // Remembers when the record last changed, by this process's clock.
  private observe(lease: Lease, now: number): void {
    const s = lease.spec;
    const record = `${s.holderIdentity ?? ''}|${s.renewTime ?? ''}|${s.acquireTime ?? ''}|${s.leaseTransitions ?? 0}`;
    if (this.observed?.record !== record) this.observed = { record, at: now, lease };
    else this.observed = { ...this.observed, lease };
  }

  private meta(): Lease['metadata'] {
    return { name: this.options.name, namespace: this.options.namespace };
  }

  // Hands the Lease over: no holder and a 1 s duration, as client-go's release does.
  private async release(): Promise<void> {
    const lease = this.observed?.lease;
    if (!lease || lease.spec.holderIdentity !== this.options.identity) return;
    const now = microTime(this.deps.clock.now());
    const spec: LeaseSpec = {
      leaseDurationSeconds: 1,
      acquireTime: now,
      renewTime: now,
      leaseTransitions: lease.spec.leaseTransitions ?? 0,
    };
    try {
      await this.options.client.request({
        method: 'PUT',
        path: `${this.path}/${this.options.name}`,
        body: { ...lease, spec },
        timeoutMs: this.retryMs * 2,
      });
    } catch (err) {
      this.options.logger?.warn({ lease: this.options.name, err }, 'lease release failed; it expires on its own');
    }
  }

  private setLeading(leading: boolean, why?: 'lost' | 'released'): void {
    if (this.leading === leading) return;
    this.leading = leading;
    this.options.metrics?.leaderStatus.set({ name: this.options.name }, leading ? 1 : 0);
    this.options.logger?.info(
      { lease: this.options.name, identity: this.options.identity, leading },
      'leadership changed',
    );
    if (leading) this.options.onStartedLeading?.();
    else this.options.onStoppedLeading?.(why ?? 'lost');
  }
}

/** A Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
