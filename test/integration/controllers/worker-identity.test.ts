import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import {
  CONFIG_MAPS,
  DEPLOYMENTS,
  LAKE_SINKS,
  POWER_SOURCES,
  ROLES,
  ROLE_BINDINGS,
  SECRETS,
  SERVICE_ACCOUNTS,
} from '../../../controllers/resources.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { systemClock } from '../../../src/clock.js';
import { createSimulator } from '../../../src/sources/simulator/simulator-server.js';
import { KafkaBus } from '../../../src/bus/kafka/kafka-bus.js';
import { S3Store } from '../../../src/lake/s3-store.js';
import { kafka, s3 } from '../../infra/index.js';
import { produceReadings } from '../lake/lake-helpers.js';
import { buildCli } from './controller-process.js';
import {
  GC_TIMEOUT_MS,
  cond,
  create,
  get,
  rand,
  remove,
  serviceAccountKubeConfig,
  setup,
  type Env,
} from './helpers.js';

/**
 * The identity the operator gives a worker is enough, and no more: the
 * rendered ServiceAccount, Role and RoleBinding let the collector (or sink)
 * patch its own resource's status and nothing else (checked with
 * SubjectAccessReviews), and the real `gridlake collect` / `gridlake sink`,
 * started with the Deployment's own arguments and a token of that
 * ServiceAccount (the test plays the kubelet, which would mount it and the
 * config), writes status.progress, which turns Collecting / Sinking True.
 */
let env: Env;
let sim: FastifyInstance;
let simUrl: string;
let cli: string;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  env = await setup('ctl-id', Date.now());
  env.start(['PowerSource', 'LakeSink']);
  await create(env.client, SECRETS, env.ns, { metadata: { name: 'kpx' }, stringData: { serviceKey: 'sim-key' } });
  sim = createSimulator({ clock: systemClock, config: { keys: ['sim-key'] } }).app;
  simUrl = await sim.listen({ port: 0, host: '127.0.0.1' });
  cli = await buildCli();
  dir = await mkdtemp(path.join(tmpdir(), 'gridlake-identity-'));
}, 180_000);
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await sim?.close();
  await env?.teardown();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const power = (name: string) => ({
  apiVersion: 'gridlake.io/v1alpha1',
  kind: 'PowerSource',
  metadata: { name },
  spec: { serviceKeySecretRef: { name: 'kpx', key: 'serviceKey' }, endpoint: { baseUrl: 'http://kpx.invalid' } },
});

/** Whether the API server's authorizer allows `user` the request (a SubjectAccessReview, as the admin). */
async function allowed(
  user: string,
  attrs: { verb: string; group: string; resource: string; subresource?: string; name?: string },
): Promise<boolean> {
  const review = await env.client.request<{ status: { allowed: boolean } }>({
    method: 'POST',
    path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
    body: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${env.ns}`, 'system:authenticated'],
        resourceAttributes: { namespace: env.ns, ...attrs },
      },
    },
  });
  return review.status.allowed;
}

describe('a collector identity', () => {
  it('may patch its own status only, and the real collector reports through it', async () => {
    const { client, ns } = env;
    await create(client, POWER_SOURCES, ns, power('kpx-id'));
    await create(client, POWER_SOURCES, ns, power('kpx-other'));
    const name = 'kpx-id-collector';
    const dep = await eventually('get(client, DEPLOYMENTS, ns, name)', () => get(client, DEPLOYMENTS, ns, name), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const sa = await eventually(
      'get(client, SERVICE_ACCOUNTS, ns, name)',
      () => get(client, SERVICE_ACCOUNTS, ns, name),
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    const role = await eventually('get(client, ROLES, ns, name)', () => get(client, ROLES, ns, name), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    const binding = await eventually(
      'get(client, ROLE_BINDINGS, ns, name)',
      () => get(client, ROLE_BINDINGS, ns, name),
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    for (const o of [sa, role, binding])
      expect(o.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'PowerSource', name: 'kpx-id', controller: true });
    expect(role['rules']).toEqual([
      { apiGroups: ['gridlake.io'], resources: ['powersources/status'], resourceNames: ['kpx-id'], verbs: ['patch'] },
    ]);
    const pod = (dep['spec'] as { template: { spec: Record<string, unknown> } }).template.spec;
    expect(pod).toMatchObject({ serviceAccountName: name, automountServiceAccountToken: true });
    const container = (pod['containers'] as { args: string[] }[])[0]!;
    expect(container.args).toContain('--report-status');

    // Least privilege, as the API server's authorizer sees it.
    const user = `system:serviceaccount:${ns}:${name}`;
    const gl = { group: 'gridlake.io', resource: 'powersources' };
    await eventually(
      "allowed(user, { verb: 'patch', ...gl, subresource: 'status', name: 'kpx-id' })",
      () => allowed(user, { verb: 'patch', ...gl, subresource: 'status', name: 'kpx-id' }),
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(await allowed(user, { verb: 'patch', ...gl, subresource: 'status', name: 'kpx-other' })).toBe(false);
    expect(await allowed(user, { verb: 'update', ...gl, subresource: 'status', name: 'kpx-id' })).toBe(false);
    expect(await allowed(user, { verb: 'patch', ...gl, name: 'kpx-id' })).toBe(false);
    expect(await allowed(user, { verb: 'get', group: '', resource: 'secrets', name: 'kpx' })).toBe(false);
    expect(await allowed(user, { verb: 'list', ...gl })).toBe(false);

    // The kubelet's part: a token of the pod's ServiceAccount.
    const kubeconfig = await tokenKubeconfig(name);

    // The Deployment's own arguments; only what points outside this machine is swapped.
    const args = withoutOption(container.args, '--brokers').map((a, i, all) =>
      all[i - 1] === '--endpoint' ? simUrl : a,
    );
    let stderr = '';
    const proc = spawn(
      process.execPath,
      [cli, ...args, '--kubeconfig', kubeconfig, '--metrics-port', '0', '--metrics-host', '127.0.0.1'],
      {
        env: { ...process.env, GRIDLAKE_SERVICE_KEY: 'sim-key', POD_NAME: 'kpx-id-collector-test' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    children.push(proc);
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));

    const reported = await eventually(
      "( progress?.['reporter'] === 'kpx-id-collector-test' && progress['lastOutcome'] === 'ok...",
      async () => {
        if (proc.exitCode !== null) throw new Error(`collector exited ${proc.exitCode}: ${stderr}`);
        const s = await get(client, POWER_SOURCES, ns, 'kpx-id');
        const progress = (s?.['status'] as { progress?: Record<string, unknown> } | undefined)?.progress;
        return (
          progress?.['reporter'] === 'kpx-id-collector-test' &&
          progress['lastOutcome'] === 'ok' &&
          cond(s, 'Collecting')?.status === 'True' &&
          s
        );
      },
      // Measured: 17 s in a quiet run, 41 s alone at another time of day, over 60 s inside a full `npm test`.
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect((reported['status'] as { progress: Record<string, unknown> }).progress['recordsTotal']).toBeGreaterThan(0);
    expect(cond(reported, 'Collecting')).toMatchObject({ reason: 'WorkerReportsOk' });
    // Its token could not touch the neighbour.
    const other = await get(client, POWER_SOURCES, ns, 'kpx-other');
    expect((other?.['status'] as { progress?: unknown } | undefined)?.progress).toBeUndefined();
    proc.kill('SIGTERM');

    await remove(client, POWER_SOURCES, ns, 'kpx-id');
    await eventually(
      '(get(client, SERVICE_ACCOUNTS, ns, name)) === undefined && (get(client, ROLES, ns, name...',
      async () =>
        (await get(client, SERVICE_ACCOUNTS, ns, name)) === undefined &&
        (await get(client, ROLES, ns, name)) === undefined &&
        (await get(client, ROLE_BINDINGS, ns, name)) === undefined,
      { timeoutMs: GC_TIMEOUT_MS, intervalMs: 500 },
    );
  }, 240_000);

  it('lets the real sink report into its LakeSink, which turns Sinking True', async () => {
    const { client, ns } = env;
    const { brokers } = await kafka();
    const s3info = await s3();
    const id = rand();
    const topic = `identity.weather.${id}`;
    const producer = new KafkaBus({ brokers: [...brokers] });
    await producer.ensureTopic(topic, 1);
    const store = new S3Store({
      endpoint: s3info.endpoint,
      region: s3info.region,
      bucket: 'gridlake-identity',
      prefix: id,
      credentials: { accessKeyId: s3info.accessKeyId, secretAccessKey: s3info.secretAccessKey },
    });
    await store.ensureBucket();
    await create(client, SECRETS, ns, {
      metadata: { name: 's3' },
      stringData: { accessKeyId: s3info.accessKeyId, secretAccessKey: s3info.secretAccessKey },
    });
    await create(client, LAKE_SINKS, ns, {
      apiVersion: 'gridlake.io/v1alpha1',
      kind: 'LakeSink',
      metadata: { name: 'lake' },
      spec: {
        topics: [topic],
        lake: {
          bucket: 'gridlake-identity',
          prefix: `${id}/`,
          endpoint: s3info.endpoint,
          region: s3info.region,
          credentialsSecretRef: { name: 's3' },
        },
        flush: { maxRecords: 100, maxAgeSeconds: 10 },
      },
    });
    const name = 'lake-sink';
    const dep = await eventually('get(client, DEPLOYMENTS, ns, name)', () => get(client, DEPLOYMENTS, ns, name), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const cm = await eventually('get(client, CONFIG_MAPS, ns, name)', () => get(client, CONFIG_MAPS, ns, name), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    const role = await eventually('get(client, ROLES, ns, name)', () => get(client, ROLES, ns, name), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    expect(role['rules']).toEqual([
      { apiGroups: ['gridlake.io'], resources: ['lakesinks/status'], resourceNames: ['lake'], verbs: ['patch'] },
    ]);
    await eventually('get(client, ROLE_BINDINGS, ns, name)', () => get(client, ROLE_BINDINGS, ns, name), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    const user = `system:serviceaccount:${ns}:${name}`;
    await eventually(
      "allowed(user, { verb: 'patch', group: 'gridlake.io', resource: 'lakesinks', subresource...",
      () =>
        allowed(user, {
          verb: 'patch',
          group: 'gridlake.io',
          resource: 'lakesinks',
          subresource: 'status',
          name: 'lake',
        }),
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    const container = (dep['spec'] as { template: { spec: { containers: { args: string[] }[] } } }).template.spec
      .containers[0]!;
    // The kubelet's part: the mounted config and a token of the pod's ServiceAccount.
    const configFile = path.join(dir, 'sink-config.json');
    await writeFile(configFile, (cm['data'] as Record<string, string>)['config.json']!);
    const kubeconfig = await tokenKubeconfig(name);
    const args = container.args.map((a, i, all) =>
      all[i - 1] === '--brokers' ? brokers.join(',') : all[i - 1] === '--config' ? configFile : a,
    );
    expect(args).toContain('--report-status');
    let stderr = '';
    const proc = spawn(process.execPath, [cli, ...args, '--kubeconfig', kubeconfig, '--metrics-port', '0'], {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: s3info.accessKeyId,
        AWS_SECRET_ACCESS_KEY: s3info.secretAccessKey,
        POD_NAME: 'lake-sink-test',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(proc);
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await produceReadings(producer, topic, 'weather', 250, 1);
    const reported = await eventually(
      "( progress?.['reporter'] === 'lake-sink-test' && progress['recordsTotal'] === 250 && co...",
      async () => {
        if (proc.exitCode !== null) throw new Error(`sink exited ${proc.exitCode}: ${stderr}`);
        const s = await get(client, LAKE_SINKS, ns, 'lake');
        const progress = (s?.['status'] as { progress?: Record<string, unknown> } | undefined)?.progress;
        return (
          progress?.['reporter'] === 'lake-sink-test' &&
          progress['recordsTotal'] === 250 &&
          cond(s, 'Sinking')?.status === 'True' &&
          s
        );
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    expect((reported['status'] as { progress: Record<string, unknown> }).progress).toMatchObject({
      filesTotal: expect.any(Number),
      lagRecords: 0,
      topics: [{ topic, lagRecords: 0, lastFlushTime: expect.any(String) }],
    });
    expect(cond(reported, 'Sinking')).toMatchObject({ reason: 'WorkerReportsOk' });
    proc.kill('SIGTERM');
    await producer.close();
  }, 240_000);

  it('recreates a deleted Role (the controller watches its identity objects)', async () => {
    const { client, ns } = env;
    await create(client, POWER_SOURCES, ns, power('kpx-heal'));
    const name = 'kpx-heal-collector';
    const first = await eventually('get(client, ROLES, ns, name)', () => get(client, ROLES, ns, name), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    await remove(client, ROLES, ns, name);
    const again = await eventually(
      'r && r.metadata.uid !== first.metadata.uid && r',
      async () => {
        const r: KubeObject | undefined = await get(client, ROLES, ns, name);
        return r && r.metadata.uid !== first.metadata.uid && r;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(again['rules']).toEqual(first['rules']);
  }, 120_000);
});

/** A kubeconfig file with a token of ServiceAccount `name` (what the kubelet would mount in its pod). */
async function tokenKubeconfig(name: string): Promise<string> {
  const kc = await serviceAccountKubeConfig(env, env.ns, name);
  const file = path.join(dir, `${name}.kubeconfig`);
  await writeFile(file, kc.exportConfig());
  return file;
}

/** `args` without `flag` and its value. */
function withoutOption(args: readonly string[], flag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === flag) i++;
    else out.push(args[i]!);
  }
  return out;
}
