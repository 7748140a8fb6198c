import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusView } from '../../../src/api/status-view.js';
import { objectPath, resourcePath, type KubeClient } from '../../../src/k8s/kube-client.js';
import { runStatus } from '../../fixtures/run-status.js';
import { kube } from '../../infra/index.js';
import type { KubeInfo } from '../../infra/types.js';
import { client as makeClient, createNamespace, deleteNamespace, rand } from '../k8s/helpers.js';
import { ensureCrds } from './helpers.js';

// `gridlake status --kubeconfig` against the test API server: the resources
// as the API server has them, in the same shape the embedded runtime serves.

const G = { group: 'gridlake.io', version: 'v1alpha1' };
const NOW = Date.parse('2026-11-23T06:00:00Z');
const ago = (s: number): string => new Date(NOW - s * 1000).toISOString().replace('.000Z', 'Z');

let k: KubeInfo;
let client: KubeClient;
let ns: string;
let other: string;

async function create(namespace: string, plural: string, kind: string, name: string, spec: object, status?: object) {
  await client.request({
    method: 'POST',
    path: resourcePath({ ...G, plural, namespace }),
    body: { apiVersion: 'gridlake.io/v1alpha1', kind, metadata: { name, namespace }, spec },
  });
  if (status)
    await client.request({
      method: 'PATCH',
      path: `${objectPath({ ...G, plural, namespace }, name)}/status`,
      contentType: 'application/merge-patch+json',
      body: { status },
    });
}

const status = (args: readonly string[], tty = false): Promise<string> =>
  runStatus(['--kubeconfig', k.kubeconfig, ...args], { tty, deps: { now: () => NOW } });

beforeAll(async () => {
  k = await kube();
  client = makeClient(k);
  await ensureCrds(k, client);
  ns = await createNamespace(client, `status-${rand()}`);
  other = await createNamespace(client, `status-other-${rand()}`);
  const secretRef = { serviceKeySecretRef: { name: 'data-go-kr', key: 'serviceKey' } };
  await create(ns, 'powersources', 'PowerSource', 'kpx', secretRef, {
    conditions: [
      { type: 'Ready', status: 'True', reason: 'Available', message: 'ok', lastTransitionTime: ago(3600) },
      { type: 'Collecting', status: 'True', reason: 'WorkerReportsOk', message: 'ok', lastTransitionTime: ago(3600) },
    ],
    progress: {
      reporter: 'collector-pod',
      updatedAt: ago(20),
      lastPollTime: ago(20),
      lastOutcome: 'ok',
      lastReadingTime: ago(180),
      lastReading: { currentDemandMw: 61234, supplyCapacityMw: 80000, supplyReservePct: 30.6 },
      callsToday: 12,
    },
  });
  await create(
    ns,
    'dailyjoins',
    'DailyJoin',
    'daily',
    {
      inputs: { power: { name: 'kpx' }, weather: [{ name: 'kma' }] },
      lake: { bucket: 'lake' },
    },
    { lastSuccessfulDate: '2026-11-22', nextScheduleTime: '2026-11-23T16:30:00Z', nextDate: '2026-11-23' },
  );
  await create(
    ns,
    'dailyjoinruns',
    'DailyJoinRun',
    'daily-20261122',
    { joinRef: { name: 'daily' }, date: '2026-11-22', trigger: 'Schedule' },
    {
      state: 'Succeeded',
      outcome: 'Partial',
      quality: { powerCoverage: 0.99, weatherCoverage: 0.875, level: 'partial' },
    },
  );
  await create(other, 'powersources', 'PowerSource', 'elsewhere', secretRef);
}, 120_000);

afterAll(async () => {
  if (ns) await deleteNamespace(client, ns);
  if (other) await deleteNamespace(client, other);
});

describe('gridlake status on a cluster', () => {
  it('lists a RemoteSite (cluster-scoped) with -n only in its own site namespace', async () => {
    const site = `st${rand()}`;
    const sites = resourcePath({ ...G, plural: 'remotesites' });
    await client.request({
      method: 'POST',
      path: sites,
      body: { apiVersion: 'gridlake.io/v1alpha1', kind: 'RemoteSite', metadata: { name: site }, spec: {} },
    });
    try {
      const inSite = JSON.parse(await status(['-n', `gridlake-site-${site}`])) as StatusView;
      expect(inSite.resources.map((r) => `${r.kind} ${r.name}`)).toEqual([`RemoteSite ${site}`]);
      const inNs = JSON.parse(await status(['-n', ns])) as StatusView;
      expect(inNs.resources.filter((r) => r.kind === 'RemoteSite')).toEqual([]);
      const all = JSON.parse(await status([])) as StatusView;
      expect(all.resources.some((r) => r.kind === 'RemoteSite' && r.name === site)).toBe(true);
    } finally {
      await client.request({ method: 'DELETE', path: objectPath({ ...G, plural: 'remotesites' }, site) });
    }
  });

  it('reads the resources of one namespace with their status, in the status shape', async () => {
    const view = JSON.parse(await status(['-n', ns])) as StatusView;
    expect(view).toMatchObject({ version: 1, runtime: 'cluster', cluster: { namespace: ns } });
    expect(view.resources.map((r) => `${r.kind} ${r.name}`)).toEqual([
      'PowerSource kpx',
      'DailyJoin daily',
      'DailyJoinRun daily-20261122',
    ]);
    const [kpx] = view.resources;
    expect(kpx?.status).toMatchObject({ progress: { callsToday: 12, lastReading: { currentDemandMw: 61234 } } });
    // The trimmed spec keeps what the status is read with, with the API server's defaults.
    expect(kpx?.spec).toEqual({
      pollIntervalSeconds: 300,
      dailyCallBudget: expect.any(Number),
      topic: expect.any(String),
      suspend: false,
    });
  });

  it('shows the table a person reads: freshness, values, the last run with its quality', async () => {
    const table = await status(['-n', ns, '-o', 'table']);
    expect(table).toContain('gridlake status (cluster, 2026-11-23T06:00:00');
    expect(table).toMatch(
      new RegExp(`power\\s+${ns}/kpx\\s+ok\\s+3m ago\\s+demand 61,234 MW, supply 80,000 MW, reserve 30.6%\\s+12/`),
    );
    expect(table).toMatch(new RegExp(`${ns}/daily\\s+warning\\s+2026-11-22\\s+Partial\\s+partial \\(99%/88%\\)`));
    expect(table).toContain('2026-11-23 in 10h');
  });

  it('reads every namespace without -n', async () => {
    const view = JSON.parse(await status([])) as StatusView;
    const names = view.resources.map((r) => `${r.namespace}/${r.name}`);
    expect(names).toEqual(expect.arrayContaining([`${ns}/kpx`, `${other}/elsewhere`]));
  });
});
