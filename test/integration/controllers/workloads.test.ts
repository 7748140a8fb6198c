import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import {
  CONFIG_MAPS,
  CONFIG_HASH,
  DEPLOYMENTS,
  LAKE_SINKS,
  POWER_SOURCES,
  SECRETS,
  WEATHER_SOURCES,
} from '../../../controllers/resources.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import {
  GC_TIMEOUT_MS,
  IMAGE,
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
 * PowerSource, WeatherSource and LakeSink against the real API server and
 * kube-controller-manager (garbage collector, Deployment controller). There is
 * no kubelet: pods stay Pending, so Ready stays False (DeploymentNotAvailable);
 * the test plays the collector's part by patching status.progress.
 */
let env: Env;

beforeAll(async () => {
  env = await setup('ctl-wl');
  env.start(['PowerSource', 'WeatherSource', 'LakeSink']);
  await create(env.client, SECRETS, env.ns, { metadata: { name: 'kpx' }, stringData: { serviceKey: 'k' } });
});
afterAll(async () => {
  await env?.teardown();
});

const power = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: 'gridlake.io/v1alpha1',
  kind: 'PowerSource',
  metadata: { name },
  spec: { serviceKeySecretRef: { name: 'kpx', key: 'serviceKey' }, ...spec },
});

const templateOf = (d: KubeObject | undefined) =>
  (d?.['spec'] as { template: { metadata: { annotations: Record<string, string> }; spec: Record<string, unknown> } })
    .template;

describe('PowerSource in a hub namespace', () => {
  it('creates a collector ConfigMap and Deployment, follows spec changes, and is garbage collected', async () => {
    const { client, ns } = env;
    await create(client, POWER_SOURCES, ns, power('kpx-a'));
    const dep = await eventually(
      "get(client, DEPLOYMENTS, ns, 'kpx-a-collector')",
      () => get(client, DEPLOYMENTS, ns, 'kpx-a-collector'),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const cm = await eventually(
      "get(client, CONFIG_MAPS, ns, 'kpx-a-collector')",
      () => get(client, CONFIG_MAPS, ns, 'kpx-a-collector'),
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(cm.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'PowerSource', name: 'kpx-a', controller: true });
    const tpl = templateOf(dep);
    const container = (tpl.spec['containers'] as Record<string, unknown>[])[0]!;
    expect(container['image']).toBe(IMAGE);
    expect(container['args']).toEqual(
      expect.arrayContaining([
        'collect',
        '--kind',
        'power',
        '--source',
        `${ns}/kpx-a`,
        '--brokers',
        'kafka.invalid:9092',
      ]),
    );
    expect(container['securityContext']).toMatchObject({
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(tpl.spec['securityContext']).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const hash1 = tpl.metadata.annotations[CONFIG_HASH];
    expect(hash1).toMatch(/^[0-9a-f]{16}$/);

    const src = await eventually(
      'currentStatus(s) && s',
      async () => {
        const s = await get(client, POWER_SOURCES, ns, 'kpx-a');
        return currentStatus(s) && s;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(cond(src, 'SecretMissing')).toMatchObject({ status: 'False', reason: 'SecretFound' });
    expect(cond(src, 'InvalidSpec')).toMatchObject({ status: 'False' });
    expect(cond(src, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'DeploymentNotAvailable',
      observedGeneration: 1,
    });
    expect(cond(src, 'Collecting')).toMatchObject({ status: 'Unknown', reason: 'NoProgressYet' });
    expect(src['status']).toMatchObject({ site: 'hub' });

    // Spec change → new config → the pod template's hash changes (the Deployment rolls).
    await mergePatch(client, POWER_SOURCES, ns, 'kpx-a', { spec: { pollIntervalSeconds: 600 } });
    await eventually(
      "templateOf(get(client, DEPLOYMENTS, ns, 'kpx-a-collector')).metadata.annotations[CONFIG...",
      async () =>
        templateOf(await get(client, DEPLOYMENTS, ns, 'kpx-a-collector')).metadata.annotations[CONFIG_HASH] !== hash1,
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    const after = await eventually(
      's?.metadata.generation === 2 && currentStatus(s) && s',
      async () => {
        const s = await get(client, POWER_SOURCES, ns, 'kpx-a');
        return s?.metadata.generation === 2 && currentStatus(s) && s;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(cond(after, 'Ready')?.observedGeneration).toBe(2);

    // The collector reports (the test plays the collector): Collecting follows status.progress.
    await mergePatch(
      client,
      POWER_SOURCES,
      ns,
      'kpx-a',
      {
        status: {
          progress: {
            reporter: 'test',
            updatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
            lastOutcome: 'ok',
          },
        },
      },
      '/status',
    );
    await eventually(
      "cond(get(client, POWER_SOURCES, ns, 'kpx-a'), 'Collecting')?.status === 'True'",
      async () => cond(await get(client, POWER_SOURCES, ns, 'kpx-a'), 'Collecting')?.status === 'True',
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    // The controller kept the worker's block when it wrote its conditions.
    expect(
      ((await get(client, POWER_SOURCES, ns, 'kpx-a'))?.['status'] as { progress?: unknown }).progress,
    ).toMatchObject({ lastOutcome: 'ok' });

    await remove(client, POWER_SOURCES, ns, 'kpx-a');
    await eventually(
      "(get(client, DEPLOYMENTS, ns, 'kpx-a-collector')) === undefined && (get(client, CONFIG_...",
      async () =>
        (await get(client, DEPLOYMENTS, ns, 'kpx-a-collector')) === undefined &&
        (await get(client, CONFIG_MAPS, ns, 'kpx-a-collector')) === undefined,
      { timeoutMs: GC_TIMEOUT_MS, intervalMs: 500 },
    );
  }, 180_000);

  it('reports SecretMissing until the Secret and its key exist', async () => {
    const { client, ns } = env;
    await create(client, WEATHER_SOURCES, ns, {
      apiVersion: 'gridlake.io/v1alpha1',
      kind: 'WeatherSource',
      metadata: { name: 'kma-a' },
      spec: {
        serviceKeySecretRef: { name: 'kma', key: 'serviceKey' },
        locations: [{ name: 'seoul', nx: 60, ny: 127 }],
      },
    });
    await eventually(
      "cond(get(client, WEATHER_SOURCES, ns, 'kma-a'), 'SecretMissing')?.reason === 'SecretNot...",
      async () => cond(await get(client, WEATHER_SOURCES, ns, 'kma-a'), 'SecretMissing')?.reason === 'SecretNotFound',
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(cond(await get(client, WEATHER_SOURCES, ns, 'kma-a'), 'Ready')).toMatchObject({
      status: 'False',
      reason: 'SecretNotFound',
    });
    await create(client, SECRETS, ns, { metadata: { name: 'kma' }, stringData: { other: 'x' } });
    await eventually(
      "cond(get(client, WEATHER_SOURCES, ns, 'kma-a'), 'SecretMissing')?.reason === 'SecretKey...",
      async () =>
        cond(await get(client, WEATHER_SOURCES, ns, 'kma-a'), 'SecretMissing')?.reason === 'SecretKeyNotFound',
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    await mergePatch(client, SECRETS, ns, 'kma', { stringData: { serviceKey: 'k' } });
    await eventually(
      "cond(get(client, WEATHER_SOURCES, ns, 'kma-a'), 'SecretMissing')?.status === 'False'",
      async () => cond(await get(client, WEATHER_SOURCES, ns, 'kma-a'), 'SecretMissing')?.status === 'False',
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    const dep = await get(client, DEPLOYMENTS, ns, 'kma-a-collector');
    const args = (templateOf(dep).spec['containers'] as { args: string[] }[])[0]!.args;
    expect(args).toEqual(expect.arrayContaining(['--kind', 'weather', '--location', 'seoul=60,127']));
  }, 60_000);
});

describe('PowerSource in a site namespace', () => {
  it('creates nothing on the hub and says the agent runs it', async () => {
    const { client } = env;
    const site = `t${rand()}`;
    const siteNs = `gridlake-site-${site}`;
    await client.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: siteNs } } });
    env.start(['PowerSource'], siteNs);
    await create(client, POWER_SOURCES, siteNs, power('kpx-remote'));
    const src = await eventually(
      'currentStatus(s) && s',
      async () => {
        const s = await get(client, POWER_SOURCES, siteNs, 'kpx-remote');
        return currentStatus(s) && s;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(src['status']).toMatchObject({ site });
    expect(cond(src, 'Ready')).toMatchObject({ status: 'False', reason: 'SiteNotRegistered' });
    expect(await get(client, DEPLOYMENTS, siteNs, 'kpx-remote-collector')).toBeUndefined();
    expect(await get(client, CONFIG_MAPS, siteNs, 'kpx-remote-collector')).toBeUndefined();
  }, 60_000);
});

describe('LakeSink', () => {
  it('creates a sink Deployment, follows spec changes, and is garbage collected', async () => {
    const { client, ns } = env;
    await create(client, LAKE_SINKS, ns, {
      apiVersion: 'gridlake.io/v1alpha1',
      kind: 'LakeSink',
      metadata: { name: 'lake' },
      spec: {
        topics: ['gridlake.power.kpx.v1'],
        lake: { bucket: 'gridlake', credentialsSecretRef: { name: 's3' } },
        flush: { maxRecords: 1000, maxBytes: 1048576, maxAgeSeconds: 300 },
      },
    });
    const dep = await eventually(
      "get(client, DEPLOYMENTS, ns, 'lake-sink')",
      () => get(client, DEPLOYMENTS, ns, 'lake-sink'),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const hash1 = templateOf(dep).metadata.annotations[CONFIG_HASH];
    const sink = await eventually(
      'currentStatus(s) && s',
      async () => {
        const s = await get(client, LAKE_SINKS, ns, 'lake');
        return currentStatus(s) && s;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(cond(sink, 'SecretMissing')).toMatchObject({ status: 'True', reason: 'SecretNotFound' });
    await mergePatch(client, LAKE_SINKS, ns, 'lake', {
      spec: { topics: ['gridlake.power.kpx.v1', 'gridlake.weather.kma.v1'] },
    });
    await eventually(
      "templateOf(get(client, DEPLOYMENTS, ns, 'lake-sink')).metadata.annotations[CONFIG_HASH]...",
      async () =>
        templateOf(await get(client, DEPLOYMENTS, ns, 'lake-sink')).metadata.annotations[CONFIG_HASH] !== hash1,
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    await eventually(
      's?.metadata.generation === 2 && currentStatus(s)',
      async () => {
        const s = await get(client, LAKE_SINKS, ns, 'lake');
        return s?.metadata.generation === 2 && currentStatus(s);
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    await remove(client, LAKE_SINKS, ns, 'lake');
    await eventually(
      "(get(client, DEPLOYMENTS, ns, 'lake-sink')) === undefined",
      async () => (await get(client, DEPLOYMENTS, ns, 'lake-sink')) === undefined,
      { timeoutMs: GC_TIMEOUT_MS, intervalMs: 500 },
    );
  }, 180_000);
});
