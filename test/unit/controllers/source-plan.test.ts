import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { APPLIED_HASH, CONFIG_HASH } from '../../../controllers/resources.js';
import { budgetCondition, collectorWorker, planSource, type SourceObserved } from '../../../controllers/source-plan.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { validateResource } from '../../../src/api/validate.js';
import type { Action } from '../../../controllers/apply.js';
import { NS, OPTS, at, condOf, generationsOf, resource, secret } from './fixtures.js';

const NOW = at('2026-03-10T03:00:00Z');

const power = (spec: Record<string, unknown> = {}, meta: Parameters<typeof resource>[3] = {}, status?: object) =>
  resource(
    'PowerSource',
    'kpx',
    { serviceKeySecretRef: { name: 'kpx-key', key: 'serviceKey' }, ...spec },
    meta,
    status as Record<string, unknown> | undefined,
  );

const weather = (spec: Record<string, unknown> = {}) =>
  resource('WeatherSource', 'kma', {
    serviceKeySecretRef: { name: 'kma-key', key: 'serviceKey' },
    locations: [
      { name: 'seoul', nx: 60, ny: 127 },
      { name: 'busan', lat: 35.1, lon: 129.04 },
    ],
    ...spec,
  });

function observed(source: KubeObject, extra: Partial<SourceObserved> = {}): SourceObserved {
  return {
    source,
    secret: secret('kpx-key', ['serviceKey']),
    configMap: undefined,
    deployment: undefined,
    site: undefined,
    ...extra,
  };
}

type Body = KubeObject & { spec: Record<string, unknown>; data: Record<string, string> };
const bodies = (actions: readonly Action[]) =>
  actions.map((a) => {
    if (a.op !== 'apply') throw new Error(`expected apply, got ${a.op}`);
    return a.body as Body;
  });
const template = (d: Body) =>
  (d.spec as { template: { metadata: { annotations: Record<string, string> }; spec: Record<string, unknown> } })
    .template;
const container = (d: Body) =>
  (template(d).spec['containers'] as { args: string[]; env: { name: string }[]; image: string }[])[0]!;

/** The children as they are once applied: the informer would now hold exactly these bodies. */
function applied(actions: readonly Action[]): {
  configMap: KubeObject;
  deployment: KubeObject;
  serviceAccount: KubeObject;
  role: KubeObject;
  roleBinding: KubeObject;
} {
  const byKind = new Map(bodies(actions).map((b) => [b.kind, b as KubeObject]));
  const of = (kind: string) => {
    const b = byKind.get(kind);
    if (!b) throw new Error(`no ${kind} applied`);
    return b;
  };
  return {
    configMap: of('ConfigMap'),
    deployment: of('Deployment'),
    serviceAccount: of('ServiceAccount'),
    role: of('Role'),
    roleBinding: of('RoleBinding'),
  };
}
const deploymentOf = (actions: readonly Action[]) => bodies(actions).find((b) => b.kind === 'Deployment')!;

describe('planSource in a hub namespace', () => {
  it('renders an identity, a ConfigMap, then a Deployment, all controlled by the source, with the config hash on the pod template', () => {
    const plan = planSource('PowerSource', observed(power()), OPTS, NOW);
    expect(plan.actions.map((a) => [a.op, a.ref.resource.kind, a.ref.name, a.ref.namespace])).toEqual([
      ['apply', 'ServiceAccount', 'kpx-collector', NS],
      ['apply', 'Role', 'kpx-collector', NS],
      ['apply', 'RoleBinding', 'kpx-collector', NS],
      ['apply', 'ConfigMap', 'kpx-collector', NS],
      ['apply', 'Deployment', 'kpx-collector', NS],
    ]);
    const [sa, role, binding, cm, dep] = bodies(plan.actions);
    for (const child of [sa!, role!, binding!, cm!, dep!]) {
      expect(child.metadata.ownerReferences).toEqual([
        {
          apiVersion: 'gridlake.io/v1alpha1',
          kind: 'PowerSource',
          name: 'kpx',
          uid: 'uid-kpx',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      expect(child.metadata.annotations?.[APPLIED_HASH]).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(JSON.parse(cm!.data['config.json']!)).toMatchObject({
      kind: 'PowerSource',
      spec: { topic: expect.any(String) },
    });
    expect(dep!.spec).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
    expect(template(dep!).metadata.annotations[CONFIG_HASH]).toMatch(/^[0-9a-f]{16}$/);
    const c = container(dep!);
    expect(c.image).toBe(OPTS.image);
    expect(c.args).toEqual(
      expect.arrayContaining(['collect', '--kind', 'power', '--source', `${NS}/kpx`, '--brokers', 'kafka:9092']),
    );
    expect(c.env).toContainEqual({
      name: 'GRIDLAKE_SERVICE_KEY',
      valueFrom: { secretKeyRef: { name: 'kpx-key', key: 'serviceKey' } },
    });
    // It reports its progress with a token that may patch this source's status and nothing else.
    expect(c.args).toContain('--report-status');
    expect(template(dep!).spec).toMatchObject({
      serviceAccountName: 'kpx-collector',
      automountServiceAccountToken: true,
    });
    expect(role!['rules']).toEqual([
      { apiGroups: ['gridlake.io'], resources: ['powersources/status'], resourceNames: ['kpx'], verbs: ['patch'] },
    ]);
    expect(binding).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kpx-collector' },
      subjects: [{ kind: 'ServiceAccount', name: 'kpx-collector', namespace: NS }],
    });
  });

  it('pins a WeatherSource collector to weathersources/status of its own name', () => {
    const plan = planSource(
      'WeatherSource',
      observed(weather(), { secret: secret('kma-key', ['serviceKey']) }),
      OPTS,
      NOW,
    );
    const role = bodies(plan.actions).find((b) => b.kind === 'Role')!;
    expect(role['rules']).toEqual([
      { apiGroups: ['gridlake.io'], resources: ['weathersources/status'], resourceNames: ['kma'], verbs: ['patch'] },
    ]);
  });

  it('makes no write when the children already carry the hashes it would apply', () => {
    const first = planSource('PowerSource', observed(power()), OPTS, NOW);
    const again = planSource('PowerSource', observed(power(), applied(first.actions)), OPTS, NOW);
    expect(again.actions).toEqual([]);
  });

  it('changes the config hash when the spec changes, so the Deployment rolls', () => {
    const before = applied(planSource('PowerSource', observed(power()), OPTS, NOW).actions);
    const changed = power({ pollIntervalSeconds: 900 }, { generation: 2 });
    const plan = planSource('PowerSource', observed(changed, before), OPTS, NOW);
    // Only the config and the pods change: the identity is the same.
    expect(plan.actions.map((a) => a.ref.resource.kind)).toEqual(['ConfigMap', 'Deployment']);
    const after = deploymentOf(plan.actions);
    expect(template(after).metadata.annotations[CONFIG_HASH]).not.toBe(
      template(before.deployment as Body).metadata.annotations[CONFIG_HASH],
    );
    expect(container(after).args).toEqual(expect.arrayContaining(['--poll-interval', '15']));
  });

  it('also re-applies when someone edits a child (its applied hash no longer matches)', () => {
    const { configMap, deployment } = applied(planSource('PowerSource', observed(power()), OPTS, NOW).actions);
    const edited = {
      ...deployment,
      metadata: { ...deployment.metadata, annotations: { [APPLIED_HASH]: 'someone-else' } },
    };
    const plan = planSource(
      'PowerSource',
      observed(power(), {
        ...applied(planSource('PowerSource', observed(power()), OPTS, NOW).actions),
        configMap,
        deployment: edited,
      }),
      OPTS,
      NOW,
    );
    expect(plan.actions.map((a) => a.ref.resource.kind)).toEqual(['Deployment']);
  });

  it('scales a suspended source to zero and says so in Ready', () => {
    const plan = planSource('PowerSource', observed(power({ suspend: true })), OPTS, NOW);
    expect(deploymentOf(plan.actions).spec['replicas']).toBe(0);
    expect(condOf(plan.status, 'Ready')).toMatchObject({ status: 'False', reason: 'Suspended' });
    expect(condOf(plan.status, 'Collecting')).toMatchObject({ status: 'False', reason: 'Suspended' });
  });

  it.each([
    ['no Secret', undefined, 'True', 'SecretNotFound'],
    ['a Secret without the key', secret('kpx-key', ['other']), 'True', 'SecretKeyNotFound'],
    ['the Secret and its key', secret('kpx-key', ['serviceKey']), 'False', 'SecretFound'],
  ] as const)('reports SecretMissing with %s', (_, sec, status, reason) => {
    const plan = planSource('PowerSource', observed(power(), { secret: sec }), OPTS, NOW);
    expect(condOf(plan.status, 'SecretMissing')).toMatchObject({ status, reason });
    if (status === 'True') expect(condOf(plan.status, 'Ready')).toMatchObject({ status: 'False', reason });
    // The Deployment is still made: it waits for the Secret (the pod cannot start without it).
    expect(plan.actions.map((a) => a.ref.resource.kind)).toContain('Deployment');
  });

  it('is Ready only once the Deployment has its pod available and nothing is left to apply', () => {
    const children = applied(planSource('PowerSource', observed(power()), OPTS, NOW).actions);
    const { deployment } = children;
    const notYet = planSource('PowerSource', observed(power(), children), OPTS, NOW);
    expect(condOf(notYet.status, 'Ready')).toMatchObject({ status: 'False', reason: 'DeploymentNotAvailable' });
    const available: KubeObject = {
      ...deployment,
      metadata: { ...deployment.metadata, generation: 1 },
      status: { observedGeneration: 1, availableReplicas: 1 },
    };
    const ready = planSource('PowerSource', observed(power(), { ...children, deployment: available }), OPTS, NOW);
    expect(condOf(ready.status, 'Ready')).toMatchObject({ status: 'True', reason: 'Available' });
  });

  it('stamps status and every condition with the generation it planned from', () => {
    const plan = planSource('PowerSource', observed(power({}, { generation: 7 })), OPTS, NOW);
    expect(plan.status['observedGeneration']).toBe(7);
    expect(generationsOf(plan.status)).toEqual([7, 7, 7, 7, 7]);
    expect(plan.status['site']).toBe('hub');
  });

  it('keeps lastTransitionTime when a condition keeps its status', () => {
    const first = planSource('PowerSource', observed(power()), OPTS, NOW);
    const again = planSource('PowerSource', observed(power({}, {}, first.status)), OPTS, NOW + 60_000);
    expect(again.status['conditions']).toEqual(first.status['conditions']);
  });
});

describe('Collecting, from the collector status.progress', () => {
  const withProgress = (progress: Record<string, unknown>) => power({}, {}, { progress });
  /** Plans at NOW with the collector's progress block. */
  const collecting = (updatedAt: string, extra: Record<string, unknown> = {}) =>
    planSource(
      'PowerSource',
      observed(withProgress({ reporter: 'pod', updatedAt, lastOutcome: 'ok', ...extra })),
      OPTS,
      NOW,
    );

  it('is Unknown before the collector reports', () => {
    const plan = planSource('PowerSource', observed(power()), OPTS, NOW);
    expect(condOf(plan.status, 'Collecting')).toMatchObject({ status: 'Unknown', reason: 'NoProgressYet' });
    expect(plan.requeueAfterMs).toBeNull();
  });

  it('is True after a recent ok report, and requeues for the moment it would go stale', () => {
    const plan = collecting('2026-03-10T02:59:00Z');
    expect(condOf(plan.status, 'Collecting')).toMatchObject({ status: 'True', reason: 'WorkerReportsOk' });
    // stale after 3 poll intervals (300 s) + 60 s from 02:59:00
    expect(plan.requeueAfterMs).toBe(at('2026-03-10T02:59:00Z') + 960_000 - NOW);
    expect(plan.status['progress']).toMatchObject({ lastOutcome: 'ok' }); // the worker's block is kept
  });

  it('is False when the last report is an error, or too old', () => {
    const failing = collecting('2026-03-10T02:59:00Z', {
      lastOutcome: 'error',
      lastError: { class: 'Upstream', message: 'HTTP 500', time: '2026-03-10T02:59:00Z' },
    });
    expect(condOf(failing.status, 'Collecting')).toMatchObject({
      status: 'False',
      reason: 'WorkerReportsError',
      message: 'Upstream: HTTP 500',
    });
    const stale = collecting('2026-03-10T01:00:00Z');
    expect(condOf(stale.status, 'Collecting')).toMatchObject({ status: 'False', reason: 'ProgressStale' });
    expect(stale.requeueAfterMs).toBeNull();
  });
});

describe('Collecting=False NetworkBlocked, when the service never answered the connection', () => {
  const connectTimeout = {
    reporter: 'pod',
    updatedAt: '2026-03-10T02:59:00Z',
    lastOutcome: 'timeout',
    lastError: {
      class: 'ConnectTimeout',
      message: 'apis.data.go.kr did not answer the TCP connection within 10000 ms',
      time: '2026-03-10T02:59:00Z',
    },
  };

  it('in a hub namespace, says the service refused the network and points at a site namespace', () => {
    const plan = planSource('PowerSource', observed(power({}, {}, { progress: connectTimeout })), OPTS, NOW);
    const c = condOf(plan.status, 'Collecting');
    expect(c).toMatchObject({ status: 'False', reason: 'NetworkBlocked' });
    expect(c?.message).toContain("did not answer connections from the hub's network");
    expect(c?.message).toContain('gridlake-site-<site>');
    expect(c?.message).toContain('within 10000 ms'); // the collector's own words are kept
  });

  it('in a site namespace, names the site and suggests no other place', () => {
    const src = power({}, { namespace: 'gridlake-site-naver' }, { progress: connectTimeout });
    const c = condOf(planSource('PowerSource', observed(src), OPTS, NOW).status, 'Collecting');
    expect(c).toMatchObject({ status: 'False', reason: 'NetworkBlocked' });
    expect(c?.message).toContain('network of site naver');
    expect(c?.message).not.toContain('gridlake-site-<site>');
  });

  it('leaves an ordinary timeout (connected, no answer) and a stale report alone', () => {
    const slow = { ...connectTimeout, lastError: { ...connectTimeout.lastError, class: 'timeout' } };
    const plan = planSource('PowerSource', observed(power({}, {}, { progress: slow })), OPTS, NOW);
    expect(condOf(plan.status, 'Collecting')).toMatchObject({ status: 'False', reason: 'WorkerReportsError' });
    const old = { ...connectTimeout, updatedAt: '2026-03-10T01:00:00Z' };
    const stale = planSource('PowerSource', observed(power({}, {}, { progress: old })), OPTS, NOW);
    expect(condOf(stale.status, 'Collecting')).toMatchObject({ status: 'False', reason: 'ProgressStale' });
  });
});

describe('BudgetExceeded, from the collector planners', () => {
  it.each([
    ['a gateway key that cannot poll every 5 minutes', 'PowerSource', {}, 'True', 'IntervalTooShort'],
    ['a gateway key with room for every slot', 'PowerSource', { dailyCallBudget: 1000 }, 'False', 'WithinBudget'],
    [
      'a legacy key that misses slots',
      'PowerSource',
      { endpoint: { api: 'legacy', baseUrl: 'http://openapi.kpx.or.kr' } },
      'True',
      'SlotsWillBeMissed',
    ],
    ['two locations within 10000 calls', 'WeatherSource', {}, 'False', 'WithinBudget'],
    ['two locations on 40 calls', 'WeatherSource', { dailyCallBudget: 40 }, 'True', 'SlotsWillBeMissed'],
  ] as const)('%s', (_, kind, spec, status, reason) => {
    const src = kind === 'PowerSource' ? power(spec) : weather(spec);
    const c = budgetCondition(kind, src['spec'] as Parameters<typeof budgetCondition>[1]);
    expect(c).toMatchObject({ type: 'BudgetExceeded', status, reason });
    const plan = planSource(kind, observed(src), OPTS, NOW);
    expect(condOf(plan.status, 'BudgetExceeded')).toMatchObject({ status, reason });
  });
});

describe('the shipped cluster examples', () => {
  it.each([
    ['PowerSource', 'power-source-naver.yaml'],
    ['WeatherSource', 'weather-source.yaml'],
  ] as const)('%s fits its budget (no BudgetExceeded)', (kind, file) => {
    const doc = parse(readFileSync(path.join(import.meta.dirname, '../../../examples/cluster', file), 'utf8')) as {
      spec: Record<string, unknown>;
    };
    const spec = validateResource(doc, { semantic: false });
    if (!spec.ok) throw new Error(JSON.stringify(spec.errors));
    expect(budgetCondition(kind, spec.resource.spec as never)).toMatchObject({ status: 'False' });
  });
});

describe('WeatherSource', () => {
  it('passes every location in the form the collector parses', () => {
    expect(collectorWorker('WeatherSource', weather()).args).toEqual(
      expect.arrayContaining(['--kind', 'weather', '--location', 'seoul=60,127', '--location', 'busan=35.1,129.04']),
    );
  });

  it('passes whole-degree coordinates as coordinates, not as a grid cell', () => {
    const src = weather({ locations: [{ name: 'busan', lat: 35, lon: 129 }] });
    expect(collectorWorker('WeatherSource', src).args).toEqual(
      expect.arrayContaining(['--location', 'busan=35.0,129.0']),
    );
  });

  it('refuses an empty location list with InvalidSpec and runs nothing', () => {
    const src = weather();
    const empty = { ...src, spec: { ...(src['spec'] as object), locations: [] } };
    const plan = planSource('WeatherSource', observed(empty, { secret: secret('kma-key', ['serviceKey']) }), OPTS, NOW);
    expect(plan.actions).toEqual([]);
    expect(condOf(plan.status, 'InvalidSpec')).toMatchObject({ status: 'True', reason: 'SpecInvalid' });
    expect(condOf(plan.status, 'Ready')).toMatchObject({ status: 'False', reason: 'SpecInvalid' });
  });

  it("refuses coordinates the CRD lets through but KMA's grid does not cover, with InvalidSpec naming the cell", () => {
    // Inside the CRD's box around the grid (its south-west corner), outside the grid itself.
    const src = weather();
    const corner = { ...src, spec: { ...(src['spec'] as object), locations: [{ name: 'sw', lat: 31.7, lon: 123.4 }] } };
    const plan = planSource(
      'WeatherSource',
      observed(corner, { secret: secret('kma-key', ['serviceKey']) }),
      OPTS,
      NOW,
    );
    expect(plan.actions).toEqual([]);
    expect(condOf(plan.status, 'InvalidSpec')).toMatchObject({
      status: 'True',
      reason: 'SpecInvalid',
      message: expect.stringContaining(
        "spec.locations[0]: location sw: lat 31.7, lon 123.4 is grid cell nx -6, ny -1, outside KMA's 5 km grid (nx 1..149, ny 1..253",
      ),
    });
  });
});

describe('planSource in a site namespace', () => {
  const remote = () => power({}, { namespace: 'gridlake-site-naver' });
  const site = (connected: 'True' | 'Unknown'): KubeObject => ({
    apiVersion: 'gridlake.io/v1alpha1',
    kind: 'RemoteSite',
    metadata: { name: 'naver', uid: 'uid-site' },
    status: { conditions: [{ type: 'AgentConnected', status: connected, reason: 'x', message: '' }] },
  });

  it.each([
    ['no RemoteSite', undefined, 'SiteNotRegistered', 'False'],
    ['a site whose agent is away', site('Unknown'), 'AgentNotConnected', 'False'],
    ['a site whose agent renews its Lease', site('True'), 'RunByAgent', 'True'],
  ] as const)('creates nothing on the hub, with %s', (_, s, reason, status) => {
    const plan = planSource('PowerSource', observed(remote(), { site: s, secret: undefined }), OPTS, NOW);
    expect(plan.actions).toEqual([]);
    expect(plan.status['site']).toBe('naver');
    expect(condOf(plan.status, 'Ready')).toMatchObject({ status, reason });
    // The agent reads the Secret in its own cluster: the hub does not report on it.
    expect(condOf(plan.status, 'SecretMissing')).toBeUndefined();
  });

  it('reads Collecting=Unknown AgentDisconnected after three missed renewals, and normal again when the agent is back', () => {
    const fresh = { updatedAt: '2026-03-10T02:59:30Z', lastOutcome: 'ok' };
    const src = power({}, { namespace: 'gridlake-site-naver' }, { progress: fresh });
    const s = { ...site('True'), spec: { leaseDurationSeconds: 40 } };
    const plan = (heartbeatAt: number, now: number) =>
      planSource(
        'PowerSource',
        observed(src, { site: s, secret: undefined, agentHeartbeatAt: heartbeatAt }),
        OPTS,
        now,
      );
    // Renewed 20 s ago (two renewals missed): still what the progress says, and a requeue for the third.
    const twoMissed = plan(NOW - 20_000, NOW);
    expect(condOf(twoMissed.status, 'Collecting')).toMatchObject({ status: 'True' });
    expect(twoMissed.requeueAfterMs).toBe(10_000);
    // 30 s (3 x the 10 s renew interval of a 40 s lease): the progress shown is no longer news.
    const away = plan(NOW - 30_000, NOW);
    expect(condOf(away.status, 'Collecting')).toMatchObject({ status: 'Unknown', reason: 'AgentDisconnected' });
    expect(condOf(away.status, 'Collecting')?.message).toContain('2026-03-10T02:59:30Z');
    // The agent renews again: Collecting follows its progress.
    const back = plan(NOW + 5000, NOW + 5000);
    expect(condOf(back.status, 'Collecting')).toMatchObject({ status: condOf(twoMissed.status, 'Collecting')?.status });
    expect(condOf(back.status, 'Collecting')?.reason).toBe(condOf(twoMissed.status, 'Collecting')?.reason);
  });
});
