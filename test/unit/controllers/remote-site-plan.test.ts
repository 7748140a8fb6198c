import { describe, expect, it } from 'vitest';
import type { Action } from '../../../controllers/apply.js';
import {
  AGENT_NAME,
  AGENT_RULES,
  EPOCH_ANNOTATION,
  planSite,
  type SiteObserved,
} from '../../../controllers/remote-site-plan.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
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

/** The world after the first plan was applied (bodies as stored; the SA got a uid). */
function appliedWorld(s: KubeObject): SiteObserved {
  const by = (kind: string) => bodyOf(planSite(none(s), NOW).actions.find((a) => a.ref.resource.kind === kind));
  const sa = by('ServiceAccount');
  return {
    ...none(s),
    namespace: by('Namespace'),
    serviceAccount: { ...sa, metadata: { ...sa.metadata, uid: 'sa-uid-1' } },
    role: by('Role'),
    roleBinding: by('RoleBinding'),
  };
}

const lease = (renewTime: string, holder = 'agent-0/boot-1'): KubeObject => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: AGENT_NAME, namespace: NS },
  spec: { holderIdentity: holder, leaseDurationSeconds: 30, renewTime, leaseTransitions: 2 },
});

const kinds = (actions: readonly Action[]) => actions.map((a) => `${a.op} ${a.ref.resource.kind}`);

describe('planSite', () => {
  it('creates the site namespace, then the agent ServiceAccount, Role and RoleBinding, all owned by the cluster-scoped site', () => {
    const plan = planSite(none(site()), NOW);
    expect(kinds(plan.actions)).toEqual(['apply Namespace', 'apply ServiceAccount', 'apply Role', 'apply RoleBinding']);
    for (const a of plan.actions) {
      const body = bodyOf(a);
      expect(body.metadata.ownerReferences).toEqual([
        expect.objectContaining({ kind: 'RemoteSite', name: 'naver', uid: 'uid-naver', controller: true }),
      ]);
      expect(a.ref.namespace ?? body.metadata.name).toBe(NS);
    }
    const role = bodyOf(plan.actions[2]);
    expect(role['rules']).toEqual(AGENT_RULES);
    // Least privilege: nothing on Secrets, workloads, or anything cluster-wide.
    expect(JSON.stringify(role['rules'])).not.toMatch(/secrets|deployments|pods|"\*"/);
    expect(condOf(plan.status, 'Registered')).toMatchObject({ status: 'False', reason: 'ChildrenCreating' });
    expect(plan.status['namespace']).toBe(NS);
  });

  it('is Registered and makes no write once the children match', () => {
    const plan = planSite(appliedWorld(site()), NOW);
    expect(plan.actions).toEqual([]);
    expect(condOf(plan.status, 'Registered')).toMatchObject({ status: 'True', reason: 'ChildrenCreated' });
    expect(plan.status['serviceAccountUID']).toBe('sa-uid-1');
    expect(condOf(plan.status, 'AgentConnected')).toMatchObject({ status: 'Unknown', reason: 'NoLease' });
    expect(condOf(plan.status, 'Ready')).toMatchObject({ status: 'False', reason: 'NoLease' });
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

  it('reads the agent heartbeat from its Lease, in whole minutes, and requeues for the moment it expires', () => {
    const plan = planSite({ ...appliedWorld(site()), lease: lease('2026-03-10T02:59:50Z') }, NOW);
    expect(condOf(plan.status, 'AgentConnected')).toMatchObject({ status: 'True', reason: 'LeaseCurrent' });
    expect(condOf(plan.status, 'Ready')).toMatchObject({ status: 'True' });
    expect(plan.status['agent']).toEqual({
      lastHeartbeatTime: '2026-03-10T02:59:00Z',
      holderIdentity: 'agent-0/boot-1',
      leaseTransitions: 2,
    });
    expect(plan.requeueAfterMs).toBe(at('2026-03-10T02:59:50Z') + 30_000 - NOW + 500);
    // The next renewals within the minute leave the status as it is (no write per heartbeat).
    const renewed = planSite(
      { ...appliedWorld(site({}, 1)), site: { ...site(), status: plan.status }, lease: lease('2026-03-10T02:59:58Z') },
      NOW + 8000,
    );
    expect(renewed.status).toEqual(plan.status);
  });

  it('says the agent is away once its Lease has expired', () => {
    const plan = planSite({ ...appliedWorld(site()), lease: lease('2026-03-10T02:50:00Z') }, NOW);
    expect(condOf(plan.status, 'AgentConnected')).toMatchObject({ status: 'Unknown', reason: 'LeaseExpired' });
    expect(condOf(plan.status, 'Ready')).toMatchObject({ status: 'False', reason: 'LeaseExpired' });
    expect(plan.requeueAfterMs).toBeNull();
  });
});
