import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import { addControllers, CONTROLLER_KINDS } from '../../../controllers/operator.js';
import {
  DAILY_JOINS,
  DAILY_JOIN_RUNS,
  JOBS,
  LAKE_SINKS,
  POWER_SOURCES,
  SECRETS,
  WEATHER_SOURCES,
} from '../../../controllers/resources.js';
import { todayIn } from '../../../src/api/daily-join-semantics.js';
import type { HttpMethod } from '../../../src/k8s/kube-client.js';
import { Manager } from '../../../src/k8s/manager.js';
import type { ResourceRef } from '../../../src/k8s/informer.js';
import { runtimeMetrics } from '../../../src/k8s/runtime-metrics.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import { client as countingClient } from '../k8s/helpers.js';
import { IMAGE, create, currentStatus, list, setup, type Env } from './helpers.js';
import { dailyJoin } from './runs.js';

/**
 * No hot loops (a controller woken by its own writes) with the real controllers: 100 gridlake objects of
 * every namespaced kind converge, then the operator sits a minute, through
 * six informer resyncs, and must not write once. Requests are counted on
 * the operator's own client.
 */
let env: Env;

beforeAll(async () => {
  env = await setup('ctl-idle');
});
afterAll(async () => {
  await env?.teardown();
});

interface Req {
  method: HttpMethod;
  path: string;
}

const NAMESPACED = CONTROLLER_KINDS.filter((k) => k !== 'RemoteSite');
const KINDS: readonly ResourceRef[] = [POWER_SOURCES, WEATHER_SOURCES, LAKE_SINKS, DAILY_JOINS, DAILY_JOIN_RUNS];

async function allCurrent(): Promise<boolean> {
  for (const ref of KINDS) if (!(await list(env.client, ref, env.ns)).every((o) => currentStatus(o))) return false;
  return (await list(env.client, JOBS, env.ns)).length === 5;
}

describe('an idle operator', () => {
  it('makes no writes for a minute with 100 converged objects', async () => {
    const { client, ns, k } = env;
    const log: Req[] = [];
    const registry = createRegistry({ defaultMetrics: false });
    const metrics = runtimeMetrics(registry);
    const c = countingClient(k, (r) => log.push(r));
    const manager = new Manager({ client: c, metrics, shutdownTimeoutMs: 2000 });
    addControllers(
      manager,
      { client: c, clock: { now: () => Date.now() }, workload: { image: IMAGE, brokers: 'kafka.invalid:9092' } },
      // Namespaced kinds only: a RemoteSite controller is cluster-wide and would see other test files' sites.
      { namespace: ns, metrics, informer: { resyncMs: 10_000 }, kinds: NAMESPACED },
    );
    manager.start();

    await create(client, SECRETS, ns, { metadata: { name: 'key' }, stringData: { serviceKey: 'k' } });
    const ref = { serviceKeySecretRef: { name: 'key', key: 'serviceKey' } };
    const today = todayIn('Asia/Seoul', new Date());
    const bodies: [ResourceRef, Record<string, unknown>][] = [
      ...range(35).map((i): [ResourceRef, Record<string, unknown>] => [
        POWER_SOURCES,
        { apiVersion: 'gridlake.io/v1alpha1', kind: 'PowerSource', metadata: { name: `p${i}` }, spec: ref },
      ]),
      ...range(20).map((i): [ResourceRef, Record<string, unknown>] => [
        WEATHER_SOURCES,
        {
          apiVersion: 'gridlake.io/v1alpha1',
          kind: 'WeatherSource',
          metadata: { name: `w${i}` },
          spec: { ...ref, locations: [{ name: 'seoul', nx: 60, ny: 127 }] },
        },
      ]),
      ...range(20).map((i): [ResourceRef, Record<string, unknown>] => [
        LAKE_SINKS,
        {
          apiVersion: 'gridlake.io/v1alpha1',
          kind: 'LakeSink',
          metadata: { name: `s${i}` },
          spec: { topics: ['gridlake.power.kpx.v1'], lake: { bucket: 'gridlake' } },
        },
      ]),
      // Started today: nothing is due until the next firing.
      ...range(20).map((i): [ResourceRef, Record<string, unknown>] => [
        DAILY_JOINS,
        dailyJoin(`j${i}`, { startDate: today, catchUp: { policy: 'None' } }),
      ]),
      // Backfills by hand: each gets a Job (its pod stays Pending: no kubelet).
      ...range(5).map((i): [ResourceRef, Record<string, unknown>] => [
        DAILY_JOIN_RUNS,
        {
          apiVersion: 'gridlake.io/v1alpha1',
          kind: 'DailyJoinRun',
          metadata: { name: `j${i}-20260101` },
          spec: { joinRef: { name: `j${i}` }, date: '2026-01-01', trigger: 'Manual' },
        },
      ]),
    ];
    expect(bodies).toHaveLength(100);
    await Promise.all(bodies.map(([r, b]) => create(client, r, ns, b)));
    await eventually('allCurrent', allCurrent, { timeoutMs: 90_000, intervalMs: 500 });
    const writes = (l: readonly Req[]) => l.filter((r) => r.method !== 'GET');
    const convergeWrites = writes(log).length;
    await new Promise((r) => setTimeout(r, 3000)); // the watch events of our last writes arrive
    const before = log.length;
    const reconciles = async () => (await metrics.reconcileTotal.get()).values.reduce((s, v) => s + v.value, 0);
    const reconcilesBefore = await reconciles();
    await new Promise((r) => setTimeout(r, 60_000));
    const idle = log.slice(before);
    const reconciled = (await reconciles()) - reconcilesBefore;
    process.stderr.write(
      `[controllers-idle] 100 objects: ${convergeWrites} writes to converge (${(convergeWrites / 100).toFixed(2)}/object); ` +
        `idle 60 s: ${writes(idle).length} writes, ${idle.length} requests, ${reconciled} reconciles\n`,
    );
    expect(writes(idle)).toEqual([]);
    expect(reconciled).toBeGreaterThanOrEqual(500); // six resyncs of 100 objects ran the reconcilers
    await manager.stop();
  }, 240_000);
});

function range(n: number): number[] {
  return [...Array(n).keys()];
}
