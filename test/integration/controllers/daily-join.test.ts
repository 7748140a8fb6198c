import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import { DAILY_JOINS, DAILY_JOIN_RUNS, JOBS } from '../../../controllers/resources.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { client as countingClient } from '../k8s/helpers.js';
import {
  GC_TIMEOUT_MS,
  cond,
  create,
  currentStatus,
  get,
  list,
  mergePatch,
  remove,
  setup,
  type Env,
} from './helpers.js';
import { REPORT, dailyJoin, finishRun, poke } from './runs.js';

/**
 * The DailyJoin scheduler against the real API server, on a test clock.
 * Schedule 01:30 Asia/Seoul = 16:30 UTC the day before; the firing at
 * 2026-03-05T16:30Z joins 2026-03-05. In "sched" only the DailyJoin
 * controller runs and the test plays the DailyJoinRun controller by patching
 * a run's status.state; "e2e" runs both controllers and the real Job
 * controller, and plays only the kubelet.
 */
const T0 = Date.parse('2026-03-05T16:31:00Z');
const DAY = 86_400_000;
let sched: Env;
let e2e: Env;
let race: Env;

beforeAll(async () => {
  [sched, e2e, race] = await Promise.all([setup('ctl-dj', T0), setup('ctl-dje', T0), setup('ctl-djr', T0)]);
  sched.start(['DailyJoin']);
  e2e.start(['DailyJoin', 'DailyJoinRun']);
}, 120_000);
afterAll(async () => {
  await Promise.all([sched?.teardown(), e2e?.teardown(), race?.teardown()]);
});

const stateOf = (r: KubeObject) => (r['status'] as { state?: string } | undefined)?.state ?? 'Pending';
const dateOf = (r: KubeObject) => (r['spec'] as { date: string }).date;
const finished = (r: KubeObject) => ['Succeeded', 'Failed'].includes(stateOf(r));

/** Runs of one join, as the server has them, oldest date first. */
async function runsOf(env: Env, join: string): Promise<KubeObject[]> {
  return (await list(env.client, DAILY_JOIN_RUNS, env.ns))
    .filter((r) => (r['spec'] as { joinRef: { name: string } }).joinRef.name === join)
    .sort((a, b) => (dateOf(a) < dateOf(b) ? -1 : 1));
}

/** Plays the DailyJoinRun controller: the run finished. */
async function finish(env: Env, run: KubeObject, state: 'Succeeded' | 'Failed' = 'Succeeded'): Promise<void> {
  const at = new Date(env.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z');
  await mergePatch(
    env.client,
    DAILY_JOIN_RUNS,
    env.ns,
    run.metadata.name ?? '',
    { status: { state, completionTime: at } },
    '/status',
  );
}

/** Moves the test clock and wakes the join (its requeue timer runs on real time). */
async function advance(env: Env, join: string, ms: number): Promise<void> {
  env.clock.ms += ms;
  await poke(env.client, env.ns, join);
}

/** Sets the clock to T0 and creates a join in the scheduling namespace. */
async function startJoin(name: string, spec: Record<string, unknown>): Promise<void> {
  sched.clock.ms = T0;
  await create(sched.client, DAILY_JOINS, sched.ns, dailyJoin(name, spec));
}

/** Waits a moment and checks the join made no run for `date` (a negative needs a pause, not a poll). */
async function noRunFor(env: Env, join: string, date: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 1500));
  expect((await runsOf(env, join)).map(dateOf)).not.toContain(date);
}

describe('DailyJoin scheduling on a test clock', () => {
  it('catches up 30 missed days oldest first, never exceeding maxActiveRuns, each date created once', async () => {
    const { client, ns } = sched;
    await startJoin('cu', {
      startDate: '2026-02-03', // 02-03 … 03-04: 30 missed dates, then 03-05 on time
      catchUp: { policy: 'All', maxDates: 30 },
      concurrencyPolicy: 'Allow',
      maxActiveRuns: 3,
      successfulRunsHistoryLimit: 100,
    });
    const uids = new Map<string, string>();
    let maxActive = 0;
    for (let round = 0; uids.size < 31 && round < 20; round++) {
      const active = await eventually(
        'open.length === Math.min(3, 31 - (runs.length - open.length)) && open',
        async () => {
          const runs = await runsOf(sched, 'cu');
          for (const r of runs) {
            const first = uids.get(r.metadata.name ?? '') ?? r.metadata.uid ?? '';
            expect(r.metadata.uid).toBe(first); // never deleted and made again
            uids.set(r.metadata.name ?? '', first);
          }
          const open = runs.filter((r) => !finished(r));
          maxActive = Math.max(maxActive, open.length);
          return open.length === Math.min(3, 31 - (runs.length - open.length)) && open;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      if (round === 0) {
        const j = await get(client, DAILY_JOINS, ns, 'cu');
        expect(cond(j, 'Scheduling')).toMatchObject({ status: 'True', reason: 'WaitingForActiveRuns' });
        expect(active.map(dateOf)).toEqual(['2026-02-03', '2026-02-04', '2026-02-05']);
        expect(active.map((r) => (r['spec'] as { trigger: string }).trigger)).toEqual([
          'CatchUp',
          'CatchUp',
          'CatchUp',
        ]);
      }
      for (const r of active) await finish(sched, r);
    }
    expect(maxActive).toBe(3);
    const runs = await runsOf(sched, 'cu');
    expect(runs).toHaveLength(31);
    expect(runs.map(dateOf)[30]).toBe('2026-03-05');
    const j = await eventually(
      "(got?.['status'] as { lastSuccessfulDate?: string }).lastSuccessfulDate === '2026-03-05...",
      async () => {
        const got = await get(client, DAILY_JOINS, ns, 'cu');
        return (got?.['status'] as { lastSuccessfulDate?: string }).lastSuccessfulDate === '2026-03-05' && got;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(j['status']).toMatchObject({ nextDate: '2026-03-06', nextScheduleTime: '2026-03-06T16:30:00Z' });
    expect(cond(j, 'Scheduling')).toMatchObject({ reason: 'UpToDate', observedGeneration: 1 });
    await remove(client, DAILY_JOINS, ns, 'cu');
  }, 120_000);

  it('Forbid waits for the active run, history limits prune, suspend stops new runs and resume starts again', async () => {
    const { client, ns } = sched;
    await startJoin('fb', { startDate: '2026-03-05', catchUp: { policy: 'None' }, successfulRunsHistoryLimit: 1 });
    const [first] = await eventually(
      'r.length === 1 && r',
      async () => {
        const r = await runsOf(sched, 'fb');
        return r.length === 1 && r;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(first!.metadata.name).toBe('fb-20260305');

    // Forbid: the next date waits while 03-05 runs …
    await advance(sched, 'fb', DAY);
    await eventually(
      "cond(get(client, DAILY_JOINS, ns, 'fb'), 'Scheduling')?.reason === 'WaitingForActiveRuns'",
      async () => cond(await get(client, DAILY_JOINS, ns, 'fb'), 'Scheduling')?.reason === 'WaitingForActiveRuns',
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    await noRunFor(sched, 'fb', '2026-03-06');
    // … and starts once it finished (waiting did not drop the date).
    await finish(sched, first!);
    const second = await eventually(
      "(runsOf(sched, 'fb')).find((r) => dateOf(r) === '2026-03-06')",
      async () => (await runsOf(sched, 'fb')).find((r) => dateOf(r) === '2026-03-06'),
      { timeoutMs: 20_000, intervalMs: 100 },
    );

    // successfulRunsHistoryLimit 1: when 03-06 succeeds, 03-05 is deleted.
    await finish(sched, second);
    await eventually(
      "(runsOf(sched, 'fb')).map((r) => r.metadata.name).join() === 'fb-20260306'",
      async () => (await runsOf(sched, 'fb')).map((r) => r.metadata.name).join() === 'fb-20260306',
      { timeoutMs: 20_000, intervalMs: 100 },
    );

    // suspend: no run for 03-07 …
    await mergePatch(client, DAILY_JOINS, ns, 'fb', { spec: { suspend: true } });
    const suspended = await eventually(
      'j?.metadata.generation === 2 && currentStatus(j) && j',
      async () => {
        const j = await get(client, DAILY_JOINS, ns, 'fb');
        return j?.metadata.generation === 2 && currentStatus(j) && j;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(cond(suspended, 'Ready')).toMatchObject({ status: 'False', reason: 'Suspended', observedGeneration: 2 });
    expect((suspended['status'] as { nextScheduleTime?: string }).nextScheduleTime).toBeUndefined();
    await advance(sched, 'fb', DAY);
    await noRunFor(sched, 'fb', '2026-03-07');
    // … resume: 03-07's firing is on time again.
    await mergePatch(client, DAILY_JOINS, ns, 'fb', { spec: { suspend: false } });
    await eventually(
      "(runsOf(sched, 'fb')).some((r) => dateOf(r) === '2026-03-07')",
      async () => (await runsOf(sched, 'fb')).some((r) => dateOf(r) === '2026-03-07'),
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    await remove(client, DAILY_JOINS, ns, 'fb');
  }, 120_000);

  it('Replace deletes the active run and starts the new date', async () => {
    const { client, ns } = sched;
    await startJoin('rp', { startDate: '2026-03-05', catchUp: { policy: 'None' }, concurrencyPolicy: 'Replace' });
    const old = await eventually("(runsOf(sched, 'rp'))[0]", async () => (await runsOf(sched, 'rp'))[0], {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    await advance(sched, 'rp', DAY);
    await eventually(
      "(runsOf(sched, 'rp')).map((r) => r.metadata.name).join() === 'rp-20260306'",
      async () => (await runsOf(sched, 'rp')).map((r) => r.metadata.name).join() === 'rp-20260306',
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(await get(client, DAILY_JOIN_RUNS, ns, old.metadata.name ?? '')).toBeUndefined();
    const j = await eventually(
      "act?.length === 1 && act[0]?.name === 'rp-20260306' && got",
      async () => {
        const got = await get(client, DAILY_JOINS, ns, 'rp');
        const act = (got?.['status'] as { activeRuns?: { name: string }[] } | undefined)?.activeRuns;
        return act?.length === 1 && act[0]?.name === 'rp-20260306' && got;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(j['status']).toMatchObject({ lastScheduleTime: '2026-03-06T16:30:00Z' });
    await remove(client, DAILY_JOINS, ns, 'rp');
  }, 60_000);

  it('two controllers racing on one join (no Lease) still create each date exactly once', async () => {
    const { ns } = race;
    const posts: number[] = [];
    const conflicts: number[] = [];
    for (let i = 0; i < 2; i++)
      race.start(
        ['DailyJoin'],
        ns,
        countingClient(race.k, (r) => {
          if (r.method === 'POST' && r.path.endsWith('/dailyjoinruns')) (r.status === 201 ? posts : conflicts).push(i);
        }),
      );
    await create(
      race.client,
      DAILY_JOINS,
      ns,
      dailyJoin('tw', {
        startDate: '2026-02-24',
        catchUp: { policy: 'All' },
        concurrencyPolicy: 'Allow',
        maxActiveRuns: 32,
      }),
    );
    await eventually("(runsOf(race, 'tw')).length === 10", async () => (await runsOf(race, 'tw')).length === 10, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    await new Promise((r) => setTimeout(r, 1500));
    const runs = await runsOf(race, 'tw');
    const dates = [...Array(10).keys()].map((i) =>
      new Date(Date.parse('2026-02-24') + i * DAY).toISOString().slice(0, 10),
    );
    expect(runs.map(dateOf)).toEqual(dates);
    expect(new Set(runs.map((r) => r.metadata.uid)).size).toBe(10);
    process.stderr.write(
      `[controllers-dailyjoin] racing controllers: ${posts.length} creates succeeded, ${conflicts.length} AlreadyExists\n`,
    );
    // However the race went (the log line says), the API server let exactly one create of each name through.
    expect(posts).toHaveLength(10);
  }, 60_000);
});

describe('DailyJoin end to end with the DailyJoinRun controller and the Job controller', () => {
  it('creates a run and its Job, records the success, follows spec changes, and is garbage collected', async () => {
    const { client, ns } = e2e;
    await create(client, DAILY_JOINS, ns, dailyJoin('ee', { startDate: '2026-03-05', catchUp: { policy: 'None' } }));
    const job = await eventually("get(client, JOBS, ns, 'ee-20260305')", () => get(client, JOBS, ns, 'ee-20260305'), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    expect(job.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'DailyJoinRun', name: 'ee-20260305' });
    const run = await get(client, DAILY_JOIN_RUNS, ns, 'ee-20260305');
    expect(run?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'DailyJoin', name: 'ee', controller: true });

    await finishRun(client, ns, 'ee-20260305', true); // the kubelet's part
    const joined = await eventually(
      "(j?.['status'] as { lastSuccessfulDate?: string }).lastSuccessfulDate === '2026-03-05' ...",
      async () => {
        const j = await get(client, DAILY_JOINS, ns, 'ee');
        return (j?.['status'] as { lastSuccessfulDate?: string }).lastSuccessfulDate === '2026-03-05' && j;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(currentStatus(joined)).toBe(true);
    expect(cond(joined, 'LastRunFailed')).toMatchObject({ status: 'False', reason: 'LastRunSucceeded' });
    expect((joined['status'] as { activeRuns?: unknown }).activeRuns).toBeUndefined();

    await mergePatch(client, DAILY_JOINS, ns, 'ee', { spec: { suspend: true } });
    const suspended = await eventually(
      'j?.metadata.generation === 2 && currentStatus(j) && j',
      async () => {
        const j = await get(client, DAILY_JOINS, ns, 'ee');
        return j?.metadata.generation === 2 && currentStatus(j) && j;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(cond(suspended, 'Ready')).toMatchObject({ reason: 'Suspended', observedGeneration: 2 });

    await remove(client, DAILY_JOINS, ns, 'ee');
    await eventually(
      "(get(client, DAILY_JOIN_RUNS, ns, 'ee-20260305')) === undefined && (get(client, JOBS, n...",
      async () =>
        (await get(client, DAILY_JOIN_RUNS, ns, 'ee-20260305')) === undefined &&
        (await get(client, JOBS, ns, 'ee-20260305')) === undefined,
      { timeoutMs: GC_TIMEOUT_MS, intervalMs: 500 },
    );
  }, 180_000);

  it('reruns a date whose inputs a later run found changed (LateData), and a date whose run a person deleted', async () => {
    const { client, ns } = e2e;
    await create(client, DAILY_JOINS, ns, dailyJoin('heal', { startDate: '2026-03-04', catchUp: { policy: 'All' } }));
    const uidOf = async (name: string) => (await get(client, DAILY_JOIN_RUNS, ns, name))?.metadata.uid;
    const triggerOf = async (name: string) =>
      ((await get(client, DAILY_JOIN_RUNS, ns, name))?.['spec'] as { trigger?: string } | undefined)?.trigger;
    const stateIs = async (name: string, state: string) => {
      const r = await get(client, DAILY_JOIN_RUNS, ns, name);
      return r !== undefined && stateOf(r) === state && r;
    };
    // Catch-up, one at a time (Forbid): 03-04, then 03-05, whose late-data pass finds new inputs for 03-04.
    await eventually("get(client, JOBS, ns, 'heal-20260304')", () => get(client, JOBS, ns, 'heal-20260304'), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    await finishRun(client, ns, 'heal-20260304', true);
    const before = await eventually(
      "stateIs('heal-20260304', 'Succeeded')",
      () => stateIs('heal-20260304', 'Succeeded'),
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    await eventually("get(client, JOBS, ns, 'heal-20260305')", () => get(client, JOBS, ns, 'heal-20260305'), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    await finishRun(client, ns, 'heal-20260305', true, {
      ...REPORT,
      lateData: [{ date: '2026-03-04', reason: 'InputsChanged' }],
    });
    const reporter = await eventually(
      "stateIs('heal-20260305', 'Succeeded')",
      () => stateIs('heal-20260305', 'Succeeded'),
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(reporter['status']).toMatchObject({ lateData: [{ date: '2026-03-04', reason: 'InputsChanged' }] });

    // The old run of 03-04 makes way and the date runs again, with a Job of its own once the old Job is gone.
    const rerun = await eventually(
      'r && r.metadata.uid !== before.metadata.uid && r',
      async () => {
        const r = await get(client, DAILY_JOIN_RUNS, ns, 'heal-20260304');
        return r && r.metadata.uid !== before.metadata.uid && r;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    expect((rerun['spec'] as { trigger: string }).trigger).toBe('LateData');
    const job = await eventually(
      'j?.metadata.ownerReferences?.[0]?.uid === rerun.metadata.uid && j',
      async () => {
        const j = await get(client, JOBS, ns, 'heal-20260304');
        return j?.metadata.ownerReferences?.[0]?.uid === rerun.metadata.uid && j;
      },
      { timeoutMs: GC_TIMEOUT_MS, intervalMs: 100 },
    );
    expect(job.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'DailyJoinRun', name: 'heal-20260304' });
    await finishRun(client, ns, 'heal-20260304', true);
    await eventually("stateIs('heal-20260304', 'Succeeded')", () => stateIs('heal-20260304', 'Succeeded'), {
      timeoutMs: 60_000,
      intervalMs: 100,
    });

    // A person deletes the finished 03-05 run: the date runs again (trigger Manual). The report that
    // asked for the 03-04 rerun is read once: 03-04 keeps its rerun.
    const rerunUid = await uidOf('heal-20260304');
    await remove(client, DAILY_JOIN_RUNS, ns, 'heal-20260305');
    await eventually(
      'uid !== undefined && uid !== reporter.metadata.uid',
      async () => {
        const uid = await uidOf('heal-20260305');
        return uid !== undefined && uid !== reporter.metadata.uid;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(await triggerOf('heal-20260305')).toBe('Manual');
    expect(await uidOf('heal-20260304')).toBe(rerunUid);
    const status = (await get(client, DAILY_JOINS, ns, 'heal'))?.['status'] as Record<string, unknown>;
    expect(status['pendingReruns']).toBeUndefined();
    expect(status['knownRuns']).toEqual([
      { date: '2026-03-04', finished: true },
      { date: '2026-03-05', finished: false },
    ]);
  }, 300_000);
});
