import type { Registry } from 'prom-client';
import { AGENT_LEASE_ANNOTATIONS, encodeAgentLease, type AgentLeaseReport } from '../api/agent-lease.js';
import { siteNamespace } from '../api/remote-site.js';
import { systemClock, type Clock } from '../clock.js';
import { assertNever } from '../errors.js';
import { errorStatus, isConflict, isNotFound } from '../k8s/api-errors.js';
import type { KubeClient } from '../k8s/kube-client.js';
import { microTime } from '../k8s/leader-election.js';
import type { Logger } from '../observe/log.js';
import type { Rng } from '../random.js';
import { agentLeasePath, readHubLeaseSettings, type HubLeaseSettings } from './hub-lease.js';
import { hubLinkMetrics, type HubLinkMetrics } from './hub-link-metrics.js';
import type { Heartbeat } from './ports.js';

export interface HeartbeatOptions {
  /** the hub client (HubCredentials.client) */
  readonly client: KubeClient;
  readonly site: string;
  /** `<pod>/<boot id>`: unique per agent process */
  readonly identity: string;
  /** what each renewal tells the hub, asked for at every renewal */
  readonly report: () => AgentLeaseReport;
  /** between renewals, ±10 % (default 10 s) */
  readonly intervalSeconds?: number;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly registry?: Registry;
  readonly rng?: Rng;
}

/** How one renewal went. */
export type RenewOutcome =
  | { readonly kind: 'renewed' }
  /** another agent holds the Lease and renewed it within its duration */
  | { readonly kind: 'fenced'; readonly holder: string }
  /** the controller has not created the Lease (the agent may not) */
  | { readonly kind: 'missing' }
  | { readonly kind: 'failed'; readonly reason: string };

interface LeaseObject {
  metadata: { annotations?: Record<string, string>; resourceVersion?: string; [k: string]: unknown };
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
  [k: string]: unknown;
}

const AGENT_KEYS: ReadonlySet<string> = new Set(Object.values(AGENT_LEASE_ANNOTATIONS));
/** The controller makes the Lease with 40 s; used if a Lease lacks the field. */
const DEFAULT_LEASE_SECONDS = 40;

/** The pod part of `<pod>/<boot id>`. */
const podOf = (identity: string): string => identity.slice(0, Math.max(0, identity.lastIndexOf('/')));

/**
 * The annotations of a renewal: the hub's and anyone else's kept as found, the
 * agent's own replaced by this report (one of its keys the report leaves out,
 * such as the oldest spooled reading once the spool is empty, is removed, so
 * the hub never reads a stale value).
 */
export function renewedAnnotations(
  found: Readonly<Record<string, string>> | undefined,
  report: AgentLeaseReport,
): Record<string, string> {
  const kept = Object.entries(found ?? {}).filter(([k]) => !AGENT_KEYS.has(k));
  return { ...Object.fromEntries(kept), ...encodeAgentLease(report) };
}

/**
 * Renews Lease `gridlake-agent` in the site namespace: get, then update with
 * the resourceVersion read (a concurrent writer makes it 409, and the renewal
 * is retried once). The controller creates the Lease; the agent never does
 * (no create right). Fencing: a Lease another agent renewed within its
 * duration is left alone, so a second copy of the agent waits rather than
 * both collecting. Expiry is judged by the renewTime the holder wrote and,
 * against clock skew, also by this process's own clock since it last saw that
 * holder's record change. A holder in the same pod (same `<pod>` part,
 * another boot id) is this agent before a restart: taken over at once.
 */
export class AgentHeartbeat implements Heartbeat {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly metrics: HubLinkMetrics | undefined;
  private readonly path: string;
  private readonly intervalMs: number;
  private readonly rng: Rng;
  private readonly stopper = new AbortController();
  private loop: Promise<void> | undefined;
  private consecutiveFailures = 0;
  private hub: HubLeaseSettings = {};
  private fencedBy: string | undefined;
  private missing = false;
  private observed: { record: string; at: number; changed: boolean } | undefined;

  constructor(private readonly options: HeartbeatOptions) {
    this.clock = options.clock ?? systemClock;
    this.log = options.logger.child({ component: 'heartbeat', site: options.site });
    this.metrics = options.registry ? hubLinkMetrics(options.registry) : undefined;
    this.path = agentLeasePath(siteNamespace(options.site));
    this.intervalMs = (options.intervalSeconds ?? 10) * 1000;
    this.rng = options.rng ?? Math.random;
    this.publish();
  }

  /** Renews now and then every interval until `stop`. */
  start(): this {
    this.loop ??= this.run();
    return this;
  }

  failures(): number {
    return this.consecutiveFailures;
  }

  revokedGraceSeconds(): number | undefined {
    return this.hub.revokedGraceSeconds;
  }

  /** The token lifetime the hub asks for, as last read from the Lease. */
  tokenExpirationSeconds(): number | undefined {
    return this.hub.tokenExpirationSeconds;
  }

  /** The other agent that holds the Lease, while this one waits. */
  heldBy(): string | undefined {
    return this.fencedBy;
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const stop = this.stopper.signal;
    while (!stop.aborted) {
      await this.renew();
      const jitter = 1 + (this.rng() * 2 - 1) * 0.1;
      await this.clock.sleep(Math.round(this.intervalMs * jitter), stop);
    }
  }

  /** One renewal (the loop's step; tests call it directly). */
  async renew(): Promise<RenewOutcome> {
    let outcome: RenewOutcome;
    try {
      outcome = await this.renewOnce();
      if (outcome.kind === 'failed' && outcome.reason === 'Conflict') outcome = await this.renewOnce();
    } catch (err) {
      outcome = { kind: 'failed', reason: err instanceof Error ? err.message : String(err) };
    }
    this.account(outcome);
    return outcome;
  }

  private async renewOnce(): Promise<RenewOutcome> {
    const { client, identity } = this.options;
    const signal = this.stopper.signal;
    let lease: LeaseObject;
    try {
      lease = await client.request<LeaseObject>({ method: 'GET', path: this.path, timeoutMs: 10_000, signal });
    } catch (err) {
      if (isNotFound(err)) return { kind: 'missing' };
      return { kind: 'failed', reason: reasonOf(err) };
    }
    this.hub = readHubLeaseSettings(lease.metadata.annotations);
    const now = this.clock.now();
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    if (holder !== '' && holder !== identity) {
      if (this.heldElsewhere(holder, spec, now)) return { kind: 'fenced', holder };
    } else {
      this.observed = undefined;
    }
    const taking = holder !== identity;
    const body: LeaseObject = {
      ...lease,
      metadata: {
        ...lease.metadata,
        annotations: renewedAnnotations(lease.metadata.annotations, this.options.report()),
      },
      spec: {
        ...spec,
        holderIdentity: identity,
        renewTime: microTime(now),
        ...(taking ? { acquireTime: microTime(now), leaseTransitions: (spec.leaseTransitions ?? 0) + 1 } : {}),
      },
    };
    try {
      await client.request({ method: 'PUT', path: this.path, body, timeoutMs: 10_000, signal });
    } catch (err) {
      if (isConflict(err)) return { kind: 'failed', reason: 'Conflict' };
      if (isNotFound(err)) return { kind: 'missing' };
      return { kind: 'failed', reason: reasonOf(err) };
    }
    if (taking && holder !== '') this.log.info({ previous: holder }, 'took over the heartbeat Lease');
    return { kind: 'renewed' };
  }

  private heldElsewhere(holder: string, spec: NonNullable<LeaseObject['spec']>, now: number): boolean {
    if (podOf(holder) !== '' && podOf(holder) === podOf(this.options.identity)) return false;
    const durationMs = (spec.leaseDurationSeconds ?? DEFAULT_LEASE_SECONDS) * 1000;
    const record = `${holder} ${spec.renewTime ?? ''}`;
    if (this.observed?.record !== record) this.observed = { record, at: now, changed: this.observed !== undefined };
    const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
    const byTheirClock = !Number.isNaN(renewed) && renewed + durationMs > now;
    const byOurClock = this.observed.changed && now < this.observed.at + durationMs;
    return byTheirClock || byOurClock;
  }

  private account(outcome: RenewOutcome): void {
    if (outcome.kind === 'renewed') {
      if (this.consecutiveFailures >= 3) this.log.info({ after: this.consecutiveFailures }, 'heartbeat renewed again');
      this.consecutiveFailures = 0;
      this.fencedBy = undefined;
      this.missing = false;
      this.publish();
      return;
    }
    this.consecutiveFailures++;
    switch (outcome.kind) {
      case 'fenced':
        if (this.fencedBy !== outcome.holder)
          this.log.warn(
            { holder: outcome.holder, identity: this.options.identity },
            'another agent holds the heartbeat Lease; this copy waits until that Lease expires',
          );
        this.fencedBy = outcome.holder;
        break;
      case 'missing':
        if (!this.missing)
          this.log.warn(
            { path: this.path },
            'heartbeat Lease not found: the hub controller creates it for the RemoteSite; retrying',
          );
        this.missing = true;
        break;
      case 'failed':
        if (this.consecutiveFailures === 1 || this.consecutiveFailures === 3)
          this.log.warn(
            { reason: outcome.reason, failures: this.consecutiveFailures },
            this.consecutiveFailures >= 3
              ? 'heartbeat failing: the agent counts itself disconnected from the hub'
              : 'heartbeat renewal failed; retrying',
          );
        break;
      default:
        assertNever(outcome);
    }
    this.publish();
  }

  private publish(): void {
    this.metrics?.heartbeatFailures.set({ site: this.options.site }, this.consecutiveFailures);
  }
}

function reasonOf(err: unknown): string {
  const status = errorStatus(err);
  const message = err instanceof Error ? err.message : String(err);
  return status === undefined ? message : `HTTP ${status}: ${message}`;
}

/** Starts renewing the site's heartbeat Lease (the first renewal at once). */
export function startHeartbeat(options: HeartbeatOptions): AgentHeartbeat {
  return new AgentHeartbeat(options).start();
}
