import { describe, expect, it } from 'vitest';
import type { Action } from '../../../controllers/apply.js';
import { planDailyJoin, type JoinPlan } from '../../../controllers/daily-join-plan.js';
import { dateEndIn, dateStartIn } from '../../../controllers/daily-join-sites.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { controllerReference } from '../../../src/k8s/ownership.js';
import { NS, at, bodyOf, condOf, resource } from './fixtures.js';

/**
 * A DailyJoin whose power input is collected at site naver (namespace
 * gridlake-site-naver). Schedule 01:30 Asia/Seoul: the firing at
 * 2026-03-05T16:30Z joins 2026-03-05, which ends at 2026-03-05T15:00Z; the
 * default grace (7200 s) ends at 18:30Z.
 */
const FIRING = '2026-03-05T16:30:00Z';
const DATE_END = '2026-03-05T15:00:00Z';
const NOW = at('2026-03-05T16:31:00Z');
const GRACE_END = at('2026-03-05T18:30:00Z');
const NAVER = 'gridlake-site-naver';

function join(
  inputs: { power?: Record<string, unknown>; weather?: Record<string, unknown>[] } = {},
  status?: Record<string, unknown>,
  spec: Record<string, unknown> = {},
): KubeObject {
  return resource(
    'DailyJoin',
    'pw',
    {
      inputs: {
        power: inputs.power ?? { name: 'kpx', namespace: NAVER },
        weather: inputs.weather ?? [{ name: 'kma' }],
      },
      lake: { bucket: 'gridlake' },
      startDate: '2026-03-05',
      catchUp: { policy: 'None' },
      ...spec,
    },
    { uid: 'join-uid', creationTimestamp: '2026-01-01T00:00:00Z' },
    status,
  );
}

type Watermarks = Record<string, string>;

/** RemoteSites by name, each with forwarded watermarks by `Kind/name`. */
function sites(bySite: Record<string, Watermarks>): (name: string) => KubeObject | undefined {
  const objs = new Map(
    Object.entries(bySite).map(([name, marks]) => [
      name,
      resource(
        'RemoteSite',
        name,
        {},
        { namespace: null },
        {
          sources: Object.entries(marks).map(([key, forwardedWatermark]) => {
            const [kind, n] = key.split('/');
            return { kind, name: n, forwardedWatermark };
          }),
        },
      ),
    ]),
  );
  return (name) => objs.get(name);
}

function run(date: string, state: 'Running' | 'Succeeded', siteLate: boolean, created: string): KubeObject {
  const r = resource(
    'DailyJoinRun',
    `pw-${date.replaceAll('-', '')}`,
    { joinRef: { name: 'pw' }, date, trigger: 'Schedule', ...(siteLate ? { siteLate: true } : {}) },
    { uid: `run-${date}`, creationTimestamp: created },
    { state, ...(state === 'Succeeded' ? { completionTime: created } : {}) },
  );
  r.metadata.ownerReferences = [controllerReference(join(), { metadata: { namespace: NS } })];
  return r;
}

const creates = (p: JoinPlan) => p.actions.filter((a) => a.op === 'create').map((a) => bodyOf(a));
const createdSpecs = (p: JoinPlan) => creates(p).map((b) => b['spec'] as Record<string, unknown>);
const deletedNames = (p: JoinPlan) =>
  p.actions.filter((a): a is Extract<Action, { op: 'delete' }> => a.op === 'delete').map((a) => a.ref.name);

const BEHIND = sites({ naver: { 'PowerSource/kpx': '2026-03-05T14:55:00Z' } });
const PASSED = sites({ naver: { 'PowerSource/kpx': DATE_END } });

describe('the end of a date in the join time zone', () => {
  it.each([
    ['2026-03-05', 'Asia/Seoul', '2026-03-04T15:00:00Z', '2026-03-05T15:00:00Z'],
    ['2026-03-05', 'UTC', '2026-03-05T00:00:00Z', '2026-03-06T00:00:00Z'],
    // 2026-03-08 is the spring-forward day in New York: 23 hours long.
    ['2026-03-08', 'America/New_York', '2026-03-08T05:00:00Z', '2026-03-09T04:00:00Z'],
  ])('%s in %s runs from %s to %s', (date, tz, start, end) => {
    expect(new Date(dateStartIn(date, tz)).toISOString()).toBe(start.replace('Z', '.000Z'));
    expect(new Date(dateEndIn(date, tz)).toISOString()).toBe(end.replace('Z', '.000Z'));
  });
});

describe('a due date waits for the site that collects one of its inputs', () => {
  it('starts nothing while the watermark is before the end of the date, and says which site, source and watermark', () => {
    const plan = planDailyJoin(join(), [], NOW, undefined, BEHIND);
    expect(creates(plan)).toEqual([]);
    expect(plan.status['siteWaits']).toEqual([{ date: '2026-03-05', since: FIRING, trigger: 'Schedule' }]);
    // The firing is consumed: the wait is remembered in siteWaits, not by holding the schedule back.
    expect(plan.status['lastScheduleTime']).toBe(FIRING);
    const cond = condOf(plan.status, 'WaitingForSites');
    expect(cond).toMatchObject({ status: 'True', reason: 'WatermarkBehind' });
    expect(cond?.message).toContain('2026-03-05 waits until the watermarks reach 2026-03-05T15:00:00Z');
    expect(cond?.message).toContain(`site naver: PowerSource ${NAVER}/kpx forwarded up to 2026-03-05T14:55:00Z`);
    expect(cond?.message).toContain('At 2026-03-05T18:30:00Z (siteGraceSeconds 7200) it runs flagged site_late');
    // Woken when the grace ends (a RemoteSite change wakes it earlier).
    expect(plan.requeueAfterMs).toBe(GRACE_END - NOW);
  });

  it('counts a missing RemoteSite or a source missing from its status as not passed', () => {
    for (const lookup of [sites({}), sites({ naver: { 'PowerSource/other': '2026-03-06T00:00:00Z' } })]) {
      const plan = planDailyJoin(join(), [], NOW, undefined, lookup);
      expect(creates(plan)).toEqual([]);
      expect(condOf(plan.status, 'WaitingForSites')?.status).toBe('True');
    }
    expect(condOf(planDailyJoin(join(), [], NOW, undefined, sites({})).status, 'WaitingForSites')?.message).toContain(
      'site naver (no RemoteSite of that name)',
    );
    expect(
      condOf(planDailyJoin(join(), [], NOW, undefined, sites({ naver: {} })).status, 'WaitingForSites')?.message,
    ).toContain('forwarded nothing yet');
  });

  it('starts at once, unflagged, when the watermark has reached the end of the date', () => {
    const plan = planDailyJoin(join(), [], NOW, undefined, PASSED);
    expect(createdSpecs(plan)).toEqual([{ joinRef: { name: 'pw' }, date: '2026-03-05', trigger: 'Schedule' }]);
    expect(plan.status['siteWaits']).toBeUndefined();
    expect(condOf(plan.status, 'WaitingForSites')).toMatchObject({ status: 'False', reason: 'SitesCaughtUp' });
  });

  it('starts a waiting date once the watermark passes, with the trigger it was due with', () => {
    const waiting = planDailyJoin(join(), [], NOW, undefined, BEHIND);
    const later = at('2026-03-05T17:00:00Z');
    const still = planDailyJoin(join({}, waiting.status), [], later, undefined, BEHIND);
    expect(creates(still)).toEqual([]);
    expect(still.status['siteWaits']).toEqual(waiting.status['siteWaits']);
    const plan = planDailyJoin(join({}, waiting.status), [], later, undefined, PASSED);
    expect(createdSpecs(plan)).toEqual([{ joinRef: { name: 'pw' }, date: '2026-03-05', trigger: 'Schedule' }]);
    expect(plan.status['siteWaits']).toBeUndefined();
    expect(plan.status['activeRuns']).toEqual([{ name: 'pw-20260305', date: '2026-03-05' }]);
    expect(plan.status['knownRuns']).toEqual([{ date: '2026-03-05', finished: false }]);
    expect(condOf(plan.status, 'WaitingForSites')?.status).toBe('False');
  });

  it('a released date still waits for room within maxActiveRuns (Forbid)', () => {
    const waiting = planDailyJoin(join(), [], NOW, undefined, BEHIND);
    const active = run('2026-03-04', 'Running', false, '2026-03-05T16:00:00Z');
    const plan = planDailyJoin(join({}, waiting.status), [active], at('2026-03-05T17:00:00Z'), undefined, PASSED);
    expect(creates(plan)).toEqual([]);
    expect(plan.status['siteWaits']).toEqual(waiting.status['siteWaits']);
  });

  it('starts flagged site_late when the grace is over, and remembers the date for a rerun', () => {
    const waiting = planDailyJoin(join(), [], NOW, undefined, BEHIND);
    const before = planDailyJoin(join({}, waiting.status), [], GRACE_END - 1000, undefined, BEHIND);
    expect(creates(before)).toEqual([]);
    expect(before.requeueAfterMs).toBe(1000);
    const plan = planDailyJoin(join({}, waiting.status), [], GRACE_END, undefined, BEHIND);
    expect(createdSpecs(plan)).toEqual([
      { joinRef: { name: 'pw' }, date: '2026-03-05', trigger: 'Schedule', siteLate: true },
    ]);
    expect(plan.status['siteWaits']).toBeUndefined();
    expect(plan.status['siteLateDates']).toEqual([{ date: '2026-03-05', since: '2026-03-05T18:30:00Z' }]);
    expect(condOf(plan.status, 'WaitingForSites')).toMatchObject({ status: 'False', reason: 'SitesCaughtUp' });
    expect(condOf(plan.status, 'WaitingForSites')?.message).toContain('1 date(s) ran site_late');
  });

  it('with siteGraceSeconds 0 never waits, but still flags the day', () => {
    const plan = planDailyJoin(join({}, undefined, { siteGraceSeconds: 0 }), [], NOW, undefined, BEHIND);
    expect(createdSpecs(plan)).toEqual([
      { joinRef: { name: 'pw' }, date: '2026-03-05', trigger: 'Schedule', siteLate: true },
    ]);
  });
});

describe('a day run site_late is joined again once the site catches up', () => {
  const T_LATE = '2026-03-05T18:30:00Z';
  // Created (API server clock) after the controller's clock sees the site catch up: the flag decides, not time.
  const flagged = run('2026-03-05', 'Succeeded', true, '2026-03-05T21:00:00Z');
  const lateStatus = {
    lastScheduleTime: FIRING,
    knownRuns: [{ date: '2026-03-05', finished: true }],
    siteLateDates: [{ date: '2026-03-05', since: T_LATE }],
  };
  const later = at('2026-03-05T20:00:00Z');

  it('keeps the date while the watermark is still behind', () => {
    const plan = planDailyJoin(join({}, lateStatus), [flagged], later, undefined, BEHIND);
    expect(plan.actions).toEqual([]);
    expect(plan.status['siteLateDates']).toEqual(lateStatus.siteLateDates);
    expect(plan.status['pendingReruns']).toBeUndefined();
  });

  it('reruns the date through pendingReruns (SiteCaughtUp): the flagged run makes way, the new one is unflagged', () => {
    const first = planDailyJoin(join({}, lateStatus), [flagged], later, undefined, PASSED);
    expect(deletedNames(first)).toEqual(['pw-20260305']);
    expect(first.deletes).toEqual(['2026-03-05']);
    expect(first.status['pendingReruns']).toEqual([
      { date: '2026-03-05', reason: 'SiteCaughtUp', since: '2026-03-05T20:00:00Z' },
    ]);
    expect(first.status['siteLateDates']).toBeUndefined();
    const second = planDailyJoin(join({}, first.status), [], later + 1000, new Set(first.deletes), PASSED);
    expect(createdSpecs(second)).toEqual([{ joinRef: { name: 'pw' }, date: '2026-03-05', trigger: 'LateData' }]);
    expect(second.status['pendingReruns']).toBeUndefined();
  });

  it('lets an active flagged run finish first, and drops the rerun once an unflagged run of the date exists', () => {
    const active = run('2026-03-05', 'Running', true, T_LATE);
    const plan = planDailyJoin(join({}, lateStatus), [active], later, undefined, PASSED);
    expect(plan.actions).toEqual([]);
    expect(plan.status['pendingReruns']).toEqual([
      { date: '2026-03-05', reason: 'SiteCaughtUp', since: '2026-03-05T20:00:00Z' },
    ]);
    // Its creationTimestamp (API server clock) may even read before `since` (controller clock): the flag decides.
    const unflagged = run('2026-03-05', 'Running', false, '2026-03-05T19:59:58Z');
    const done = planDailyJoin(join({}, plan.status), [unflagged], later + 10_000, undefined, PASSED);
    expect(done.actions).toEqual([]);
    expect(done.status['pendingReruns']).toBeUndefined();
  });
});

describe('which inputs wait', () => {
  it('a join whose inputs are all in hub namespaces never waits and shows no WaitingForSites', () => {
    const hub = join({ power: { name: 'kpx' } });
    const plan = planDailyJoin(
      hub,
      [],
      NOW,
      undefined,
      sites({ naver: { 'PowerSource/kpx': '2020-01-01T00:00:00Z' } }),
    );
    expect(createdSpecs(plan)).toEqual([{ joinRef: { name: 'pw' }, date: '2026-03-05', trigger: 'Schedule' }]);
    expect(condOf(plan.status, 'WaitingForSites')).toBeUndefined();
  });

  it('with inputs at several sites waits for the slowest, naming only the sites behind', () => {
    const two = join({ weather: [{ name: 'kma', namespace: 'gridlake-site-aws2' }, { name: 'kma-hub' }] });
    const slow = sites({
      naver: { 'PowerSource/kpx': '2026-03-05T16:00:00Z' },
      aws2: { 'WeatherSource/kma': '2026-03-05T14:00:00Z' },
    });
    const plan = planDailyJoin(two, [], NOW, undefined, slow);
    expect(creates(plan)).toEqual([]);
    const msg = condOf(plan.status, 'WaitingForSites')?.message ?? '';
    expect(msg).toContain('site aws2: WeatherSource gridlake-site-aws2/kma forwarded up to 2026-03-05T14:00:00Z');
    expect(msg).not.toContain('site naver');
    const both = sites({
      naver: { 'PowerSource/kpx': '2026-03-05T16:00:00Z' },
      aws2: { 'WeatherSource/kma': DATE_END },
    });
    expect(createdSpecs(planDailyJoin(two, [], NOW, undefined, both))).toHaveLength(1);
  });
});
