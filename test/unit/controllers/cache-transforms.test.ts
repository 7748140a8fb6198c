import { describe, expect, it } from 'vitest';
import type { Action } from '../../../controllers/apply.js';
import { planLakeSink, type LakeSinkObserved } from '../../../controllers/lake-sink-plan.js';
import { CACHE_TRANSFORMS } from '../../../controllers/operator.js';
import { planSite, type SiteObserved } from '../../../controllers/remote-site-plan.js';
import {
  CONFIG_MAPS,
  DEPLOYMENTS,
  NAMESPACES,
  ROLES,
  ROLE_BINDINGS,
  SECRETS,
  SERVICE_ACCOUNTS,
} from '../../../controllers/resources.js';
import { planSource, type SourceKind, type SourceObserved } from '../../../controllers/source-plan.js';
import type { WorkloadObserved } from '../../../controllers/workload-plan.js';
import type { ResourceRef } from '../../../src/k8s/informer.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { metadataOnly, type Transform } from '../../../src/k8s/transforms.js';
import { OPTS, at, bodyOf, resource, secret } from './fixtures.js';

// The informers of the kinds the controllers only check keep a trimmed copy
// (CACHE_TRANSFORMS in controllers/operator.ts). Every plan must come out the
// same from trimmed objects as from whole ones: when a controller starts to
// read a field a transform drops, a case here fails.

const NOW = at('2026-03-10T03:00:00Z');

const trimmerOf = (r: ResourceRef): Transform => CACHE_TRANSFORMS.get(`${r.group}/${r.plural}`) ?? ((o) => o);
const trim = (r: ResourceRef, o: KubeObject | undefined): KubeObject | undefined => o && trimmerOf(r)(o);

let rv = 100;
/** A child as the API server stores it after the apply: uid, resourceVersion, generation, server defaults, status. */
function stored(body: KubeObject, status?: Record<string, unknown>): KubeObject {
  const meta = {
    ...body.metadata,
    uid: `uid-${body.kind}-${body.metadata.name}`,
    resourceVersion: String(rv++),
    generation: 2,
    creationTimestamp: '2026-03-10T02:00:00Z',
  };
  if (body.kind !== 'Deployment') return { ...body, metadata: meta, ...(status ? { status } : {}) };
  const spec = body['spec'] as Record<string, unknown>;
  return {
    ...body,
    metadata: { ...meta, annotations: { ...meta.annotations, 'deployment.kubernetes.io/revision': '1' } },
    spec: { ...spec, revisionHistoryLimit: 10, progressDeadlineSeconds: 600 },
    ...(status ? { status } : {}),
  };
}

const applied = (actions: readonly Action[], kind: string): KubeObject =>
  bodyOf(actions.find((a) => a.ref.resource.kind === kind));

/** Deployment status variants the plans read: available, not yet, an older generation observed. */
const DEPLOYMENT_STATUSES: (Record<string, unknown> | undefined)[] = [
  undefined,
  { observedGeneration: 2, replicas: 1, availableReplicas: 1, updatedReplicas: 1 },
  { observedGeneration: 2, replicas: 1, unavailableReplicas: 1 },
  { observedGeneration: 1, replicas: 1, availableReplicas: 1 },
];

const power = (spec: Record<string, unknown> = {}) =>
  resource('PowerSource', 'kpx', { serviceKeySecretRef: { name: 'kpx-key', key: 'serviceKey' }, ...spec });
const weather = () =>
  resource('WeatherSource', 'kma', {
    serviceKeySecretRef: { name: 'kma-key', key: 'serviceKey' },
    locations: [{ name: 'seoul', nx: 60, ny: 127 }],
  });
const withSecretValue = (s: KubeObject): KubeObject => ({ ...s, type: 'Opaque' });

function sourceWorlds(kind: SourceKind, source: KubeObject, keyName: string): SourceObserved[] {
  const bare: SourceObserved = {
    source,
    secret: withSecretValue(secret(keyName, ['serviceKey', 'other'])),
    configMap: undefined,
    deployment: undefined,
    site: undefined,
  };
  const first = planSource(kind, bare, OPTS, NOW).actions;
  const children = {
    configMap: stored(applied(first, 'ConfigMap')),
    serviceAccount: stored(applied(first, 'ServiceAccount')),
    role: stored(applied(first, 'Role')),
    roleBinding: stored(applied(first, 'RoleBinding')),
  };
  return [
    bare,
    { ...bare, secret: undefined },
    { ...bare, secret: withSecretValue(secret(keyName, ['other'])) },
    ...DEPLOYMENT_STATUSES.map((st) => ({
      ...bare,
      ...children,
      deployment: stored(applied(first, 'Deployment'), st),
    })),
    // suspended: the Deployment wants no replicas, and has none
    suspendedWorld(kind, source, bare),
    // the spec changed since the children were applied: their hashes differ
    {
      ...bare,
      ...children,
      deployment: stored(applied(first, 'Deployment'), DEPLOYMENT_STATUSES[1]),
      source: { ...source, spec: { ...(source['spec'] as object), topic: 'another.topic.v1' } },
    },
  ];
}

function suspendedWorld(kind: SourceKind, source: KubeObject, bare: SourceObserved): SourceObserved {
  const suspended = { ...source, spec: { ...(source['spec'] as object), suspend: true } };
  const actions = planSource(kind, { ...bare, source: suspended }, OPTS, NOW).actions;
  return {
    ...bare,
    source: suspended,
    configMap: stored(applied(actions, 'ConfigMap')),
    serviceAccount: stored(applied(actions, 'ServiceAccount')),
    role: stored(applied(actions, 'Role')),
    roleBinding: stored(applied(actions, 'RoleBinding')),
    deployment: stored(applied(actions, 'Deployment'), { observedGeneration: 2, replicas: 0 }),
  };
}

/** A worker's observed children as the operator's caches hold them (sources and LakeSinks alike). */
const trimWorker = <T extends WorkloadObserved & { secret?: KubeObject | undefined }>(o: T): T => ({
  ...o,
  secret: trim(SECRETS, o.secret),
  configMap: trim(CONFIG_MAPS, o.configMap),
  deployment: trim(DEPLOYMENTS, o.deployment),
  serviceAccount: trim(SERVICE_ACCOUNTS, o.serviceAccount),
  role: trim(ROLES, o.role),
  roleBinding: trim(ROLE_BINDINGS, o.roleBinding),
});

function sinkWorlds(): LakeSinkObserved[] {
  const sink = resource('LakeSink', 'lake', {
    topics: ['gridlake.power.kpx.v1'],
    lake: { bucket: 'gridlake', credentialsSecretRef: { name: 's3' } },
  });
  const bare: LakeSinkObserved = {
    sink,
    secret: withSecretValue(secret('s3', ['accessKeyId', 'secretAccessKey'])),
    configMap: undefined,
    deployment: undefined,
  };
  const first = planLakeSink(bare, OPTS, NOW).actions;
  const identity = ['ServiceAccount', 'Role', 'RoleBinding'].some((k) => first.some((a) => a.ref.resource.kind === k))
    ? {
        serviceAccount: stored(applied(first, 'ServiceAccount')),
        role: stored(applied(first, 'Role')),
        roleBinding: stored(applied(first, 'RoleBinding')),
      }
    : {};
  return [
    bare,
    { ...bare, secret: withSecretValue(secret('s3', ['accessKeyId'])) },
    ...DEPLOYMENT_STATUSES.map((st) => ({
      ...bare,
      ...identity,
      configMap: stored(applied(first, 'ConfigMap')),
      deployment: stored(applied(first, 'Deployment'), st),
    })),
  ];
}

function siteWorlds(): SiteObserved[] {
  const site = resource('RemoteSite', 'naver', {}, { namespace: null });
  const bare: SiteObserved = {
    site,
    namespace: undefined,
    serviceAccount: undefined,
    role: undefined,
    roleBinding: undefined,
    lease: undefined,
  };
  const first = planSite(bare, NOW).actions;
  const world: SiteObserved = {
    ...bare,
    namespace: stored(applied(first, 'Namespace')),
    serviceAccount: stored(applied(first, 'ServiceAccount')),
    role: stored(applied(first, 'Role')),
    roleBinding: stored(applied(first, 'RoleBinding')),
  };
  const revoked = { ...site, spec: { ...(site['spec'] as object), credentialsEpoch: 5 } };
  return [bare, world, { ...world, site: revoked }];
}

const trimSite = (o: SiteObserved): SiteObserved => ({
  ...o,
  namespace: trim(NAMESPACES, o.namespace),
  serviceAccount: trim(SERVICE_ACCOUNTS, o.serviceAccount),
  role: trim(ROLES, o.role),
  roleBinding: trim(ROLE_BINDINGS, o.roleBinding),
});

describe('informer transforms keep what the controllers read', () => {
  it.each([
    ['PowerSource', power(), 'kpx-key'],
    ['WeatherSource', weather(), 'kma-key'],
  ] as const)('%s: the same plans from trimmed children and Secrets', (kind, source, keyName) => {
    const worlds = sourceWorlds(kind, source, keyName);
    for (const w of worlds) expect(planSource(kind, trimWorker(w), OPTS, NOW)).toEqual(planSource(kind, w, OPTS, NOW));
    // the worlds differ where it matters: missing key, available or not, changed spec
    expect(new Set(worlds.map((w) => JSON.stringify(planSource(kind, w, OPTS, NOW)))).size).toBeGreaterThan(4);
  });

  it('LakeSink: the same plans from trimmed children and Secrets', () => {
    const worlds = sinkWorlds();
    for (const w of worlds) expect(planLakeSink(trimWorker(w), OPTS, NOW)).toEqual(planLakeSink(w, OPTS, NOW));
    expect(new Set(worlds.map((w) => JSON.stringify(planLakeSink(w, OPTS, NOW)))).size).toBeGreaterThan(3);
  });

  it('RemoteSite: the same plans from trimmed children', () => {
    for (const w of siteWorlds()) expect(planSite(trimSite(w), NOW)).toEqual(planSite(w, NOW));
  });

  it('the check can fail: a Deployment trimmed to metadata alone loses whether it is available', () => {
    const [, , , , available] = sourceWorlds('PowerSource', power(), 'kpx-key');
    const tooLean = { ...available!, deployment: metadataOnly(available!.deployment!) };
    expect(planSource('PowerSource', tooLean, OPTS, NOW)).not.toEqual(planSource('PowerSource', available!, OPTS, NOW));
  });

  it('drops what no controller reads: Secret values, pod templates, ConfigMap data, RBAC rules', () => {
    const [, , , , w] = sourceWorlds('PowerSource', power(), 'kpx-key');
    const t = trimWorker(w!);
    expect(t.secret).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: w!.secret!.metadata,
      data: { serviceKey: '', other: '' },
    });
    expect(t.deployment).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: w!.deployment!.metadata,
      spec: { replicas: 1 },
      status: w!.deployment!['status'],
    });
    expect(Object.keys(t.configMap!)).toEqual(['apiVersion', 'kind', 'metadata']);
    expect(Object.keys(t.role!)).toEqual(['apiVersion', 'kind', 'metadata']);
    expect(Object.keys(t.roleBinding!)).toEqual(['apiVersion', 'kind', 'metadata']);
    // and the whole objects had them
    expect(w!.configMap!['data']).toBeDefined();
    expect(w!.role!['rules']).toBeDefined();
  });
});
