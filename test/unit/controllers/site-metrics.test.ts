import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SiteHeartbeats } from '../../../controllers/site-heartbeats.js';
import { registerSiteMetrics } from '../../../controllers/site-metrics.js';
import { encodeAgentLease } from '../../../src/api/agent-lease.js';
import type { Informer } from '../../../src/k8s/informer.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { at } from './fixtures.js';

const NOW = at('2026-03-10T03:00:00Z');

const cache = (objects: KubeObject[]): Informer =>
  ({
    get: (key: string) =>
      objects.find((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}` === key || o.metadata.name === key),
    list: () => objects,
  }) as unknown as Informer;

const site = (name: string): KubeObject => ({
  apiVersion: 'gridlake.io/v1alpha1',
  kind: 'RemoteSite',
  metadata: { name },
  spec: { leaseDurationSeconds: 40 },
});
const lease = (siteName: string, renewTime: string, uid: string): KubeObject => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: {
    name: 'gridlake-agent',
    namespace: `gridlake-site-${siteName}`,
    annotations: encodeAgentLease({
      serviceAccountUID: uid,
      spoolRecords: 7,
      spoolBytes: 700,
      forwardedWatermarks: { 'PowerSource/kpx': at('2026-03-10T02:55:00Z') },
    }),
  },
  spec: { renewTime },
});
const sa = (siteName: string, uid: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name: 'gridlake-agent', namespace: `gridlake-site-${siteName}`, uid },
});

describe('site metrics', () => {
  it('are computed at scrape time from the caches and the renewals the hub saw', async () => {
    const leases = [lease('naver', '2026-03-10T02:59:50Z', 'u1'), lease('revoked', '2026-03-10T02:59:50Z', 'old')];
    const hb = new SiteHeartbeats();
    for (const l of leases) hb.observe(l, NOW - 10_000);
    let now = NOW;
    const registry = new Registry();
    registerSiteMetrics(registry, {
      sites: cache([site('naver'), site('revoked'), site('never')]),
      leases: cache(leases),
      serviceAccounts: cache([sa('naver', 'u1'), sa('revoked', 'new')]),
      heartbeats: hb,
      clock: { now: () => now },
    });
    const text = await registry.metrics();
    expect(text).toContain('gridlake_site_agent_connected{site="naver"} 1');
    expect(text).toContain('gridlake_site_agent_connected{site="revoked"} 0');
    expect(text).toContain('gridlake_site_agent_connected{site="never"} 0');
    expect(text).toContain('gridlake_site_heartbeat_age_seconds{site="naver"} 10');
    expect(text).not.toContain('gridlake_site_heartbeat_age_seconds{site="never"}');
    expect(text).toContain(
      `gridlake_site_forwarded_watermark_seconds{site="naver",source="PowerSource/kpx"} ${at('2026-03-10T02:55:00Z') / 1000}`,
    );
    expect(text).toContain('gridlake_site_spool_records{site="naver"} 7');
    expect(text).toContain('gridlake_site_spool_bytes{site="naver"} 700');
    now = NOW + 40_000;
    expect(await registry.metrics()).toContain('gridlake_site_agent_connected{site="naver"} 0');
  });
});
