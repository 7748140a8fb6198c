import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import { addControllers, CONTROLLER_KINDS } from '../../../controllers/operator.js';
import {
  DAILY_JOINS,
  DAILY_JOIN_RUNS,
  DEPLOYMENTS,
  JOBS,
  POWER_SOURCES,
  SECRETS,
} from '../../../controllers/resources.js';
import { EventRecorder } from '../../../src/k8s/events.js';
import { createKubeClient } from '../../../src/k8s/kube-client.js';
import { Manager } from '../../../src/k8s/manager.js';
import { helm } from '../../infra/index.js';
import { IMAGE, create, get, rand, serviceAccountKubeConfig, setup, type Env } from './helpers.js';
import { dailyJoin } from './runs.js';

const exec = promisify(execFile);
const CHART = path.resolve(import.meta.dirname, '../../../charts/gridlake');

/**
 * The chart's ClusterRole is enough: the operator runs as the chart's
 * ServiceAccount (a TokenRequest token), every informer syncs (a 403 on one
 * list would keep it from ever reconciling), and it makes collectors, runs,
 * Jobs and Events.
 */
let env: Env;
let release: string;
let manager: Manager | undefined;

const kubectl = (...args: string[]) => exec(env.k.kubectl, ['--kubeconfig', env.k.kubeconfig, ...args]);

beforeAll(async () => {
  env = await setup('ctl-rbac');
  release = `rbac-${rand()}`;
  const h = await helm();
  const { stdout } = await exec(
    h.helm,
    [
      'template',
      release,
      CHART,
      '-n',
      env.ns,
      '--show-only',
      'templates/rbac.yaml',
      '--show-only',
      'templates/serviceaccount.yaml',
    ],
    { env: { ...process.env, ...h.env } },
  );
  const child = exec(env.k.kubectl, ['--kubeconfig', env.k.kubeconfig, 'apply', '-n', env.ns, '-f', '-']);
  child.child.stdin!.end(stdout);
  await child;
}, 120_000);
afterAll(async () => {
  await manager?.stop();
  await kubectl('delete', 'clusterrole,clusterrolebinding', `${release}-gridlake-controller`, '--ignore-not-found');
  await env?.teardown();
});

describe('the chart RBAC', () => {
  it('lets the operator, as the chart ServiceAccount, sync every informer and reconcile', async () => {
    const { client, ns } = env;
    const sa = `${release}-gridlake`;
    const kc = await serviceAccountKubeConfig(env, ns, sa);
    const asSa = createKubeClient(kc);
    manager = new Manager({ client: asSa, shutdownTimeoutMs: 2000 });
    addControllers(
      manager,
      {
        client: asSa,
        clock: { now: () => Date.now() },
        workload: { image: IMAGE },
        events: new EventRecorder({ client: asSa, controller: 'gridlake.io/controller', instance: 'rbac-test' }),
      },
      // Namespaced kinds only: a RemoteSite controller is cluster-wide and would fight remote-site.test.ts over its sites.
      { namespace: ns, kinds: CONTROLLER_KINDS.filter((k) => k !== 'RemoteSite') },
    );
    manager.start();
    // Every informer synced (the first list of each kind was allowed) and the manager leads.
    await eventually(
      'manager!.readiness() === null && manager!.isLeader',
      () => manager!.readiness() === null && manager!.isLeader,
      { timeoutMs: 30_000, intervalMs: 100 },
    ).catch(() => {
      throw new Error(`not ready as ${sa}: ${manager!.readiness()}`);
    });

    await create(client, SECRETS, ns, { metadata: { name: 'kpx' }, stringData: { serviceKey: 'k' } });
    await create(client, POWER_SOURCES, ns, {
      apiVersion: 'gridlake.io/v1alpha1',
      kind: 'PowerSource',
      metadata: { name: 'kpx' },
      spec: { serviceKeySecretRef: { name: 'kpx', key: 'serviceKey' } },
    });
    await create(client, DAILY_JOINS, ns, dailyJoin('pw', { suspend: true }));
    await create(client, DAILY_JOIN_RUNS, ns, {
      apiVersion: 'gridlake.io/v1alpha1',
      kind: 'DailyJoinRun',
      metadata: { name: 'pw-20260101' },
      spec: { joinRef: { name: 'pw' }, date: '2026-01-01', trigger: 'Manual' },
    });
    await eventually(
      "get(client, DEPLOYMENTS, ns, 'kpx-collector')",
      () => get(client, DEPLOYMENTS, ns, 'kpx-collector'),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    await eventually("get(client, JOBS, ns, 'pw-20260101')", () => get(client, JOBS, ns, 'pw-20260101'), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const reasons = await eventually(
      "r.has('AppliedDeployment') && r.has('CreatedJob') && [...r].sort()",
      async () => {
        const l = await client.request<{ items: { reason: string }[] }>({
          method: 'GET',
          path: `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
        });
        const r = new Set(l.items.map((e) => e.reason));
        return r.has('AppliedDeployment') && r.has('CreatedJob') && [...r].sort();
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(reasons).toEqual(expect.arrayContaining(['AppliedConfigMap', 'AppliedDeployment', 'CreatedJob']));
  }, 120_000);
});
