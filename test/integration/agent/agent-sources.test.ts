import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import { renderSiteChildren } from '../../../controllers/remote-site-plan.js';
import { POWER_SOURCES, ROLES, ROLE_BINDINGS, SECRETS, SERVICE_ACCOUNTS } from '../../../controllers/resources.js';
import { startAgent, type RunningAgent } from '../../../src/agent/agent.js';
import type { AgentSpool, Forwarder, Heartbeat, HubCredentials } from '../../../src/agent/ports.js';
import { siteNamespace } from '../../../src/api/remote-site.js';
import type { Bus } from '../../../src/bus/bus.js';
import { LocalLogBus } from '../../../src/bus/local-log/local-log-bus.js';
import { systemClock } from '../../../src/clock.js';
import { createKubeClient, type KubeClient } from '../../../src/k8s/kube-client.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { createLogger } from '../../../src/observe/log.js';
import { createSimulator } from '../../../src/sources/simulator/simulator-server.js';
import { createNamespace, deleteNamespace } from '../k8s/helpers.js';
import {
  create,
  get,
  mergePatch,
  rand,
  remove,
  serviceAccountKubeConfig,
  setup,
  type Env,
} from '../controllers/helpers.js';

/**
 * The agent's sources against the real kube-apiserver, with the site's own
 * identity: the ServiceAccount, Role and RoleBinding the controller renders
 * for a RemoteSite (plus read access to the one Secret its source names), a
 * real TokenRequest token, and the simulator as KPX. The spool is a plain
 * local log; nothing forwards it.
 */
let env: Env;
let sim: FastifyInstance;
let simUrl: string;
let dir: string;
let agent: RunningAgent;
let bus: LocalLogBus;
let agentClient: KubeClient;
const site = `it${rand()}`;
const ns = siteNamespace(site);
const sent = new Map<string, number>();

/** The spool: the local log, counting what each source sent (readings carry their source in the value). */
function countingBus(inner: Bus): Bus {
  return {
    ...inner,
    send: async (topic, records) => {
      const result = await inner.send(topic, records);
      for (const r of records) {
        const source = (JSON.parse(String(r.value)) as { source?: string }).source ?? '?';
        sent.set(source, (sent.get(source) ?? 0) + 1);
      }
      return result;
    },
    consumer: (o) => inner.consumer(o),
    close: () => inner.close(),
  } as Bus;
}

const power = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'gridlake.io/v1alpha1',
  kind: 'PowerSource',
  metadata: { name },
  spec: {
    serviceKeySecretRef: { name: 'kpx-key', key: 'serviceKey' },
    endpoint: { baseUrl: simUrl },
    ...spec,
  },
});

beforeAll(async () => {
  env = await setup('agent', Date.now());
  await createNamespace(env.client, ns);
  const children = renderSiteChildren({
    apiVersion: 'gridlake.io/v1alpha1',
    kind: 'RemoteSite',
    metadata: { name: site, uid: '00000000-0000-0000-0000-000000000001' },
    spec: { credentialsEpoch: 0 },
  });
  const strip = (o: KubeObject) => ({ ...o, metadata: { ...o.metadata, ownerReferences: undefined } });
  await create(env.client, SERVICE_ACCOUNTS, ns, strip(children.serviceAccount));
  await create(env.client, ROLES, ns, strip(children.role));
  await create(env.client, ROLE_BINDINGS, ns, strip(children.roleBinding));
  // The Secret its source names, and nothing more.
  await create(env.client, ROLES, ns, {
    metadata: { name: 'gridlake-agent-secrets' },
    rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['kpx-key'], verbs: ['get'] }],
  });
  await create(env.client, ROLE_BINDINGS, ns, {
    metadata: { name: 'gridlake-agent-secrets' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'gridlake-agent-secrets' },
    subjects: [{ kind: 'ServiceAccount', name: 'gridlake-agent', namespace: ns }],
  });
  for (const n of [ns, env.ns])
    await create(env.client, SECRETS, n, { metadata: { name: 'kpx-key' }, stringData: { serviceKey: 'sim-key' } });
  agentClient = createKubeClient(await serviceAccountKubeConfig(env, ns, 'gridlake-agent'));
  sim = createSimulator({ clock: systemClock, config: { keys: ['sim-key'] } }).app;
  simUrl = await sim.listen({ port: 0, host: '127.0.0.1' });
  dir = await mkdtemp(path.join(tmpdir(), 'gridlake-agent-it-'));
  bus = new LocalLogBus({ dir: path.join(dir, 'spool') });
  const spool: AgentSpool = {
    bus: countingBus(bus),
    usage: () => ({ records: 0, bytes: 0, limitBytes: 1 << 30 }),
    close: () => bus.close(),
  };
  const credentials: HubCredentials = {
    client: agentClient,
    serviceAccountUID: () => undefined,
    tokenExpiry: () => undefined,
    state: () => ({ kind: 'ok' }),
    stop: async () => undefined,
  };
  const forwarder: Forwarder = { watermarks: () => ({}), linked: () => false, stop: async () => undefined };
  const heartbeat: Heartbeat = {
    failures: () => 0,
    revokedGraceSeconds: () => undefined,
    stop: async () => undefined,
  };
  agent = startAgent({
    site,
    podName: 'agent-0',
    version: 'test',
    checkpointDir: path.join(dir, 'checkpoints'),
    spool,
    credentials,
    startForwarder: () => forwarder,
    startHeartbeat: () => heartbeat,
    registry: new Registry(),
    logger: createLogger({ level: 'silent' }),
    clock: systemClock,
    sources: { progressIntervalMs: 300, recheckMs: 1000, informer: { resyncMs: 0 } },
  });
  await agent.sources.waitForSync(30_000);
}, 180_000);

afterAll(async () => {
  await agent?.stop();
  await bus?.close();
  await sim?.close();
  await env?.teardown();
  if (env) await deleteNamespace(env.client, ns);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the agent runs the sources of its site namespace', () => {
  it('collects a PowerSource of the site into the spool and writes its status.progress as <site>/<pod>', async () => {
    await create(env.client, POWER_SOURCES, ns, power('kpx'));
    await eventually('readings of the site source in the spool', () => (sent.get(`${ns}/kpx`) ?? 0) > 0, {
      timeoutMs: 30_000,
    });
    const progress = await eventually(
      'status.progress written by the agent',
      async () => {
        const got = await get(env.client, POWER_SOURCES, ns, 'kpx');
        const p = (got?.['status'] as { progress?: { reporter?: string; recordsTotal?: number } } | undefined)
          ?.progress;
        return p && (p.recordsTotal ?? 0) > 0 ? p : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(progress.reporter).toBe(`${site}/agent-0`);
    expect(Object.keys(agent.sources.state().running)).toEqual(['PowerSource/kpx']);
  }, 60_000);

  it('ignores a source in another namespace (its token could not even list it)', async () => {
    await create(env.client, POWER_SOURCES, env.ns, power('hub-kpx'));
    await new Promise((r) => setTimeout(r, 2000));
    expect(Object.keys(agent.sources.state().running)).toEqual(['PowerSource/kpx']);
    expect(sent.get(`${env.ns}/hub-kpx`)).toBeUndefined();
  }, 30_000);

  it('restarts a source whose spec changes (a new generation)', async () => {
    const before = agent.sources.state().running['PowerSource/kpx'];
    const patched = await mergePatch(env.client, POWER_SOURCES, ns, 'kpx', { spec: { pollIntervalSeconds: 600 } });
    const version = await eventually(
      'collector restarted with the new generation',
      () => {
        const v = agent.sources.state().running['PowerSource/kpx'];
        return v !== undefined && v !== before ? v : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(version).toContain(`@${patched.metadata.generation}#`);
  }, 30_000);

  it('stops a source that is deleted', async () => {
    await remove(env.client, POWER_SOURCES, ns, 'kpx');
    await eventually('collector stopped', () => Object.keys(agent.sources.state().running).length === 0, {
      timeoutMs: 20_000,
    });
  }, 30_000);
});
