import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import { AGENT_NAME, AGENT_RULES } from '../../../controllers/remote-site-plan.js';
import {
  LEASES,
  NAMESPACES,
  POWER_SOURCES,
  REMOTE_SITES,
  ROLES,
  ROLE_BINDINGS,
  SERVICE_ACCOUNTS,
} from '../../../controllers/resources.js';
import { AGENT_LEASE_ANNOTATIONS, encodeAgentLease, HUB_LEASE_ANNOTATIONS } from '../../../src/api/agent-lease.js';
import { siteNamespace } from '../../../src/api/remote-site.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import {
  GC_TIMEOUT_MS,
  cond,
  create,
  currentStatus,
  get,
  mergePatch,
  rand,
  remove,
  setup,
  type Env,
} from './helpers.js';

/**
 * RemoteSite (cluster-scoped) against the real API server and
 * kube-controller-manager (garbage collector, namespace controller). The test
 * plays the agent by renewing the heartbeat Lease the controller made.
 */
let env: Env;

beforeAll(async () => {
  env = await setup('ctl-site');
  env.start(['RemoteSite']);
});
afterAll(async () => {
  await env?.teardown();
});

const site = (name: string) => ({
  apiVersion: 'gridlake.io/v1alpha1',
  kind: 'RemoteSite',
  metadata: { name },
  spec: {},
});

const saUid = async (ns: string): Promise<string | undefined> =>
  (await get(env.client, SERVICE_ACCOUNTS, ns, AGENT_NAME))?.metadata.uid;

describe('RemoteSite', () => {
  it('creates its namespace and least-privilege agent RBAC, reads the agent Lease, revokes on an epoch bump, and is garbage collected', async () => {
    const { client } = env;
    const name = `s${rand()}`;
    const ns = siteNamespace(name);
    await create(client, REMOTE_SITES, undefined, site(name));
    const registered = await eventually(
      "currentStatus(s) && cond(s, 'Registered')?.status === 'True' && s",
      async () => {
        const s = await get(client, REMOTE_SITES, undefined, name);
        return currentStatus(s) && cond(s, 'Registered')?.status === 'True' && s;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(cond(registered, 'AgentConnected')).toMatchObject({
      status: 'Unknown',
      reason: 'NeverConnected',
      observedGeneration: 1,
    });
    expect(registered['status']).toMatchObject({ namespace: ns, serviceAccountUID: await saUid(ns) });
    for (const [ref, n, namespace] of [
      [NAMESPACES, ns, undefined],
      [SERVICE_ACCOUNTS, AGENT_NAME, ns],
      [ROLES, AGENT_NAME, ns],
      [ROLE_BINDINGS, AGENT_NAME, ns],
      [LEASES, AGENT_NAME, ns],
    ] as const) {
      const child = await get(client, ref, namespace, n);
      expect(child?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'RemoteSite', name, controller: true });
    }
    expect((await get(client, ROLES, ns, AGENT_NAME))?.['rules']).toEqual(AGENT_RULES);

    // The controller made the heartbeat Lease; the agent connects by renewing it (an update, as its Role allows).
    const made = await get(client, LEASES, ns, AGENT_NAME);
    expect(made?.['spec']).toEqual({ leaseDurationSeconds: 40 });
    expect(made?.metadata.annotations).toMatchObject({
      [HUB_LEASE_ANNOTATIONS.revokedGraceSeconds]: '86400',
      [HUB_LEASE_ANNOTATIONS.tokenExpirationSeconds]: '604800',
    });
    // A source placed in the site: the agent may read the Secret it names, and no other.
    await create(client, POWER_SOURCES, ns, {
      apiVersion: 'gridlake.io/v1alpha1',
      kind: 'PowerSource',
      metadata: { name: 'kpx' },
      spec: { serviceKeySecretRef: { name: 'kpx-key', key: 'serviceKey' } },
    });
    await eventually(
      'the Role names the Secret',
      async () =>
        JSON.stringify((await get(client, ROLES, ns, AGENT_NAME))?.['rules']).includes('"resourceNames":["kpx-key"]'),
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    const uid1 = await saUid(ns);
    const renew = async (report: Parameters<typeof encodeAgentLease>[0]) => {
      const l = (await get(client, LEASES, ns, AGENT_NAME))!;
      await client.request({
        method: 'PUT',
        path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${AGENT_NAME}`,
        body: {
          ...l,
          metadata: { ...l.metadata, annotations: { ...l.metadata.annotations, ...encodeAgentLease(report) } },
          spec: {
            ...(l['spec'] as object),
            holderIdentity: 'agent-0/boot',
            renewTime: new Date().toISOString().replace(/Z$/, '000Z'), // a MicroTime
          },
        },
      });
    };
    await renew({
      version: '9.9.9',
      serviceAccountUID: uid1,
      spoolRecords: 3,
      spoolBytes: 300,
      spoolLimitBytes: 1000,
      forwardedWatermarks: { 'PowerSource/kpx': Date.parse('2026-03-10T02:55:00Z') },
    });
    const connected = await eventually(
      "cond(s, 'AgentConnected')?.status === 'True' && s",
      async () => {
        const s = await get(client, REMOTE_SITES, undefined, name);
        return cond(s, 'AgentConnected')?.status === 'True' && s;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(cond(connected, 'Ready')).toMatchObject({ status: 'True' });
    expect(cond(connected, 'SpoolHealthy')).toMatchObject({ status: 'True', reason: 'SpoolWithinBound' });
    expect(connected['status']).toMatchObject({
      agent: { holderIdentity: 'agent-0/boot', version: '9.9.9', spoolRecords: 3, spoolBytes: 300 },
      sources: [{ kind: 'PowerSource', name: 'kpx', forwardedWatermark: '2026-03-10T02:55:00Z' }],
    });
    // The agent's renewal left the hub's fields as they were: the controller did not re-apply the Lease.
    expect((await get(client, LEASES, ns, AGENT_NAME))?.metadata.annotations).toMatchObject({
      [HUB_LEASE_ANNOTATIONS.revokedGraceSeconds]: '86400',
      [AGENT_LEASE_ANNOTATIONS.version]: '9.9.9',
    });

    // Revocation: bumping credentialsEpoch replaces the ServiceAccount (its tokens die with it).
    const before = await saUid(ns);
    await mergePatch(client, REMOTE_SITES, undefined, name, { spec: { credentialsEpoch: 1 } });
    const revoked = await eventually(
      '( s?.metadata.generation === 2 && currentStatus(s) && uid !== undefined && uid !== befo...',
      async () => {
        const s = await get(client, REMOTE_SITES, undefined, name);
        const uid = await saUid(ns);
        return (
          s?.metadata.generation === 2 &&
          currentStatus(s) &&
          uid !== undefined &&
          uid !== before &&
          (s['status'] as { serviceAccountUID?: string }).serviceAccountUID === uid &&
          s
        );
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(cond(revoked, 'Registered')).toMatchObject({ status: 'True', observedGeneration: 2 });
    // The Lease still names the old account (a revoked agent cannot renew): CredentialsRevoked.
    expect(cond(revoked, 'AgentConnected')).toMatchObject({ status: 'False', reason: 'CredentialsRevoked' });

    await remove(client, REMOTE_SITES, undefined, name);
    // The garbage collector deletes the namespace; the namespace controller then empties and removes it.
    await eventually(
      'n === undefined || n.metadata.deletionTimestamp !== undefined',
      async () => {
        const n: KubeObject | undefined = await get(client, NAMESPACES, undefined, ns);
        return n === undefined || n.metadata.deletionTimestamp !== undefined;
      },
      { timeoutMs: GC_TIMEOUT_MS, intervalMs: 500 },
    );
  }, 180_000);
});
