import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import { applyActions } from '../../../controllers/apply.js';
import { AGENT_NAME, planSite } from '../../../controllers/remote-site-plan.js';
import {
  LEASES,
  NAMESPACES,
  POWER_SOURCES,
  REMOTE_SITES,
  ROLES,
  ROLE_BINDINGS,
  SECRETS,
  SERVICE_ACCOUNTS,
  WEATHER_SOURCES,
} from '../../../controllers/resources.js';
import { siteNamespace } from '../../../src/api/remote-site.js';
import { errorReason, errorStatus } from '../../../src/k8s/api-errors.js';
import { createKubeClient, type KubeClient } from '../../../src/k8s/kube-client.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { helm } from '../../infra/index.js';
import { create, get, list, rand, serviceAccountKubeConfig, setup, tokenKubeConfig, type Env } from './helpers.js';

const exec = promisify(execFile);
const CHART = path.resolve(import.meta.dirname, '../../../charts/gridlake');

/**
 * The site agent's least privilege, proven on the real kube-apiserver with
 * the agent's real token: the Role the controller makes (as the chart's
 * ServiceAccount, so the chart's ClusterRole may grant it) and the chart's
 * ValidatingAdmissionPolicy. Every allowed verb and every denied one, asked
 * with `kubectl auth can-i`, then real requests.
 */
let env: Env;
let release: string;
let policy: string;
let controller: KubeClient;
const siteName = `a${rand()}`;
const otherSite = `b${rand()}`;
const ns = siteNamespace(siteName);
let token: string;

const kubectl = (...args: string[]) => exec(env.k.kubectl, ['--kubeconfig', env.k.kubeconfig, ...args]);

/** The RemoteSite reconciler's passes for one site, applied as the chart's ServiceAccount, until nothing is left to do. */
async function reconcileSite(name: string): Promise<void> {
  const { client } = env;
  const sns = siteNamespace(name);
  for (let pass = 0; pass < 6; pass++) {
    const site = await get(client, REMOTE_SITES, undefined, name);
    if (!site) throw new Error(`RemoteSite ${name} is gone`);
    const hasNs = (await get(client, NAMESPACES, undefined, sns)) !== undefined;
    const plan = planSite(
      {
        site,
        namespace: await get(client, NAMESPACES, undefined, sns),
        serviceAccount: await get(client, SERVICE_ACCOUNTS, sns, AGENT_NAME),
        role: await get(client, ROLES, sns, AGENT_NAME),
        roleBinding: await get(client, ROLE_BINDINGS, sns, AGENT_NAME),
        lease: await get(client, LEASES, sns, AGENT_NAME),
        sources: {
          power: hasNs ? await list(client, POWER_SOURCES, sns) : [],
          weather: hasNs ? await list(client, WEATHER_SOURCES, sns) : [],
        },
      },
      Date.now(),
    );
    if (plan.actions.length === 0) return;
    await applyActions(controller, plan.actions);
  }
  throw new Error(`site ${name} did not settle in 6 passes`);
}

const site = (name: string) => ({
  apiVersion: 'gridlake.io/v1alpha1',
  kind: 'RemoteSite',
  metadata: { name },
  spec: {},
});
const powerSource = (name: string, secret: string) => ({
  apiVersion: 'gridlake.io/v1alpha1',
  kind: 'PowerSource',
  metadata: { name },
  spec: { serviceKeySecretRef: { name: secret, key: 'serviceKey' } },
});

beforeAll(async () => {
  env = await setup('ctl-agent');
  release = `agent-${rand()}`;
  policy = `${release}-gridlake-agent-progress-only`;
  const h = await helm();
  const { stdout } = await exec(
    h.helm,
    ['template', release, CHART, '-n', env.ns]
      .concat(['--show-only', 'templates/rbac.yaml', '--show-only', 'templates/serviceaccount.yaml'])
      .concat(['--show-only', 'templates/agent-policy.yaml']),
    { env: { ...process.env, ...h.env } },
  );
  const child = exec(env.k.kubectl, ['--kubeconfig', env.k.kubeconfig, 'apply', '-n', env.ns, '-f', '-']);
  child.child.stdin!.end(stdout);
  await child;
  controller = createKubeClient(await serviceAccountKubeConfig(env, env.ns, `${release}-gridlake`));

  for (const n of [siteName, otherSite]) await create(env.client, REMOTE_SITES, undefined, site(n));
  await reconcileSite(siteName);
  await reconcileSite(otherSite);
  for (const [where, name] of [
    [ns, 'kpx-key'],
    [ns, 'other-secret'],
    [siteNamespace(otherSite), 'kpx-key'],
  ] as const)
    await create(env.client, SECRETS, where, { metadata: { name }, stringData: { serviceKey: 'k' } });
  await create(env.client, POWER_SOURCES, ns, powerSource('kpx', 'kpx-key'));
  await create(env.client, POWER_SOURCES, siteNamespace(otherSite), powerSource('kpx', 'kpx-key'));
  // The source names a Secret: the controller adds it to the agent's Role.
  await reconcileSite(siteName);
  await reconcileSite(otherSite);

  // The agent's real token, minted as the admin does for its bootstrap.
  const tr = await env.client.request<{ status: { token: string } }>({
    method: 'POST',
    path: `/api/v1/namespaces/${ns}/serviceaccounts/${AGENT_NAME}/token`,
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
  });
  token = tr.status.token;
}, 180_000);

afterAll(async () => {
  await kubectl('delete', 'clusterrole,clusterrolebinding', `${release}-gridlake-controller`, '--ignore-not-found');
  await kubectl(
    'delete',
    'validatingadmissionpolicy,validatingadmissionpolicybinding',
    `${release}-gridlake-agent-progress-only`,
    '--ignore-not-found',
  );
  for (const n of [siteName, otherSite])
    await env.client
      .request({ method: 'DELETE', path: `/apis/gridlake.io/v1alpha1/remotesites/${n}` })
      .catch(() => undefined);
  for (const n of [siteName, otherSite])
    await env.client
      .request({ method: 'DELETE', path: `/api/v1/namespaces/${siteNamespace(n)}` })
      .catch(() => undefined);
  await env?.teardown();
});

/** `kubectl auth can-i` as the agent, with its token and nothing else of the admin's kubeconfig. */
async function agentCan(...args: string[]): Promise<boolean> {
  try {
    await exec(env.k.kubectl, [
      '--kubeconfig=/dev/null',
      `--server=${env.k.server}`,
      `--certificate-authority=${env.k.caFile}`,
      `--token=${token}`,
      'auth',
      'can-i',
      ...args,
    ]);
    return true;
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    // can-i answers "no" with exit status 1; anything else is a broken question, not a denial.
    if (e.code === 1 && /^no\b/m.test(e.stdout ?? '')) return false;
    throw err;
  }
}

function agentClient(): KubeClient {
  return createKubeClient(tokenKubeConfig(env, 'agent', token));
}

describe("the site agent's least privilege", () => {
  it('the Role the controller (as the chart ServiceAccount) made grants every verb the agent needs', async () => {
    const allowed: string[][] = [
      ['get', 'powersources'],
      ['list', 'powersources'],
      ['watch', 'powersources'],
      ['get', 'weathersources'],
      ['list', 'weathersources'],
      ['watch', 'weathersources'],
      ['patch', 'powersources', '--subresource=status'],
      ['patch', 'weathersources', '--subresource=status'],
      ['get', `leases.coordination.k8s.io/${AGENT_NAME}`],
      ['update', `leases.coordination.k8s.io/${AGENT_NAME}`],
      ['create', `serviceaccounts/${AGENT_NAME}`, '--subresource=token'],
      ['get', 'secrets/kpx-key'],
      ['create', 'events.events.k8s.io'],
    ];
    const refused: string[] = [];
    for (const q of allowed) if (!(await agentCan(...q, '-n', ns))) refused.push(q.join(' '));
    expect(refused).toEqual([]);
  }, 120_000);

  it('denies everything else: spec, other namespaces, other Secrets, Lease create, other tokens, cluster reads, workloads', async () => {
    const other = siteNamespace(otherSite);
    const denied: string[][] = [
      ['patch', 'powersources', '-n', ns],
      ['update', 'powersources', '-n', ns],
      ['create', 'powersources', '-n', ns],
      ['delete', 'powersources', '-n', ns],
      ['patch', 'remotesites', '--subresource=status'],
      ['get', 'powersources', '-n', other],
      ['list', 'weathersources', '-n', other],
      ['patch', 'powersources', '--subresource=status', '-n', other],
      ['list', 'powersources', '-n', env.ns],
      ['list', 'secrets', '-n', ns],
      ['watch', 'secrets', '-n', ns],
      ['get', 'secrets/other-secret', '-n', ns],
      ['get', 'secrets/kpx-key', '-n', other],
      ['create', 'secrets', '-n', ns],
      ['create', 'leases.coordination.k8s.io', '-n', ns],
      ['get', 'leases.coordination.k8s.io/other', '-n', ns],
      ['delete', `leases.coordination.k8s.io/${AGENT_NAME}`, '-n', ns],
      ['create', 'serviceaccounts/default', '--subresource=token', '-n', ns],
      ['create', `serviceaccounts/${AGENT_NAME}`, '--subresource=token', '-n', other],
      ['get', 'serviceaccounts', '-n', ns],
      ['get', `remotesites/${siteName}`],
      ['list', 'remotesites'],
      ['list', 'namespaces'],
      ['get', `namespaces/${ns}`],
      ['list', 'nodes'],
      ['get', 'pods', '-n', ns],
      ['create', 'pods', '-n', ns],
      ['list', 'deployments.apps', '-n', ns],
      ['get', 'configmaps', '-n', ns],
      ['update', `roles.rbac.authorization.k8s.io/${AGENT_NAME}`, '-n', ns],
      ['create', 'rolebindings.rbac.authorization.k8s.io', '-n', ns],
    ];
    const granted: string[] = [];
    for (const q of denied) if (await agentCan(...q)) granted.push(q.join(' '));
    expect(granted).toEqual([]);
  }, 120_000);

  it('real requests: the agent reads its Secret, renews its Lease and its token; the policy refuses any status but progress', async () => {
    const agent = agentClient();
    const sourcePath = `/apis/gridlake.io/v1alpha1/namespaces/${ns}/powersources/kpx`;
    const merge = (c: KubeClient, p: string, body: unknown) =>
      c.request<KubeObject>({ method: 'PATCH', path: p, contentType: 'application/merge-patch+json', body });
    const status = (c: KubeClient, body: unknown) => merge(c, `${sourcePath}/status`, body);
    const failure = async (p: Promise<unknown>): Promise<{ code?: number; reason?: string; message: string }> => {
      try {
        await p;
      } catch (err) {
        return { code: errorStatus(err), reason: errorReason(err), message: String(err) };
      }
      throw new Error('the request was allowed');
    };

    // Reads its Secret by name; listing Secrets is refused.
    expect(
      (await agent.request<KubeObject>({ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets/kpx-key` })).metadata
        .name,
    ).toBe('kpx-key');
    expect((await failure(agent.request({ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets` }))).code).toBe(403);
    // Renews the Lease the controller made (update, keeping the hub's annotations).
    const lease = await agent.request<KubeObject>({
      method: 'GET',
      path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${AGENT_NAME}`,
    });
    const renewTime = new Date().toISOString().replace(/Z$/, '000Z');
    await agent.request({
      method: 'PUT',
      path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${AGENT_NAME}`,
      body: { ...lease, spec: { ...(lease['spec'] as object), holderIdentity: 'agent-0/boot', renewTime } },
    });
    // Mints its next token.
    const next = await agent.request<{ status: { token: string } }>({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/serviceaccounts/${AGENT_NAME}/token`,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } },
    });
    expect(next.status.token.length).toBeGreaterThan(100);

    // The controller's status (conditions) is there; the agent may write progress beside it, and nothing else.
    await status(env.client, {
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'RunByAgent',
            message: 'x',
            lastTransitionTime: '2026-01-01T00:00:00Z',
          },
        ],
      },
    });
    const forged = {
      status: {
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'Forged',
            message: 'x',
            lastTransitionTime: '2026-01-01T00:00:00Z',
          },
        ],
      },
    };
    // The binding takes effect about half a second after it is created.
    const refusal = await eventually(
      'a refusal of the forged conditions',
      async () => {
        try {
          await status(agent, forged);
          return false;
        } catch (err) {
          return { code: errorStatus(err), reason: errorReason(err), message: String(err) };
        }
      },
      { timeoutMs: 15_000, intervalMs: 250 },
    );
    expect(refusal).toMatchObject({ code: 403, reason: 'Forbidden' });
    expect(refusal.message).toContain(`ValidatingAdmissionPolicy '${policy}'`);
    expect(refusal.message).toContain('the site agent may change only status.progress');
    for (const body of [{ status: { site: 'hub' } }, { status: { observedGeneration: 99 } }])
      expect((await failure(status(agent, body))).code).toBe(403);
    const progress = { reporter: `${siteName}/agent-0`, updatedAt: '2026-03-10T03:00:00Z' };
    const written = await status(agent, { status: { progress } });
    expect((written['status'] as { progress?: unknown }).progress).toMatchObject(progress);
    expect((written['status'] as { conditions?: { reason: string }[] }).conditions?.[0]?.reason).toBe('RunByAgent');
    // The spec is RBAC's: refused before any policy runs.
    expect((await failure(merge(agent, sourcePath, { spec: { suspend: true } }))).code).toBe(403);
    // Another site's source: refused by RBAC too.
    const elsewhere = `/apis/gridlake.io/v1alpha1/namespaces/${siteNamespace(otherSite)}/powersources/kpx/status`;
    expect((await failure(merge(agent, elsewhere, { status: { progress } }))).code).toBe(403);
    // The admin (and the controller) are not agents: the policy does not apply to them.
    await status(env.client, forged);
  }, 120_000);
});
