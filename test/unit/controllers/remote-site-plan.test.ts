import { describe, expect, it } from 'vitest';
import type { Action } from '../../../controllers/apply.js';
import {
  AGENT_NAME,
  AGENT_RULES,
  EPOCH_ANNOTATION,
  planSite,
  type SiteObserved,
} from '../../../controllers/remote-site-plan.js';
import { SiteHeartbeats } from '../../../controllers/site-heartbeats.js';
import { AGENT_LEASE_ANNOTATIONS, encodeAgentLease, HUB_LEASE_ANNOTATIONS } from '../../../src/api/agent-lease.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { deepEqual } from '../../../src/k8s/status-writer.js';
import { at, bodyOf, condOf, resource } from './fixtures.js';

const NOW = at('2026-03-10T03:00:00Z');
const NS = 'gridlake-site-naver';

const site = (spec: Record<string, unknown> = {}, generation = 1) =>
  resource('RemoteSite', 'naver', spec, { namespace: null, generation });

const none = (s: KubeObject): SiteObserved => ({
  site: s,
  namespace: undefined,
  serviceAccount: undefined,
  role: undefined,
  roleBinding: undefined,
  lease: undefined,
});

const source = (kind: string, name: string, secret: string): KubeObject => ({
  apiVersion: 'gridlake.io/v1alpha1',
  kind,
  metadata: { name, namespace: NS },
  spec: { serviceKeySecretRef: { name: secret, key: 'serviceKey' } },
});

/** The world after the first plan was applied (bodies as stored; the SA got a uid; the Lease not renewed yet). */
function appliedWorld(s: KubeObject, sources?: SiteObserved['sources']): SiteObserved {
  const first = planSite({ ...none(s), ...(sources ? { sources } : {}) }, NOW);
  const by = (kind: string) => bodyOf(first.actions.find((a) => a.ref.resource.kind === kind));
  const sa = by('ServiceAccount');
  return {
    ...none(s),
    namespace: by('Namespace'),
    serviceAccount: { ...sa, metadata: { ...sa.metadata, uid: 'sa-uid-1' } },
    role: by('Role'),
    roleBinding: by('RoleBinding'),
    lease: by('Lease'),
    ...(sources ? { sources } : {}),
  };
}

/** The controller's Lease as the agent renewed it: the hub's fields kept, the agent's written. */
function renewed(world: SiteObserved, renewTime: string, report: Parameters<typeof encodeAgentLease>[0] = {}) {
  const base = world.lease!;
  return {
    ...base,
    metadata: {
      ...base.metadata,
      annotations: { ...base.metadata.annotations, ...encodeAgentLease({ serviceAccountUID: 'sa-uid-1', ...report }) },
    },
    spec: {
      ...(base['spec'] as object),
      holderIdentity: 'agent-0/boot-1',
      renewTime,
      leaseTransitions: 2,
    },
  };
}

const kinds = (actions: readonly Action[]) => actions.map((a) => `${a.op} ${a.ref.resource.kind}`);

/** One reconcile of the world at `now`, the site carrying the status the last one wrote. */
function pass(world: SiteObserved, status: Record<string, unknown> | undefined, hb: SiteHeartbeats, now: number) {
  const withStatus = { ...world, site: { ...world.site, ...(status ? { status } : {}) } };
  const heartbeat = world.lease ? hb.observe(world.lease, now) : undefined;
  return planSite({ ...withStatus, heartbeat }, now);
}

describe('planSite', () => {
  it('creates the site namespace, the agent ServiceAccount, Role, RoleBinding and the heartbeat Lease, all owned by the cluster-scoped site', () => {
    const plan = planSite(none(site()), NOW);
    expect(kinds(plan.actions)).toEqual([
      'apply Namespace',
      'apply ServiceAccount',
      'apply Role',
      'apply RoleBinding',
      'apply Lease',
    ]);
    for (const a of plan.actions) {
      const body = bodyOf(a);
      expect(body.metadata.ownerReferences).toEqual([
        expect.objectContaining({ kind: 'RemoteSite', name: 'naver', uid: 'uid-naver', controller: true }),
      ]);
      expect(a.ref.namespace ?? body.metadata.name).toBe(NS);
    }
    const role = bodyOf(plan.actions[2]);
    expect(role['rules']).toEqual(AGENT_RULES);
    // Least privilege: nothing on Secrets (no source names one), workloads, or anything cluster-wide.
    expect(JSON.stringify(role['rules'])).not.toMatch(/secrets|deployments|pods|"\*"/);
    expect(condOf(plan.status, 'Registered')).toMatchObject({ status: 'False', reason: 'ChildrenCreating' });
    expect(plan.status['namespace']).toBe(NS);
  });

  it('creates the Lease with the site lease duration and what the agent must know of its RemoteSite, and no agent field', () => {
    const plan = planSite(none(site({ leaseDurationSeconds: 60, revokedGracePeriodSeconds: 3600 })), NOW);
    const lease = bodyOf(plan.actions.find((a) => a.ref.resource.kind === 'Lease'));
    expect(lease.metadata.name).toBe(AGENT_NAME);
    expect(lease['spec']).toEqual({ leaseDurationSeconds: 60 });
    expect(lease.metadata.annotations).toMatchObject({
      [HUB_LEASE_ANNOTATIONS.revokedGraceSeconds]: '3600',
      [HUB_LEASE_ANNOTATIONS.tokenExpirationSeconds]: '604800',
    });
  });

  it('leaves a renewed Lease alone, and re-applies only its own fields when the agent dropped or changed them', () => {
    const world = appliedWorld(site());
    const lease = renewed(world, '2026-03-10T02:59:50.000000Z');
    expect(planSite({ ...world, lease }, NOW).actions).toEqual([]);
    const dropped = {
      ...lease,
      metadata: {
        ...lease.metadata,
        annotations: Object.fromEntries(
          Object.entries(lease.metadata.annotations ?? {}).filter(
            ([k]) => k !== HUB_LEASE_ANNOTATIONS.tokenExpirationSeconds,
          ),
        ),
      },
    };
    const fix = planSite({ ...world, lease: dropped }, NOW).actions;
    expect(kinds(fix)).toEqual(['apply Lease']);
    // Server-side apply of the hub's fields only: renewTime, holder and the agent's annotations stay the agent's.
    expect(bodyOf(fix[0])['spec']).toEqual({ leaseDurationSeconds: 40 });
    expect(Object.keys(bodyOf(fix[0]).metadata.annotations ?? {})).not.toContain(AGENT_LEASE_ANNOTATIONS.version);
    // The RemoteSite's grace changes: the annotation follows.
    const longer = planSite({ ...world, site: site({ revokedGracePeriodSeconds: 7200 }, 2), lease }, NOW).actions;
    expect(bodyOf(longer[0]).metadata.annotations?.[HUB_LEASE_ANNOTATIONS.revokedGraceSeconds]).toBe('7200');
  });

  it('grants get on exactly the Secrets the site sources name, and keeps the list in sync', () => {
    const sources = {
      power: [source('PowerSource', 'kpx', 'kpx-key')],
      weather: [source('WeatherSource', 'cities', 'kma-key'), source('WeatherSource', 'coast', 'kma-key')],
    };
    const world = appliedWorld(site(), sources);
    const rules = world.role!['rules'] as { resources: string[]; resourceNames?: string[]; verbs: string[] }[];
    expect(rules.filter((r) => r.resources.includes('secrets'))).toEqual([
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['kma-key', 'kpx-key'], verbs: ['get'] },
    ]);
    expect(planSite(world, NOW).actions).toEqual([]);
    const fewer = planSite({ ...world, sources: { power: [], weather: sources.weather } }, NOW);
    expect(kinds(fewer.actions)).toEqual(['apply Role']);
    expect(JSON.stringify(bodyOf(fewer.actions[0])['rules'])).not.toContain('kpx-key');
    // No source names a Secret: no Secret rule at all (empty resourceNames would grant every Secret).
    const empty = planSite({ ...world, sources: { power: [], weather: [] } }, NOW);
    expect(bodyOf(empty.actions[0])['rules']).toEqual(AGENT_RULES);
  });

  it('is Registered and makes no write once the children match; the agent never renewed', () => {
    const plan = planSite(appliedWorld(site()), NOW);
    expect(plan.actions).toEqual([]);
    expect(condOf(plan.status, 'Registered')).toMatchObject({ status: 'True', reason: 'ChildrenCreated' });
    expect(plan.status['serviceAccountUID']).toBe('sa-uid-1');
    expect(condOf(plan.status, 'AgentConnected')).toMatchObject({ status: 'Unknown', reason: 'NeverConnected' });
    expect(condOf(plan.status, 'Ready')).toMatchObject({ status: 'False', reason: 'NeverConnected' });
    expect(condOf(plan.status, 'SpoolHealthy')).toMatchObject({ status: 'Unknown' });
  });

  it('deletes the ServiceAccount (uid precondition) when credentialsEpoch is bumped, revoking every token', () => {
    const world = appliedWorld(site());
    const bumped = site({ credentialsEpoch: 1 }, 2);
    const plan = planSite({ ...world, site: bumped }, NOW);
    expect(plan.actions).toEqual([
      { op: 'delete', ref: expect.objectContaining({ name: AGENT_NAME, namespace: NS }), uid: 'sa-uid-1' },
    ]);
    // The next pass, with the account gone, creates the new one with the new epoch.
    const next = planSite({ ...world, site: bumped, serviceAccount: undefined }, NOW);
    const sa = { body: bodyOf(next.actions.find((a) => a.ref.resource.kind === 'ServiceAccount')) };
    expect(sa.body.metadata.annotations?.[EPOCH_ANNOTATION]).toBe('1');
  });

  it('reads the agent report into status.agent and status.sources, judging freshness on the hub clock', () => {
    const world = appliedWorld(site());
    const hb = new SiteHeartbeats();
    const lease = renewed(world, '2026-03-10T02:59:50.000000Z', {
      version: '1.4.0',
      tokenExpiry: at('2026-03-17T00:00:00Z'),
      spoolRecords: 12,
      spoolBytes: 4096,
      spoolLimitBytes: 1 << 20,
      spoolOldest: at('2026-03-10T02:55:00Z'),
      forwardedWatermarks: { 'PowerSource/kpx': at('2026-03-10T02:55:00Z'), 'Nonsense/x': at('2026-03-10T02:00:00Z') },
    });
    const plan = pass({ ...world, lease }, undefined, hb, NOW);
    expect(condOf(plan.status, 'AgentConnected')).toMatchObject({ status: 'True', reason: 'LeaseCurrent' });
    expect(condOf(plan.status, 'Ready')).toMatchObject({ status: 'True' });
    expect(condOf(plan.status, 'SpoolHealthy')).toMatchObject({ status: 'True', reason: 'SpoolWithinBound' });
    expect(plan.status['agent']).toEqual({
      // the first sighting after a start counts at the earlier of now and renewTime
      lastHeartbeatTime: '2026-03-10T02:59:50Z',
      holderIdentity: 'agent-0/boot-1',
      version: '1.4.0',
      leaseTransitions: 2,
      spoolRecords: 12,
      spoolBytes: 4096,
      spoolOldestTime: '2026-03-10T02:55:00Z',
      tokenExpiryTime: '2026-03-17T00:00:00Z',
    });
    expect(plan.status['sources']).toEqual([
      { kind: 'PowerSource', name: 'kpx', forwardedWatermark: '2026-03-10T02:55:00Z' },
    ]);
    expect(plan.requeueAfterMs).toBe(at('2026-03-10T02:59:50Z') + 40_000 - NOW + 500);
  });

  it('an agent clock running ahead does not keep the site connected: the hub times renewals itself', () => {
    const world = appliedWorld(site());
    const hb = new SiteHeartbeats();
    hb.observe(renewed(world, '2026-03-10T02:59:50.000000Z'), NOW - 10_000);
    // The agent's clock is an hour fast; its last renewal reached the hub at NOW, then nothing.
    const ahead = renewed(world, '2026-03-10T04:00:00.000000Z');
    const plan = pass({ ...world, lease: ahead }, undefined, hb, NOW);
    expect(condOf(plan.status, 'AgentConnected')).toMatchObject({ status: 'True' });
    const later = pass({ ...world, lease: ahead }, plan.status, hb, NOW + 41_000);
    expect(condOf(later.status, 'AgentConnected')).toMatchObject({ status: 'Unknown', reason: 'LeaseExpired' });
    expect(condOf(later.status, 'AgentConnected')?.message).toContain('2026-03-10T03:00:00Z');
    expect(later.requeueAfterMs).toBeNull();
  });

  it('writes status at most once a minute while the agent renews every 10 s with a moving spool', () => {
    const world = appliedWorld(site());
    const hb = new SiteHeartbeats();
    let status: Record<string, unknown> | undefined;
    let writes = 0;
    for (let i = 0; i <= 30; i++) {
      const now = NOW + i * 10_000;
      const lease = renewed(world, new Date(now).toISOString(), {
        spoolRecords: i,
        spoolBytes: 100 * i,
        spoolLimitBytes: 1 << 20,
        forwardedWatermarks: { 'PowerSource/kpx': at('2026-03-10T02:55:00Z') },
      });
      const plan = pass({ ...world, lease }, status, hb, now);
      if (!deepEqual(status ?? {}, plan.status)) writes++;
      status = plan.status;
    }
    // 300 s of renewals: the first write, then one for each minute the heartbeat shown ages.
    expect(writes).toBe(6);
    expect((status?.['agent'] as { spoolRecords?: number }).spoolRecords).toBe(30);
  });

  it('writes at once when a watermark moves or a condition changes, taking the spool numbers along', () => {
    const world = appliedWorld(site());
    const hb = new SiteHeartbeats();
    const report = (records: number, mark: string, bytes = 100) => ({
      spoolRecords: records,
      spoolBytes: bytes,
      spoolLimitBytes: 1000,
      forwardedWatermarks: { 'PowerSource/kpx': at(mark) },
    });
    const first = pass(
      { ...world, lease: renewed(world, '2026-03-10T03:00:00Z', report(1, '2026-03-10T02:50:00Z')) },
      undefined,
      hb,
      NOW,
    );
    const same = pass(
      { ...world, lease: renewed(world, '2026-03-10T03:00:10Z', report(2, '2026-03-10T02:50:00Z')) },
      first.status,
      hb,
      NOW + 10_000,
    );
    expect(same.status).toEqual(first.status);
    const moved = pass(
      { ...world, lease: renewed(world, '2026-03-10T03:00:20Z', report(3, '2026-03-10T02:55:00Z')) },
      same.status,
      hb,
      NOW + 20_000,
    );
    expect(moved.status['sources']).toEqual([
      { kind: 'PowerSource', name: 'kpx', forwardedWatermark: '2026-03-10T02:55:00Z' },
    ]);
    expect(moved.status['agent']).toMatchObject({ spoolRecords: 3, lastHeartbeatTime: '2026-03-10T03:00:20Z' });
    const filling = pass(
      { ...world, lease: renewed(world, '2026-03-10T03:00:30Z', report(4, '2026-03-10T02:55:00Z', 800)) },
      moved.status,
      hb,
      NOW + 30_000,
    );
    expect(condOf(filling.status, 'SpoolHealthy')).toMatchObject({ status: 'False', reason: 'SpoolFilling' });
    expect(filling.status['agent']).toMatchObject({ spoolBytes: 800 });
  });

  it('never moves a watermark back, and drops the watermark of a source that no longer exists', () => {
    const sources = { power: [source('PowerSource', 'kpx', 'k')], weather: [] };
    const world = appliedWorld(site(), sources);
    const hb = new SiteHeartbeats();
    const mark = (iso: string) => ({
      forwardedWatermarks: { 'PowerSource/kpx': at(iso), 'PowerSource/gone': at(iso) },
    });
    const first = pass(
      { ...world, lease: renewed(world, '2026-03-10T03:00:00Z', mark('2026-03-10T02:55:00Z')) },
      undefined,
      hb,
      NOW,
    );
    expect(first.status['sources']).toEqual([
      { kind: 'PowerSource', name: 'kpx', forwardedWatermark: '2026-03-10T02:55:00Z' },
    ]);
    // A restarted agent that reports an older watermark (or none) does not send a waiting DailyJoin back.
    const older = pass(
      { ...world, lease: renewed(world, '2026-03-10T03:00:10Z', mark('2026-03-10T02:00:00Z')) },
      first.status,
      hb,
      NOW + 10_000,
    );
    expect(older.status['sources']).toEqual(first.status['sources']);
  });

  it('says CredentialsRevoked when the Lease was last renewed by a ServiceAccount that no longer is', () => {
    const world = appliedWorld(site());
    const hb = new SiteHeartbeats();
    const lease = renewed(world, '2026-03-10T02:59:55Z');
    const replaced = { ...world.serviceAccount!, metadata: { ...world.serviceAccount!.metadata, uid: 'sa-uid-2' } };
    const plan = pass({ ...world, lease, serviceAccount: replaced }, undefined, hb, NOW);
    expect(condOf(plan.status, 'AgentConnected')).toMatchObject({ status: 'False', reason: 'CredentialsRevoked' });
    expect(condOf(plan.status, 'AgentConnected')?.message).toContain('sa-uid-1');
    expect(condOf(plan.status, 'Ready')).toMatchObject({ status: 'False', reason: 'CredentialsRevoked' });
    // The agent bootstrapped again with the new account: connected.
    const back = renewed(world, '2026-03-10T03:00:05Z', { serviceAccountUID: 'sa-uid-2' });
    const again = pass({ ...world, lease: back, serviceAccount: replaced }, plan.status, hb, NOW + 5000);
    expect(condOf(again.status, 'AgentConnected')).toMatchObject({ status: 'True' });
  });
});
