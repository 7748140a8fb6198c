import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import { todayIn } from '../../../src/api/daily-join-semantics.js';
import { addDays } from '../../../src/kst.js';
import {
  DAILY_JOINS,
  DAILY_JOIN_RUNS,
  DEPLOYMENTS,
  JOBS,
  LEASES,
  POWER_SOURCES,
  SECRETS,
} from '../../../controllers/resources.js';
import type { KubeClient } from '../../../src/k8s/kube-client.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import type { ManagedProcess } from '../../infra/process.js';
import { startKube } from '../../infra/servers/kube.js';
import { restartApiServer } from '../../infra/servers/kube-restart.js';
import type { KubeInfo } from '../../infra/types.js';
import { client as makeClient, compactEtcd, createNamespace } from '../k8s/helpers.js';
import { buildCli, startController, stopController, type ControllerProcess } from './controller-process.js';
import { IMAGE, create, currentStatus, ensureCrds, get, list, mergePatch } from './helpers.js';
import { dailyJoin } from './runs.js';

/**
 * Two `gridlake controller` processes on a private control plane (own etcd,
 * kube-apiserver, kube-controller-manager), competing for one Lease (4 s /
 * 3 s / 1 s). Mid-test the API server restarts while etcd is compacted, so
 * every watch resumes from an expired resourceVersion (410) and relists; then
 * the leader is killed with SIGKILL and the standby takes over. Nothing may be
 * created twice, and everything converges.
 */
let dir: string;
let info: KubeInfo;
let procs: ManagedProcess[] = [];
let c: KubeClient;
let cli: string;
const ctls: ControllerProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gl-ctl-resilience-'));
  ({ info, procs } = await startKube(dir));
  c = makeClient(info);
  [cli] = await Promise.all([buildCli(), ensureCrds(info, c)]);
}, 180_000);

afterAll(async () => {
  for (const ctl of ctls) if (ctl.proc.exitCode === null) ctl.proc.kill('SIGKILL');
  for (const p of [...procs].reverse()) await p.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  if (cli) await rm(cli, { force: true });
});

const power = (name: string) => ({
  apiVersion: 'gridlake.io/v1alpha1',
  kind: 'PowerSource',
  metadata: { name },
  spec: { serviceKeySecretRef: { name: 'kpx', key: 'serviceKey' } },
});

/** The server's view: every source has its Deployment (config hash of its spec) and a current status; every run has its Job. */
async function converged(ns: string, sources: number, runs: number): Promise<boolean> {
  const srcs = await list(c, POWER_SOURCES, ns);
  const deps = new Map((await list(c, DEPLOYMENTS, ns)).map((d) => [d.metadata.name, d]));
  const rs = await list(c, DAILY_JOIN_RUNS, ns);
  const jobs = new Set((await list(c, JOBS, ns)).map((j) => j.metadata.name));
  const join = await get(c, DAILY_JOINS, ns, 'dj');
  return (
    srcs.length === sources &&
    srcs.every(
      (s) =>
        currentStatus(s) &&
        deps.get(`${s.metadata.name}-collector`)?.metadata.ownerReferences?.[0]?.uid === s.metadata.uid,
    ) &&
    rs.length === runs &&
    rs.every((r) => jobs.has(r.metadata.name) && currentStatus(r)) &&
    currentStatus(join)
  );
}

/** name → uid of every child the controllers made. */
async function childUids(ns: string): Promise<Map<string, string>> {
  const all = [
    ...(await list(c, DEPLOYMENTS, ns)),
    ...(await list(c, DAILY_JOIN_RUNS, ns)),
    ...(await list(c, JOBS, ns)),
  ];
  return new Map(all.map((o: KubeObject) => [`${o.kind ?? ''}/${o.metadata.name}`, o.metadata.uid ?? '']));
}

/** The collector's --poll-interval (minutes), as its Deployment has it. */
async function pollMinutes(ns: string, source: string): Promise<string | undefined> {
  const d = await get(c, DEPLOYMENTS, ns, `${source}-collector`);
  const args = (d?.['spec'] as { template: { spec: { containers: { args: string[] }[] } } } | undefined)?.template.spec
    .containers[0]?.args;
  return args?.[args.indexOf('--poll-interval') + 1];
}

const holder = async (ns: string): Promise<string> =>
  ((await get(c, LEASES, ns, 'gridlake-controller'))?.['spec'] as { holderIdentity?: string } | undefined)
    ?.holderIdentity ?? '';

describe('two controller processes on a private control plane', () => {
  it('survive an API server restart with etcd compaction (410) and a SIGKILLed leader; nothing is created twice', async () => {
    const ns = await createNamespace(c, `ctl-res-${Date.now() % 100000}`);
    await create(c, SECRETS, ns, { metadata: { name: 'kpx' }, stringData: { serviceKey: 'k' } });
    for (const id of ['a', 'b'])
      ctls.push(
        await startController(cli, [
          '--kubeconfig',
          info.kubeconfig,
          '--namespace',
          ns,
          '--lease-namespace',
          ns,
          '--identity',
          id,
          '--image',
          IMAGE,
          '--lease-duration-seconds',
          '4',
          '--renew-deadline-seconds',
          '3',
          '--retry-period-seconds',
          '1',
        ]),
      );
    for (let i = 0; i < 10; i++) await create(c, POWER_SOURCES, ns, power(`p${i}`));
    // Five missed dates before today (real clock, Asia/Seoul), all caught up at once.
    const today = todayIn('Asia/Seoul', new Date());
    await create(
      c,
      DAILY_JOINS,
      ns,
      dailyJoin('dj', {
        startDate: addDays(today, -5),
        catchUp: { policy: 'All' },
        concurrencyPolicy: 'Allow',
        maxActiveRuns: 32,
      }),
    );
    // today-5 … today-2, and today-1 once today's 01:30 KST firing has passed.
    const runs = Date.now() >= Date.parse(`${today}T01:30:00+09:00`) ? 5 : 4;
    await eventually('converged(ns, 10, runs)', () => converged(ns, 10, runs), { timeoutMs: 60_000, intervalMs: 250 });
    const before = await childUids(ns);
    expect(await holder(ns)).toMatch(/^[ab]$/);

    // Restart the API server without its watch cache, compacting etcd while it is down: every watch
    // resumes from a resourceVersion older than the compaction and gets 410 Gone.
    const gone = async () =>
      (await Promise.all(ctls.map((x) => x.metric('gridlake_informer_restarts_total', { reason: 'gone' })))).reduce(
        (a, b) => a + b,
        0,
      );
    const goneBefore = await gone();
    await new Promise((r) => setTimeout(r, 2000)); // Lease renewals move etcd's revision past the informers'
    await restartApiServer(info, procs, {
      downMs: 1000,
      extraArgs: ['--watch-cache=false'],
      whileDown: async () => {
        await compactEtcd(info.etcdEndpoint);
      },
    });
    for (let i = 10; i < 14; i++) await create(c, POWER_SOURCES, ns, power(`p${i}`));
    await mergePatch(c, POWER_SOURCES, ns, 'p0', { spec: { pollIntervalSeconds: 900 } });
    await eventually(
      "p0?.metadata.generation === 2 && (pollMinutes(ns, 'p0')) === '15' && converged(ns, 14, ...",
      async () => {
        const p0 = await get(c, POWER_SOURCES, ns, 'p0');
        return p0?.metadata.generation === 2 && (await pollMinutes(ns, 'p0')) === '15' && converged(ns, 14, runs);
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    const relists = (await gone()) - goneBefore;
    process.stderr.write(`[controllers-resilience] after the restart: ${relists} relists on 410 Gone\n`);
    expect(relists).toBeGreaterThan(0);

    // SIGKILL the leader: no release, so the standby waits out the 4 s Lease, then leads.
    const leaderId = await holder(ns);
    const leader = ctls.find((_, i) => ['a', 'b'][i] === leaderId)!;
    const standby = ctls.find((x) => x !== leader)!;
    const t0 = Date.now();
    leader.proc.kill('SIGKILL');
    await leader.exited;
    for (let i = 14; i < 16; i++) await create(c, POWER_SOURCES, ns, power(`p${i}`));
    await mergePatch(c, POWER_SOURCES, ns, 'p1', { spec: { pollIntervalSeconds: 600 } });
    await eventually(
      "(holder(ns)) !== leaderId && (holder(ns)) !== ''",
      async () => (await holder(ns)) !== leaderId && (await holder(ns)) !== '',
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    process.stderr.write(`[controllers-resilience] standby led ${Date.now() - t0} ms after the leader was killed\n`);
    await eventually(
      "p1?.metadata.generation === 2 && (pollMinutes(ns, 'p1')) === '10' && converged(ns, 16, ...",
      async () => {
        const p1 = await get(c, POWER_SOURCES, ns, 'p1');
        return p1?.metadata.generation === 2 && (await pollMinutes(ns, 'p1')) === '10' && converged(ns, 16, runs);
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );

    // Nothing created twice: every child from before kept its uid, and there are no extras.
    const after = await childUids(ns);
    for (const [name, uid] of before) expect({ name, uid: after.get(name) }).toEqual({ name, uid });
    expect(after.size).toBe(16 + 2 * runs);
    expect((await stopController(standby))[0]).toBe(0);
  }, 240_000);
});
