import { describe, expect, it } from 'vitest';
import { logicalDateOf, nextFiring, planSchedule } from '../../../src/join/schedule.js';
import type { ScheduleSpec, ScheduleState } from '../../../src/join/schedule.js';

const kst = (iso: string): number => Date.parse(`${iso}+09:00`);

const base: ScheduleSpec = {
  schedule: '30 1 * * *',
  timeZone: 'Asia/Seoul',
  catchUp: { policy: 'Latest', maxDates: 30 },
  maxActiveRuns: 1,
  concurrencyPolicy: 'Forbid',
  suspend: false,
};

const state = (now: string, extra: Partial<ScheduleState> = {}): ScheduleState => ({
  now: kst(now),
  done: new Set(),
  active: new Set(),
  lastScheduleTime: null,
  ...extra,
});

const dates = (xs: readonly { date: string }[]): string[] => xs.map((x) => x.date);

describe('logical dates and next firing', () => {
  it.each([
    ['a firing at 01:30 KST joins the day before', '2026-11-23T01:30:00', '2026-11-22'],
    ['a firing just after KST midnight joins the day before', '2026-11-23T00:00:00', '2026-11-22'],
    ['15:00 UTC is already the next KST day', '2026-11-22T23:59:59', '2026-11-21'],
  ])('%s', (_name, at, expected) => {
    expect(logicalDateOf(kst(at), 'Asia/Seoul')).toBe(expected);
  });

  it('finds the next firing in the spec time zone', () => {
    expect(nextFiring(base, kst('2026-11-23T01:30:00'))).toBe(kst('2026-11-24T01:30:00'));
    expect(nextFiring(base, kst('2026-11-23T01:29:00'))).toBe(kst('2026-11-23T01:30:00'));
    expect(nextFiring({ schedule: '30 1 * * *', timeZone: 'UTC' }, Date.parse('2026-11-23T00:00:00Z'))).toBe(
      Date.parse('2026-11-23T01:30:00Z'),
    );
  });
});

describe('planSchedule', () => {
  it.each<[string, ScheduleSpec, ScheduleState, string[], string[]]>([
    [
      'joins yesterday at the first firing after it',
      base,
      state('2026-11-23T01:30:05', { lastScheduleTime: kst('2026-11-22T01:30:00') }),
      ['2026-11-22'],
      [],
    ],
    [
      'has nothing due before the firing',
      base,
      state('2026-11-23T01:29:59', { lastScheduleTime: kst('2026-11-22T01:30:00') }),
      [],
      [],
    ],
    [
      'catches up every missed date since startDate with policy All, oldest first',
      { ...base, startDate: '2026-11-19', catchUp: { policy: 'All', maxDates: 30 } },
      state('2026-11-23T10:00:00'),
      ['2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22'],
      [],
    ],
    [
      'caps the missed dates at maxDates, keeping the newest, besides the on-time date',
      { ...base, startDate: '2026-11-01', catchUp: { policy: 'All', maxDates: 3 } },
      state('2026-11-23T10:00:00'),
      ['2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22'],
      Array.from({ length: 18 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`),
    ],
    [
      'runs only the most recent missed date with policy Latest',
      { ...base, startDate: '2026-11-19' },
      state('2026-11-23T10:00:00'),
      ['2026-11-22'],
      ['2026-11-19', '2026-11-20', '2026-11-21'],
    ],
    [
      'skips missed dates with policy None but runs the on-time one',
      { ...base, startDate: '2026-11-19', catchUp: { policy: 'None', maxDates: 30 } },
      state('2026-11-23T10:00:00'),
      ['2026-11-22'],
      ['2026-11-19', '2026-11-20', '2026-11-21'],
    ],
    [
      'treats the newest firing as missed once past the starting deadline',
      { ...base, startDate: '2026-11-21', catchUp: { policy: 'None', maxDates: 30 }, startingDeadlineSeconds: 600 },
      state('2026-11-23T10:00:00'),
      [],
      ['2026-11-21', '2026-11-22'],
    ],
    [
      'starts nothing for dates already done',
      { ...base, startDate: '2026-11-21', catchUp: { policy: 'All', maxDates: 30 } },
      state('2026-11-23T10:00:00', { done: new Set(['2026-11-21', '2026-11-22']) }),
      [],
      [],
    ],
    [
      'never joins a date before startDate',
      { ...base, startDate: '2026-11-22', catchUp: { policy: 'All', maxDates: 30 } },
      state('2026-11-23T10:00:00'),
      ['2026-11-22'],
      [],
    ],
    [
      'falls back to the creation date without a startDate',
      { ...base, catchUp: { policy: 'All', maxDates: 30 } },
      state('2026-11-23T10:00:00', { createdDate: '2026-11-21' }),
      ['2026-11-21', '2026-11-22'],
      [],
    ],
    [
      'considers only the newest firing without a startDate, creation date or watermark',
      { ...base, catchUp: { policy: 'All', maxDates: 30 } },
      state('2026-11-23T10:00:00'),
      ['2026-11-22'],
      [],
    ],
    [
      'joins one date per day for an hourly schedule',
      { ...base, schedule: '@hourly', startDate: '2026-11-22', catchUp: { policy: 'All', maxDates: 30 } },
      state('2026-11-23T10:00:00'),
      ['2026-11-22'],
      [],
    ],
  ])('%s', (_name, spec, st, start, skipped) => {
    const plan = planSchedule(spec, st);
    expect(dates(plan.due)).toEqual(start);
    expect(dates(plan.start)).toEqual(start.slice(0, 1));
    expect(dates(plan.skipped).sort()).toEqual(skipped);
  });

  it('holds every date while suspended and has no next firing', () => {
    const plan = planSchedule({ ...base, suspend: true, startDate: '2026-11-20' }, state('2026-11-23T10:00:00'));
    expect(plan).toMatchObject({ start: [], blocked: 'suspended', nextScheduleTime: null, lastScheduleTime: null });
  });

  it('waits for the active run under Forbid and keeps the watermark', () => {
    const st = state('2026-11-23T10:00:00', {
      active: new Set(['2026-11-21']),
      lastScheduleTime: kst('2026-11-21T01:30:00'),
    });
    const plan = planSchedule(base, st);
    expect(dates(plan.due)).toEqual(['2026-11-22']);
    expect(plan).toMatchObject({ start: [], blocked: 'max-active-runs', lastScheduleTime: kst('2026-11-21T01:30:00') });
  });

  it('starts up to maxActiveRuns under Allow and moves the watermark to the last started firing', () => {
    const spec: ScheduleSpec = {
      ...base,
      startDate: '2026-11-19',
      catchUp: { policy: 'All', maxDates: 30 },
      concurrencyPolicy: 'Allow',
      maxActiveRuns: 3,
    };
    const plan = planSchedule(spec, state('2026-11-23T10:00:00', { active: new Set(['2026-11-18']) }));
    expect(dates(plan.start)).toEqual(['2026-11-19', '2026-11-20']);
    expect(plan.lastScheduleTime).toBe(kst('2026-11-21T01:30:00'));
    const again = planSchedule(spec, {
      ...state('2026-11-23T10:00:00'),
      active: new Set(['2026-11-19', '2026-11-20']),
      lastScheduleTime: plan.lastScheduleTime,
    });
    expect(dates(again.start)).toEqual(['2026-11-21']);
  });

  it('replaces the active run with the newest due date under Replace', () => {
    const plan = planSchedule(
      { ...base, concurrencyPolicy: 'Replace' },
      state('2026-11-23T01:30:05', {
        active: new Set(['2026-11-21']),
        lastScheduleTime: kst('2026-11-22T01:30:00'),
      }),
    );
    expect(dates(plan.start)).toEqual(['2026-11-22']);
    expect(plan.replace).toEqual(['2026-11-21']);
  });

  it('reports the next firing and the date it will join', () => {
    const plan = planSchedule(base, state('2026-11-23T10:00:00', { lastScheduleTime: kst('2026-11-23T01:30:00') }));
    expect(plan.nextScheduleTime).toBe(kst('2026-11-24T01:30:00'));
    expect(plan.nextDate).toBe('2026-11-23');
    expect(plan.lastScheduleTime).toBe(kst('2026-11-23T01:30:00'));
  });

  it('advances the watermark past dropped dates so they are not retried', () => {
    const spec: ScheduleSpec = { ...base, startDate: '2026-11-19' };
    const first = planSchedule(spec, state('2026-11-23T10:00:00'));
    expect(first.lastScheduleTime).toBe(kst('2026-11-23T01:30:00'));
    const second = planSchedule(spec, {
      ...state('2026-11-23T11:00:00'),
      done: new Set(['2026-11-22']),
      lastScheduleTime: first.lastScheduleTime,
    });
    expect(second.start).toEqual([]);
  });
});
