import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import { DAILY_JOINS, DAILY_JOIN_RUNS, POWER_SOURCES, REMOTE_SITES } from '../../../controllers/resources.js';
import { siteNamespace } from '../../../src/api/remote-site.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { createNamespace, deleteNamespace } from '../k8s/helpers.js';
import { cond, create, get, list, mergePatch, rand, remove, setup, type Env } from './helpers.js';
import { dailyJoin, poke } from './runs.js';

/**
 * A DailyJoin whose power input is a PowerSource in a site namespace waits for
 * the site's forwarded watermark (RemoteSite status.sources), against the real
 * API server on a test clock. Only the DailyJoin controller runs: the test
 * plays the RemoteSite controller by patching the site's status subresource
 * (as admin), and the DailyJoinRun controller by patching a run's state.
 * Schedule 01:30 Asia/Seoul: the firing at 2026-03-05T16:30Z joins
 * 2026-03-05, which ends at 2026-03-05T15:00Z; the grace (7200 s) ends at
 * 18:30Z.
 */
const T0 = Date.parse('2026-03-05T16:31:00Z');
const DATE = '2026-03-05';
const BEHIND = '2026-03-05T14:55:00Z';
const PASSED = '2026-03-05T15:00:00Z';
let env: Env;
const site = `djs${rand()}`;
const siteNs = siteNamespace(site);

beforeAll(async () => {
  env = await setup('ctl-djs', T0);
  await createNamespace(env.client, siteNs);
  await create(env.client, REMOTE_SITES, undefined, {
    apiVersion: 'gridlake.io/v1alpha1',
    kind: 'RemoteSite',
    metadata: { name: site },
    spec: {},
  });
  for (const name of ['kpx', 'kpx2'])
    await create(env.client, POWER_SOURCES, siteNs, {
      apiVersion: 'gridlake.io/v1alpha1',
      kind: 'PowerSource',
      metadata: { name },
      spec: { serviceKeySecretRef: { name: 'kpx', key: 'serviceKey' } },
    });
  await watermarks({ kpx: BEHIND, kpx2: BEHIND });
  env.start(['DailyJoin']);
}, 120_000);
afterAll(async () => {
  await env?.teardown();
  await remove(env.client, REMOTE_SITES, undefined, site).catch(() => undefined);
  await deleteNamespace(env.client, siteNs);
});

/** Plays the RemoteSite controller: the forwarded watermark of each PowerSource of the site. */
async function watermarks(marks: Record<string, string>): Promise<void> {
  await mergePatch(
    env.client,
    REMOTE_SITES,
    undefined,
    site,
    {
      status: {
        namespace: siteNs,
        sources: Object.entries(marks).map(([name, forwardedWatermark]) => ({
          kind: 'PowerSource',
          name,
          forwardedWatermark,
        })),
      },
    },
    '/status',
  );
}

const dateOf = (r: KubeObject) => (r['spec'] as { date: string }).date;

async function runsOf(join: string): Promise<KubeObject[]> {
  return (await list(env.client, DAILY_JOIN_RUNS, env.ns)).filter(
    (r) => (r['spec'] as { joinRef: { name: string } }).joinRef.name === join,
  );
}

function joinOn(name: string, power: string): Record<string, unknown> {
  return dailyJoin(name, {
    startDate: DATE,
    catchUp: { policy: 'None' },
    inputs: { power: { name: power, namespace: siteNs }, weather: [{ name: 'kma' }] },
  });
}

const POLL = { timeoutMs: 30_000, intervalMs: 200 };

async function waitingCondition(join: string): Promise<{ reason: string; message: string }> {
  return eventually(
    `cond(${join}, 'WaitingForSites')?.status === 'True'`,
    async () => {
      const c = cond(await get(env.client, DAILY_JOINS, env.ns, join), 'WaitingForSites') as
        { status: string; reason: string; message: string } | undefined;
      return c?.status === 'True' && c;
    },
    POLL,
  );
}

describe('the DailyJoin waits for the site that collects its power', () => {
  it('shows the wait and creates no run until the watermark passes the end of the date, then creates it', async () => {
    env.clock.ms = T0;
    await create(env.client, DAILY_JOINS, env.ns, joinOn('onsite', 'kpx'));
    const waiting = await waitingCondition('onsite');
    expect(waiting.reason).toBe('WatermarkBehind');
    expect(waiting.message).toContain(`site ${site}: PowerSource ${siteNs}/kpx forwarded up to ${BEHIND}`);
    const j = await get(env.client, DAILY_JOINS, env.ns, 'onsite');
    expect((j?.['status'] as { siteWaits?: unknown }).siteWaits).toEqual([
      { date: DATE, since: '2026-03-05T16:30:00Z', trigger: 'Schedule' },
    ]);
    // A negative needs a pause: a second reconcile (poked) still creates nothing.
    await poke(env.client, env.ns, 'onsite');
    await new Promise((r) => setTimeout(r, 1500));
    expect((await runsOf('onsite')).map(dateOf)).toEqual([]);

    // The site catches up: the RemoteSite's status change alone wakes the join.
    await watermarks({ kpx: PASSED, kpx2: BEHIND });
    const [run] = await eventually(
      'runsOf(onsite).length === 1',
      async () => {
        const runs = await runsOf('onsite');
        return runs.length === 1 && runs;
      },
      POLL,
    );
    expect(run?.['spec']).toEqual({ joinRef: { name: 'onsite' }, date: DATE, trigger: 'Schedule' });
    await eventually(
      "cond(onsite, 'WaitingForSites')?.status === 'False'",
      async () => cond(await get(env.client, DAILY_JOINS, env.ns, 'onsite'), 'WaitingForSites')?.status === 'False',
      POLL,
    );
  });

  it('runs flagged site_late when the grace is over, and joins the date again once the site catches up', async () => {
    env.clock.ms = T0;
    await create(env.client, DAILY_JOINS, env.ns, joinOn('late', 'kpx2'));
    await waitingCondition('late');
    env.clock.ms = Date.parse('2026-03-05T18:30:00Z');
    await poke(env.client, env.ns, 'late');
    const [flagged] = await eventually(
      'runsOf(late).length === 1',
      async () => {
        const runs = await runsOf('late');
        return runs.length === 1 && runs;
      },
      POLL,
    );
    expect(flagged?.['spec']).toEqual({ joinRef: { name: 'late' }, date: DATE, trigger: 'Schedule', siteLate: true });
    await eventually(
      'siteLateDates',
      async () => {
        const st = (await get(env.client, DAILY_JOINS, env.ns, 'late'))?.['status'] as { siteLateDates?: unknown[] };
        return st.siteLateDates?.length === 1;
      },
      POLL,
    );

    // The flagged run finishes (the test plays its controller), then the spool drains.
    await mergePatch(
      env.client,
      DAILY_JOIN_RUNS,
      env.ns,
      flagged?.metadata.name ?? '',
      { status: { state: 'Succeeded', completionTime: '2026-03-05T18:31:00Z' } },
      '/status',
    );
    env.clock.ms = Date.parse('2026-03-05T20:00:00Z');
    await watermarks({ kpx: PASSED, kpx2: '2026-03-05T19:55:00Z' });
    const rerun = await eventually(
      'an unflagged rerun of the date',
      async () => {
        const runs = await runsOf('late');
        return runs.length === 1 && runs[0]?.metadata.uid !== flagged?.metadata.uid && runs[0];
      },
      POLL,
    );
    expect(rerun['spec']).toEqual({ joinRef: { name: 'late' }, date: DATE, trigger: 'LateData' });
    const st = (await get(env.client, DAILY_JOINS, env.ns, 'late'))?.['status'] as Record<string, unknown>;
    expect(st['siteLateDates']).toBeUndefined();
  });
});
