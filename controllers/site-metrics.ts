import type { Registry } from 'prom-client';
import { decodeAgentLease } from '../src/api/agent-lease.js';
import { siteNamespace, type RemoteSiteSpec } from '../src/api/remote-site.js';
import type { Informer } from '../src/k8s/informer.js';
import { metricMakers } from '../src/observe/metric-kit.js';
import { AGENT_NAME } from './remote-site-plan.js';
import type { SiteHeartbeats } from './site-heartbeats.js';

export interface SiteMetricSources {
  readonly sites: Informer;
  readonly leases: Informer;
  readonly serviceAccounts: Informer;
  readonly heartbeats: SiteHeartbeats;
  readonly clock: { now(): number };
}

/**
 * The remote sites' gauges (docs/metrics.md), computed at scrape time from
 * the informer caches and the renewals the hub saw: no API request, no
 * status write, and a heartbeat age that is exact at every scrape (the
 * RemoteSite status shows it to the minute).
 */
export function registerSiteMetrics(registry: Registry, from: SiteMetricSources): void {
  const m = metricMakers(registry);
  interface Row {
    site: string;
    connected: number;
    ageSeconds?: number;
    spoolRecords?: number;
    spoolBytes?: number;
    spoolLimitBytes?: number;
    tokenExpirySeconds?: number;
    marks: [string, number][];
  }
  const rows = (): Row[] => {
    const now = from.clock.now();
    return from.sites.list().map((s) => {
      const site = s.metadata.name ?? '';
      const key = `${siteNamespace(site)}/${AGENT_NAME}`;
      const lease = from.leases.get(key);
      const report = decodeAgentLease(lease?.metadata.annotations);
      const seen = from.heartbeats.get(site);
      const duration = (s['spec'] as RemoteSiteSpec | undefined)?.leaseDurationSeconds ?? 40;
      const uid = from.serviceAccounts.get(key)?.metadata.uid;
      const revoked = report.serviceAccountUID !== undefined && report.serviceAccountUID !== uid;
      const fresh = lease !== undefined && seen !== undefined && now < seen.seenAt + duration * 1000;
      return {
        site,
        connected: fresh && !revoked ? 1 : 0,
        ...(seen ? { ageSeconds: Math.max(0, (now - seen.seenAt) / 1000) } : {}),
        ...(report.spoolRecords === undefined ? {} : { spoolRecords: report.spoolRecords }),
        ...(report.spoolBytes === undefined ? {} : { spoolBytes: report.spoolBytes }),
        ...(report.spoolLimitBytes === undefined ? {} : { spoolLimitBytes: report.spoolLimitBytes }),
        ...(report.tokenExpiry === undefined ? {} : { tokenExpirySeconds: report.tokenExpiry / 1000 }),
        marks: Object.entries(report.forwardedWatermarks ?? {}).map(([k, ms]) => [k, ms / 1000] as [string, number]),
      };
    });
  };
  // Each gauge reads the caches itself: a few passes over some hundred sites per scrape cost nothing, and no gauge can see another's stale snapshot.
  const current = rows;
  const connected = m.gauge(
    'gridlake_site_agent_connected',
    'Whether the site agent renews its heartbeat Lease with valid credentials (1) or not (0).',
    ['site'],
    () => {
      connected.reset();
      for (const r of current()) connected.set({ site: r.site }, r.connected);
    },
  );
  const each = (name: string, help: string, pick: (r: Row) => number | undefined) => {
    const g = m.gauge(name, help, ['site'], () => {
      g.reset();
      for (const r of current()) {
        const v = pick(r);
        if (v !== undefined) g.set({ site: r.site }, v);
      }
    });
  };
  each(
    'gridlake_site_heartbeat_age_seconds',
    'Seconds since the hub saw the site agent renew its Lease (hub clock).',
    (r) => r.ageSeconds,
  );
  each(
    'gridlake_site_spool_records',
    "Records waiting in the site agent's spool, as its Lease reports.",
    (r) => r.spoolRecords,
  );
  each(
    'gridlake_site_spool_bytes',
    "Bytes waiting in the site agent's spool, as its Lease reports.",
    (r) => r.spoolBytes,
  );
  each(
    'gridlake_site_spool_limit_bytes',
    "The bound of the site agent's spool, as its Lease reports (collecting pauses there).",
    (r) => r.spoolLimitBytes,
  );
  each(
    'gridlake_site_token_expiry_timestamp_seconds',
    "When the site agent's operating token expires (Unix seconds).",
    (r) => r.tokenExpirySeconds,
  );
  const marks = m.gauge(
    'gridlake_site_forwarded_watermark_seconds',
    'Newest observation time of a site source acknowledged by hub Kafka (Unix seconds).',
    ['site', 'source'],
    () => {
      marks.reset();
      for (const r of current()) for (const [source, s] of r.marks) marks.set({ site: r.site, source }, s);
    },
  );
}
