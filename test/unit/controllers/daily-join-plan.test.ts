import { describe, expect, it } from 'vitest';
import type { Action } from '../../../controllers/apply.js';
import { JOIN_LABEL, planDailyJoin, type JoinPlan } from '../../../controllers/daily-join-plan.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { controllerReference } from '../../../src/k8s/ownership.js';
import { NS, at, bodyOf, condOf, generationsOf, resource } from './fixtures.js';

/**
 * The DailyJoin scheduler as a pure function of (join, runs, now). Schedule
 * 01:30 in Asia/Seoul (UTC+9) fires at 16:30 UTC the day before, and a
 * firing joins the logical date before its calendar date: the firing at
 * 2026-03-05T16:30Z (03-06 01:30 KST) joins 2026-03-05.
 */
const FIRING_0305 = '2026-03-05T16:30:00Z';
const NOW = at('2026-03-05T16:31:00Z');

function join(spec: Record<string, unknown>, status?: Record<string, unknown>, generation = 1): KubeObject {
  return resource(
    'DailyJoin',
    'pw',
    {
      inputs: { power: { name: 'kpx' }, weather: [{ name: 'kma' }] },
      lake: { bucket: 'gridlake' },
      ...spec,
    },
    { generation, uid: 'join-uid', creationTimestamp: '2026-01-01T00:00:00Z' },
    status,
  );
}

type State = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

function run(date: string, state: State | null, owned = true, completionTime?: string): KubeObject {
  const r = resource(
    'DailyJoinRun',
    `pw-${date.replaceAll('-', '')}`,
    { joinRef: { name: 'pw' }, date, trigger: owned ? 'Schedule' : 'Manual' },
    { uid: `run-${date}` },
    state ? { state, ...(completionTime ? { completionTime } : {}) } : undefined,
  );
  if (owned) r.metadata.ownerReferences = [controllerReference(join({}), { metadata: { namespace: NS } })];
  return r;
}

const creates = (p: JoinPlan) => p.actions.filter((a) => a.op === 'create').map((a) => bodyOf(a));
const createdDates = (p: JoinPlan) => creates(p).map((b) => (b['spec'] as { date: string }).date);
const deleted = (p: JoinPlan) =>
  p.actions.filter((a): a is Extract<Action, { op: 'delete' }> => a.op === 'delete').map((a) => [a.ref.name, a.uid]);

describe('due dates in spec.timeZone', () => {
  it('creates the run for the date the newest firing joins, named <join>-<yyyymmdd>, owned by the join', () => {
    const plan = planDailyJoin(join({ startDate: '2026-03-05', catchUp: { policy: 'None' } }), [], NOW);
    expect(plan.actions).toHaveLength(1);
    const [body] = creates(plan);
    expect(body).toEqual({
      apiVersion: 'gridlake.io/v1alpha1',
      kind: 'DailyJoinRun',
      metadata: {
        name: 'pw-20260305',
        namespace: NS,
        labels: { [JOIN_LABEL]: 'pw' },
        ownerReferences: [
          {
            apiVersion: 'gridlake.io/v1alpha1',
            kind: 'DailyJoin',
            name: 'pw',
            uid: 'join-uid',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { joinRef: { name: 'pw' }, date: '2026-03-05', trigger: 'Schedule' },
    });
    expect(plan.creates).toEqual(['pw-20260305']);
    expect(plan.status).toMatchObject({
      lastScheduleTime: FIRING_0305,
      nextScheduleTime: '2026-03-06T16:30:00Z',
      nextDate: '2026-03-06',
      activeRuns: [{ name: 'pw-20260305', date: '2026-03-05' }],
    });
    // Requeue for the next firing instead of polling.
    expect(plan.requeueAfterMs).toBe(at('2026-03-06T16:30:00Z') - NOW);
  });

  it('reads the same instant in another zone: 01:30 UTC already fired today and joins yesterday', () => {
    const plan = planDailyJoin(
      join({ timeZone: 'UTC', startDate: '2026-03-04', catchUp: { policy: 'None' } }),
      [],
      NOW,
    );
    expect(createdDates(plan)).toEqual(['2026-03-04']);
    expect(plan.status).toMatchObject({ lastScheduleTime: '2026-03-05T01:30:00Z', nextDate: '2026-03-05' });
  });

  it('does nothing a minute before the firing but say when it comes', () => {
    const plan = planDailyJoin(
      join({ startDate: '2026-03-05', catchUp: { policy: 'None' } }, { lastScheduleTime: '2026-03-04T16:30:00Z' }),
      [],
      at('2026-03-05T16:29:00Z'),
    );
    expect(plan.actions).toEqual([]);
    expect(plan.requeueAfterMs).toBe(60_000);
    expect(condOf(plan.status, 'Scheduling')).toMatchObject({ status: 'True', reason: 'UpToDate' });
  });

  it('is deterministic: the same world plans the same names, and an existing run is never created again', () => {
    const j = join({ startDate: '2026-03-05', catchUp: { policy: 'None' } });
    expect(planDailyJoin(j, [], NOW).actions).toEqual(planDailyJoin(j, [], NOW).actions);
    // A second controller (or a restart) that sees the run, even without our status write, creates nothing.
    const again = planDailyJoin(j, [run('2026-03-05', null)], NOW);
    expect(again.actions).toEqual([]);
    expect(again.status['activeRuns']).toEqual([{ name: 'pw-20260305', date: '2026-03-05' }]);
  });
});

describe('catch-up', () => {
  // startDate 2026-02-03: 30 missed dates (02-03 … 03-04) before the on-time 03-05.
  const missed30 = (catchUp: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    join({ startDate: '2026-02-03', catchUp, ...extra });

  it('None drops the missed dates and runs only the on-time one', () => {
    expect(createdDates(planDailyJoin(missed30({ policy: 'None' }), [], NOW))).toEqual(['2026-03-05']);
  });

  it('Latest runs only the most recent date', () => {
    const plan = planDailyJoin(missed30({ policy: 'Latest' }), [], NOW);
    expect(createdDates(plan)).toEqual(['2026-03-05']);
    expect(plan.status['lastScheduleTime']).toBe(FIRING_0305);
  });

  it('All is capped at maxDates, keeping the newest missed dates', () => {
    const plan = planDailyJoin(
      missed30({ policy: 'All', maxDates: 5 }, { concurrencyPolicy: 'Allow', maxActiveRuns: 32 }),
      [],
      NOW,
    );
    expect(createdDates(plan)).toEqual([
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
      '2026-03-03',
      '2026-03-04',
      '2026-03-05',
    ]);
    expect(creates(plan).map((b) => (b['spec'] as { trigger: string }).trigger)).toEqual([
      ...Array<string>(5).fill('CatchUp'),
      'Schedule',
    ]);
  });

  it.each([
    ['Forbid', 1],
    ['Allow', 4],
  ] as const)(
    'All over 30 missed days under %s starts oldest first and never exceeds maxActiveRuns %i',
    (concurrencyPolicy, maxActiveRuns) => {
      let j = missed30({ policy: 'All', maxDates: 30 }, { concurrencyPolicy, maxActiveRuns });
      const runs = new Map<string, KubeObject>();
      const order: string[] = [];
      let t = NOW;
      for (let pass = 0; pass < 100 && order.length < 31; pass++) {
        const plan = planDailyJoin(j, [...runs.values()], t);
        const active = [...runs.values()].filter((r) => !['Succeeded', 'Failed'].includes(stateOf(r)));
        expect(active.length + createdDates(plan).length).toBeLessThanOrEqual(maxActiveRuns);
        if (createdDates(plan).length < 31 - order.length)
          expect(condOf(plan.status, 'Scheduling')).toMatchObject({ reason: 'WaitingForActiveRuns' });
        for (const d of createdDates(plan)) {
          expect(runs.has(d)).toBe(false);
          order.push(d);
          runs.set(d, run(d, 'Running'));
        }
        // The oldest active run finishes; the status written becomes the next pass's input.
        const oldest = [...runs.entries()].find(([, r]) => stateOf(r) === 'Running');
        if (oldest) runs.set(oldest[0], run(oldest[0], 'Succeeded', true, new Date(t).toISOString()));
        j = { ...j, status: plan.status };
        t += 60_000;
      }
      expect(order).toHaveLength(31);
      expect(order).toEqual([...order].sort());
      expect(order[0]).toBe('2026-02-03');
      expect(order[30]).toBe('2026-03-05');
    },
  );
});

function stateOf(r: KubeObject): string {
  return (r['status'] as { state?: string } | undefined)?.state ?? 'Pending';
}

describe('startingDeadlineSeconds', () => {
  const late = at('2026-03-05T18:30:00Z'); // two hours after the firing

  it('turns a firing not started in time into a missed one, which catch-up None drops', () => {
    const spec = { startDate: '2026-03-05', startingDeadlineSeconds: 600 };
    expect(planDailyJoin(join({ ...spec, catchUp: { policy: 'None' } }), [], late).actions).toEqual([]);
    const latest = planDailyJoin(join({ ...spec, catchUp: { policy: 'Latest' } }), [], late);
    expect(creates(latest).map((b) => b['spec'])).toEqual([
      { joinRef: { name: 'pw' }, date: '2026-03-05', trigger: 'CatchUp' },
    ]);
  });

  it('without a deadline, a late start is still on time', () => {
    const plan = planDailyJoin(join({ startDate: '2026-03-05', catchUp: { policy: 'None' } }), [], late);
    expect(creates(plan).map((b) => (b['spec'] as { trigger: string }).trigger)).toEqual(['Schedule']);
  });
});

describe('concurrencyPolicy with the 03-04 run still active', () => {
  const active = [run('2026-03-04', 'Running')];
  const withActive = (extra: Record<string, unknown>) =>
    join({ startDate: '2026-03-04', ...extra }, { lastScheduleTime: '2026-03-04T16:30:00Z' });

  it('Forbid waits and keeps the watermark, so the date starts once the run ends', () => {
    const plan = planDailyJoin(withActive({ concurrencyPolicy: 'Forbid' }), active, NOW);
    expect(plan.actions).toEqual([]);
    expect(plan.status['lastScheduleTime']).toBe('2026-03-04T16:30:00Z');
    expect(condOf(plan.status, 'Scheduling')).toMatchObject({ status: 'True', reason: 'WaitingForActiveRuns' });
    const after = planDailyJoin(
      { ...withActive({ concurrencyPolicy: 'Forbid' }), status: plan.status },
      [run('2026-03-04', 'Succeeded')],
      NOW + 60_000,
    );
    expect(createdDates(after)).toEqual(['2026-03-05']);
  });

  it('Allow starts another run beside it, up to maxActiveRuns', () => {
    const plan = planDailyJoin(withActive({ concurrencyPolicy: 'Allow', maxActiveRuns: 2 }), active, NOW);
    expect(createdDates(plan)).toEqual(['2026-03-05']);
    expect(plan.status['activeRuns']).toEqual([
      { name: 'pw-20260304', date: '2026-03-04' },
      { name: 'pw-20260305', date: '2026-03-05' },
    ]);
  });

  it('Replace deletes the active run (uid precondition) before starting the new one', () => {
    const plan = planDailyJoin(withActive({ concurrencyPolicy: 'Replace' }), active, NOW);
    expect(plan.actions.map((a) => `${a.op} ${a.ref.name}`)).toEqual(['delete pw-20260304', 'create pw-20260305']);
    expect(deleted(plan)).toEqual([['pw-20260304', 'run-2026-03-04']]);
    expect(plan.status['activeRuns']).toEqual([{ name: 'pw-20260305', date: '2026-03-05' }]);
  });
});

describe('suspend', () => {
  it('creates nothing, has no next firing, does not requeue, and says why', () => {
    const plan = planDailyJoin(join({ startDate: '2026-03-01', suspend: true }), [], NOW);
    expect(plan.actions).toEqual([]);
    expect(plan.requeueAfterMs).toBeNull();
    expect(plan.status['nextScheduleTime']).toBeUndefined();
    expect(condOf(plan.status, 'Ready')).toMatchObject({ status: 'False', reason: 'Suspended' });
    expect(condOf(plan.status, 'Scheduling')).toMatchObject({ status: 'False', reason: 'Suspended' });
  });

  it('on resume applies catch-up to what was missed (Latest: one run)', () => {
    const suspended = planDailyJoin(
      join({ startDate: '2026-03-01', suspend: true }, { lastScheduleTime: '2026-02-28T16:30:00Z' }),
      [],
      NOW,
    );
    const resumed = planDailyJoin(join({ startDate: '2026-03-01' }, suspended.status, 2), [], NOW);
    expect(createdDates(resumed)).toEqual(['2026-03-05']);
  });
});

describe('history limits', () => {
  const runs = [
    ...['2026-02-20', '2026-02-21', '2026-02-22', '2026-02-23', '2026-02-24'].map((d) =>
      run(d, 'Succeeded', true, `${d}T20:00:00Z`),
    ),
    ...['2026-02-25', '2026-02-26', '2026-02-27'].map((d) => run(d, 'Failed', true, `${d}T20:00:00Z`)),
    run('2026-02-10', 'Succeeded', false, '2026-02-10T20:00:00Z'), // a person's backfill: not ours to prune
    run('2026-02-28', 'Running'),
  ];
  const limited = (status?: Record<string, unknown>) =>
    join(
      { startDate: '2026-02-20', successfulRunsHistoryLimit: 2, failedRunsHistoryLimit: 1 },
      { lastScheduleTime: FIRING_0305, ...status },
    );

  it('deletes the oldest finished runs beyond each limit, never an active run or one it did not create', () => {
    const plan = planDailyJoin(limited(), runs, NOW);
    expect(deleted(plan)).toEqual([
      ['pw-20260220', 'run-2026-02-20'],
      ['pw-20260221', 'run-2026-02-21'],
      ['pw-20260222', 'run-2026-02-22'],
      ['pw-20260225', 'run-2026-02-25'],
      ['pw-20260226', 'run-2026-02-26'],
    ]);
    expect(plan.status).toMatchObject({
      lastSuccessfulDate: '2026-02-24',
      lastSuccessfulTime: '2026-02-24T20:00:00Z',
      activeRuns: [{ name: 'pw-20260228', date: '2026-02-28' }],
    });
    expect(condOf(plan.status, 'LastRunFailed')).toMatchObject({ status: 'True', reason: 'LastRunFailed' });
  });

  it('never moves lastSuccessfulDate back after pruning', () => {
    const plan = planDailyJoin(
      limited({ lastSuccessfulDate: '2026-03-01', lastSuccessfulTime: '2026-03-01T20:00:00Z' }),
      runs,
      NOW,
    );
    expect(plan.status).toMatchObject({ lastSuccessfulDate: '2026-03-01', lastSuccessfulTime: '2026-03-01T20:00:00Z' });
  });

  it('limit 0 keeps no finished run', () => {
    const plan = planDailyJoin(
      join(
        { startDate: '2026-02-20', successfulRunsHistoryLimit: 0, failedRunsHistoryLimit: 0 },
        { lastScheduleTime: FIRING_0305 },
      ),
      runs,
      NOW,
    );
    expect(deleted(plan)).toHaveLength(8);
  });
});

describe('InvalidSpec and generations', () => {
  it.each([
    ['a start date after today', { startDate: '2026-04-01' }, 'spec.startDate: startDate 2026-04-01 is after today'],
    ['a time zone the runtime does not know', { timeZone: 'Mars/Olympus_Mons' }, 'spec.timeZone: unknown time zone'],
    ['a cron value out of range', { schedule: '99 1 * * *' }, 'spec.schedule: invalid cron schedule'],
  ])('reports %s and schedules nothing', (_, spec, message) => {
    const plan = planDailyJoin(join(spec), [], NOW);
    expect(plan.actions).toEqual([]);
    expect(plan.requeueAfterMs).toBeNull();
    expect(condOf(plan.status, 'InvalidSpec')?.status).toBe('True');
    expect(condOf(plan.status, 'InvalidSpec')?.message).toContain(message);
    expect(condOf(plan.status, 'Ready')).toMatchObject({ status: 'False', reason: 'SpecInvalid' });
  });

  it('stamps status and every condition with the generation', () => {
    const plan = planDailyJoin(join({ startDate: '2026-03-05' }, undefined, 6), [], NOW);
    expect(plan.status['observedGeneration']).toBe(6);
    expect(generationsOf(plan.status)).toEqual([6, 6, 6, 6, 6]);
    expect(condOf(plan.status, 'InvalidSpec')).toMatchObject({ status: 'False' });
    expect(condOf(plan.status, 'LastRunFailed')).toMatchObject({ status: 'False', reason: 'NoRunsYet' });
  });
});

describe('reruns', () => {
  // 03-05 was scheduled at its firing; nothing else is due at NOW (03-06 01:31 KST).
  const settled = { startDate: '2026-03-05', catchUp: { policy: 'None' } };
  const scheduled = { lastScheduleTime: FIRING_0305 };
  const withStatus = (p: JoinPlan, spec: Record<string, unknown> = settled) => join(spec, p.status);
  const done = (date: string, extra: Record<string, unknown> = {}, created = '2026-03-04T00:00:00Z') => {
    const r = run(date, 'Succeeded', true, `${date}T17:00:00Z`);
    r.metadata['creationTimestamp'] = created;
    r['status'] = { ...(r['status'] as object), ...extra };
    return r;
  };
  const triggers = (p: JoinPlan) => creates(p).map((b) => (b['spec'] as { trigger: string }).trigger);

  it('runs a date again when a person deletes its run, with trigger Manual', () => {
    const first = planDailyJoin(join(settled, scheduled), [done('2026-03-04'), done('2026-03-05')], NOW);
    expect(first.status['knownRuns']).toEqual([
      { date: '2026-03-04', finished: true },
      { date: '2026-03-05', finished: true },
    ]);
    // Someone deletes pw-20260304.
    const again = planDailyJoin(withStatus(first), [done('2026-03-05')], NOW);
    expect(createdDates(again)).toEqual(['2026-03-04']);
    expect(triggers(again)).toEqual(['Manual']);
    expect(again.status['pendingReruns']).toBeUndefined();
    expect(again.status['knownRuns']).toContainEqual({ date: '2026-03-04', finished: false });
    expect(again.creates).toEqual(['pw-20260304']);
  });

  it('never reruns a date whose run it pruned itself (history limits)', () => {
    const spec = { ...settled, successfulRunsHistoryLimit: 1 };
    const first = planDailyJoin(join(spec, scheduled), [done('2026-03-04'), done('2026-03-05')], NOW);
    expect(deleted(first)).toEqual([['pw-20260304', 'run-2026-03-04']]);
    expect(first.status['knownRuns']).toEqual([{ date: '2026-03-05', finished: true }]);
    const after = planDailyJoin(withStatus(first, spec), [done('2026-03-05')], NOW);
    expect(after.actions).toEqual([]);
  });

  it('does not read its own prune as a person’s delete while its status does not show it yet', () => {
    const spec = { ...settled, successfulRunsHistoryLimit: 1 };
    // Both runs known (limit 3), then the limit drops to 1 and 03-04 is pruned.
    const before = planDailyJoin(join(settled, scheduled), [done('2026-03-04'), done('2026-03-05')], NOW);
    const first = planDailyJoin(withStatus(before, spec), [done('2026-03-04'), done('2026-03-05')], NOW);
    expect(first.deletes).toEqual(['2026-03-04']);
    // The status write after the prune conflicted: the next plan still sees 03-04 in knownRuns.
    const stale = withStatus(before, spec);
    expect(planDailyJoin(stale, [done('2026-03-05')], NOW, new Set(first.deletes)).actions).toEqual([]);
    // (Without the reconciler's memory the missing run would look deleted by a person.)
    expect(createdDates(planDailyJoin(stale, [done('2026-03-05')], NOW))).toEqual(['2026-03-04']);
  });

  it('waits for room: with a run active (Forbid), the deleted date stays pending', () => {
    const first = planDailyJoin(join(settled, scheduled), [done('2026-03-04'), run('2026-03-05', 'Running')], NOW);
    const busy = planDailyJoin(withStatus(first), [run('2026-03-05', 'Running')], NOW);
    expect(busy.actions).toEqual([]);
    expect(busy.status['pendingReruns']).toEqual([{ date: '2026-03-04', reason: 'Deleted' }]);
    const free = planDailyJoin(withStatus(busy), [done('2026-03-05')], NOW);
    expect(createdDates(free)).toEqual(['2026-03-04']);
  });

  it('keeps a pending rerun while suspended', () => {
    const first = planDailyJoin(join(settled, scheduled), [done('2026-03-04'), done('2026-03-05')], NOW);
    const suspended = { ...settled, suspend: true };
    const plan = planDailyJoin(withStatus(first, suspended), [done('2026-03-05')], NOW);
    expect(plan.actions).toEqual([]);
    expect(plan.status['pendingReruns']).toEqual([{ date: '2026-03-04', reason: 'Deleted' }]);
  });

  describe('late data found by a run', () => {
    const late = (date: string, reason = 'InputsChanged') => ({ lateData: [{ date, reason }] });

    it('deletes the older run of the date, then creates it again with trigger LateData, once', () => {
      const prior = planDailyJoin(join(settled, scheduled), [done('2026-03-03'), run('2026-03-05', 'Running')], NOW);
      const reporter = done('2026-03-05', late('2026-03-03'), '2026-03-05T16:30:00Z');
      const first = planDailyJoin(withStatus(prior), [done('2026-03-03'), reporter], NOW);
      expect(deleted(first)).toEqual([['pw-20260303', 'run-2026-03-03']]);
      expect(first.status['pendingReruns']).toEqual([
        { date: '2026-03-03', reason: 'LateData', since: '2026-03-05T17:00:00Z' },
      ]);
      expect(first.status['knownRuns']).toEqual([{ date: '2026-03-05', finished: true }]);
      const second = planDailyJoin(withStatus(first), [reporter], NOW);
      expect(createdDates(second)).toEqual(['2026-03-03']);
      expect(triggers(second)).toEqual(['LateData']);
      expect(second.status['pendingReruns']).toBeUndefined();
      // The rerun finishes; the report that asked for it is not read again.
      const rerun = done('2026-03-03', {}, '2026-03-06T00:00:00Z');
      const third = planDailyJoin(withStatus(second), [rerun, reporter], NOW);
      expect(third.actions).toEqual([]);
      // Even once the rerun is pruned, the old report does not bring the date back.
      const limited = { ...settled, successfulRunsHistoryLimit: 1 };
      const pruning = planDailyJoin(withStatus(third, limited), [rerun, reporter], NOW);
      expect(deleted(pruning)).toEqual([['pw-20260303', 'run-2026-03-03']]);
      expect(planDailyJoin(withStatus(pruning, limited), [reporter], NOW).actions).toEqual([]);
    });

    it('reruns a date whose run was already pruned', () => {
      const prior = planDailyJoin(join(settled, scheduled), [run('2026-03-05', 'Running')], NOW);
      const reporter = done('2026-03-05', late('2026-03-03'));
      const plan = planDailyJoin(withStatus(prior), [reporter], NOW);
      expect(createdDates(plan)).toEqual(['2026-03-03']);
    });

    it('does nothing when a run of the date was created after the late data was found', () => {
      const prior = planDailyJoin(join(settled, scheduled), [run('2026-03-05', 'Running')], NOW);
      const reporter = done('2026-03-05', late('2026-03-03'));
      const fresh = done('2026-03-03', {}, '2026-03-05T18:00:00Z');
      const plan = planDailyJoin(withStatus(prior), [fresh, reporter], NOW);
      expect(plan.actions).toEqual([]);
      expect(plan.status['pendingReruns']).toBeUndefined();
    });

    it('ignores dates beyond lateDataDays, lateDataDays 0, and never-joined dates that were never scheduled', () => {
      const prior = planDailyJoin(join(settled, scheduled), [run('2026-03-05', 'Running')], NOW);
      const reporter = done('2026-03-05', late('2026-03-03'));
      for (const spec of [
        { ...settled, lateDataDays: 1 },
        { ...settled, lateDataDays: 0 },
      ])
        expect(planDailyJoin(withStatus(prior, spec), [reporter], NOW).actions).toEqual([]);
      const never = done('2026-03-05', late('2026-03-03', 'NeverJoined'));
      expect(planDailyJoin(withStatus(prior), [never], NOW).actions).toEqual([]);
      // …but a never-joined date that has a run (it found no input then) is rerun.
      const prior2 = planDailyJoin(join(settled, scheduled), [done('2026-03-03'), run('2026-03-05', 'Running')], NOW);
      const plan = planDailyJoin(withStatus(prior2), [done('2026-03-03'), never], NOW);
      expect(deleted(plan)).toEqual([['pw-20260303', 'run-2026-03-03']]);
    });
  });

  describe('dates joined without input', () => {
    // Catch-up window 30 dates (the default maxDates), lateDataDays 3: 02-10 is 24 days before NOW's 03-06.
    const spec = { startDate: '2026-02-01', catchUp: { policy: 'All', maxDates: 30 }, successfulRunsHistoryLimit: 1 };
    const noInput = {
      outcome: 'NoInput',
      rows: { powerIn: 0, weatherIn: 0, duplicatesRemoved: 0, rejected: 0, hourlyOut: 0, dailyOut: 0 },
    };

    it('shows them in the NoInput condition, and reruns one when a run finds raw files for it, beyond lateDataDays', () => {
      const first = planDailyJoin(
        join(spec, scheduled),
        [done('2026-02-10', noInput), run('2026-03-05', 'Running')],
        NOW,
      );
      expect(first.status['noInputDates']).toEqual([{ date: '2026-02-10', emptyInputs: ['power', 'weather'] }]);
      expect(condOf(first.status, 'NoInput')).toMatchObject({
        status: 'True',
        reason: 'DatesWithoutInput',
        message: expect.stringContaining(
          '2026-02-10 (no rows from power (PowerSource kpx) and weather (WeatherSource kma))',
        ) as unknown,
      });
      // The NoInput run is pruned by the history limit; the join remembers the date.
      const reporter = done('2026-03-05', {
        outcome: 'Partial',
        lateData: [{ date: '2026-02-10', reason: 'NeverJoined' }],
      });
      const pruned = planDailyJoin(withStatus(first, spec), [done('2026-02-10', noInput), reporter], NOW);
      expect(deleted(pruned)).toEqual([['pw-20260210', 'run-2026-02-10']]);
      expect(pruned.status['noInputDates']).toEqual([{ date: '2026-02-10', emptyInputs: ['power', 'weather'] }]);
      const rerun = planDailyJoin(withStatus(pruned, spec), [reporter], NOW);
      expect(createdDates(rerun)).toEqual(['2026-02-10']);
      expect(triggers(rerun)).toEqual(['LateData']);
      // The rerun finds rows: the date leaves the list and the condition clears.
      const joined = done('2026-02-10', { outcome: 'Partial' }, '2026-03-05T18:00:00Z');
      const after = planDailyJoin(withStatus(rerun, spec), [joined, reporter], NOW);
      expect(after.status['noInputDates']).toBeUndefined();
      expect(condOf(after.status, 'NoInput')).toMatchObject({ status: 'False', reason: 'InputsFound' });
    });

    it('forgets them beyond the catch-up window, and passes the window to the join', () => {
      const narrow = { ...spec, catchUp: { policy: 'All', maxDates: 5 } };
      const plan = planDailyJoin(join(narrow, scheduled), [done('2026-02-10', noInput)], NOW);
      expect(plan.status['noInputDates']).toBeUndefined();
      const reporter = done('2026-03-05', { lateData: [{ date: '2026-02-10', reason: 'NeverJoined' }] });
      const prior = planDailyJoin(join(narrow, scheduled), [run('2026-03-05', 'Running')], NOW);
      expect(createdDates(planDailyJoin(withStatus(prior, narrow), [reporter], NOW))).toEqual([]);
    });
  });
});
