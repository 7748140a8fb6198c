import { SITE_NAMESPACE_PREFIX } from '../src/api/remote-site.js';
import { conditionTime, type ConditionInput } from '../src/k8s/conditions.js';
import type { Informer } from '../src/k8s/informer.js';
import type { KubeObject } from '../src/k8s/object-cache.js';
import { COND, REASON } from './conditions.js';

/**
 * When the hub saw each site's agent renew its Lease, on the hub's clock.
 * `spec.renewTime` is written by the agent, with the agent's clock: a site
 * whose clock runs ahead would look connected after it went away. So the
 * controller records the moment it *observed* renewTime change and judges
 * freshness from that. Kept in memory: after a controller restart the first
 * sighting counts at the earlier of now and renewTime (an agent that died
 * while the controller was down is not taken for a fresh one).
 */
export interface HeartbeatSeen {
  /** the renewTime string last seen */
  readonly renewTime: string;
  /** hub epoch ms when that renewTime was first seen */
  readonly seenAt: number;
  /** hub epoch ms of the renewal seen before it, if any */
  readonly previousSeenAt?: number;
}

export class SiteHeartbeats {
  private readonly seen = new Map<string, HeartbeatSeen>();

  /**
   * Records a Lease as observed at `now` and returns what is known of the
   * site's renewals. Idempotent for one renewal: every caller (the site and
   * source controllers, the metrics) may call it with the same Lease.
   */
  observe(lease: KubeObject, now: number): HeartbeatSeen | undefined {
    const site = siteOfLease(lease);
    if (site === null) return undefined;
    const renewTime = (lease['spec'] as { renewTime?: string } | undefined)?.renewTime;
    const prev = this.seen.get(site);
    if (renewTime === undefined) return prev;
    if (prev?.renewTime === renewTime) return prev;
    const stated = Date.parse(renewTime);
    const seenAt = prev || Number.isNaN(stated) ? now : Math.min(now, stated);
    const next: HeartbeatSeen = { renewTime, seenAt, ...(prev ? { previousSeenAt: prev.seenAt } : {}) };
    this.seen.set(site, next);
    return next;
  }

  /**
   * Records every Lease event as it arrives (on the hub's clock, not when a
   * queue gets to it). Attach before the controllers subscribe: handlers run
   * in subscription order, so their watch keys read the renewal just seen.
   */
  attach(leases: Informer, clock: { now(): number }): () => void {
    return leases.on((ev) => {
      if (ev.type === 'deleted') {
        const site = siteOfLease(ev.object);
        if (site !== null) this.forget(site);
      } else this.observe(ev.object, clock.now());
    });
  }

  get(site: string): HeartbeatSeen | undefined {
    return this.seen.get(site);
  }

  forget(site: string): void {
    this.seen.delete(site);
  }
}

/** The site whose namespace holds `lease`, or null. */
export function siteOfLease(lease: KubeObject): string | null {
  const ns = lease.metadata.namespace ?? '';
  return ns.startsWith(SITE_NAMESPACE_PREFIX) ? ns.slice(SITE_NAMESPACE_PREFIX.length) : null;
}

/** The agent counts as disconnected for its sources after three missed renewals (it renews every quarter lease). */
export function sourcesStaleAfterMs(leaseDurationSeconds: number): number {
  return (leaseDurationSeconds * 1000 * 3) / 4;
}

/**
 * Collecting of a source in a site namespace while its agent is silent: after
 * three missed renewals the progress the agent last wrote is no longer news,
 * so it reads Unknown (`AgentDisconnected`) instead of looking current.
 * `disconnected` null: the agent renews (or never did); `changesAt`: when the
 * silence will count as disconnected, to requeue for.
 */
export function agentSilence(
  site: KubeObject | undefined,
  heartbeatAt: number | undefined,
  now: number,
): { disconnected: ConditionInput | null; changesAt: number | null } {
  if (!site || heartbeatAt === undefined) return { disconnected: null, changesAt: null };
  const spec = site['spec'] as { leaseDurationSeconds?: number } | undefined;
  const staleAt = heartbeatAt + sourcesStaleAfterMs(spec?.leaseDurationSeconds ?? 40);
  if (now < staleAt) return { disconnected: null, changesAt: staleAt };
  return {
    disconnected: {
      type: COND.Collecting,
      status: 'Unknown',
      reason: REASON.AgentDisconnected,
      message: `The agent of site ${site.metadata.name ?? ''} missed three renewals of its Lease (the hub last saw one at ${conditionTime(heartbeatAt)}): what this source shows is not current.`,
    },
    changesAt: null,
  };
}
