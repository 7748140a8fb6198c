import { describe, expect, it } from 'vitest';
import {
  collectorsCaughtUp,
  MAX_BACKFILL_DAYS,
  oldestCatchUpDate,
  WEATHER_BACKFILL_HOURS,
  withBackfill,
  type CollectorProgress,
} from '../../../src/embedded/catch-up.js';
import { embeddedConfig, type EmbeddedJoinConfig } from '../../../src/embedded/embedded-config.js';
import { ServiceKey } from '../../../src/sources/common/service-key.js';
import { rnOfSlot } from '../../../src/sources/simulator/synthetic.js';
import type { SourceConfig } from '../../../src/sources/source-tasks.js';
import { joinYaml, load, POWER, weatherYaml } from './resources.js';

const kst = (iso: string): number => Date.parse(`${iso}+09:00`);

/** DailyJoins (firing 01:30 KST) with the given extra spec lines each, through the real loader. */
function joins(...extras: string[]): EmbeddedJoinConfig[] {
  const docs = extras.map((extra, i) => joinYaml(['metro'], extra, `join-${i}`));
  return [
    ...embeddedConfig({
      resources: load(POWER, weatherYaml('metro', 'grid.weather'), ...docs),
      dataDir: '/d',
      env: {},
      simulatorUrl: 'http://sim',
    }).joins,
  ];
}

const catchUp = (startDate: string, policy: string, maxDates = 30): string =>
  `  startDate: '${startDate}'\n  catchUp: { policy: ${policy}, maxDates: ${maxDates} }\n`;

describe('oldestCatchUpDate', () => {
  const morning = kst('2026-11-23T10:00:00');

  it.each([
    ['every date since startDate under All', catchUp('2026-11-20', 'All'), morning, '2026-11-20'],
    ['only the newest date under Latest', catchUp('2026-11-20', 'Latest'), morning, '2026-11-22'],
    ['yesterday once the 01:30 firing has passed', catchUp('2026-11-22', 'All'), morning, '2026-11-22'],
    ['nothing before the first firing for startDate', catchUp('2026-11-22', 'All'), kst('2026-11-23T01:00:00'), null],
    ['nothing without startDate (joins start on the creation day)', '', morning, null],
    [
      `at most ${MAX_BACKFILL_DAYS} days back however old startDate is`,
      catchUp('2026-01-01', 'All', 366),
      morning,
      '2026-10-23',
    ],
  ])('gives %s', (_what, extra, now, expected) => {
    expect(oldestCatchUpDate(joins(extra), now)).toBe(expected);
  });

  it('takes the oldest date over several joins, and null without joins', () => {
    const now = kst('2026-11-23T10:00:00');
    expect(oldestCatchUpDate(joins(catchUp('2026-11-21', 'All'), catchUp('2026-11-18', 'All')), now)).toBe(
      '2026-11-18',
    );
    expect(oldestCatchUpDate([], now)).toBeNull();
  });
});

describe('withBackfill', () => {
  const key = new ServiceKey('k');
  const power: SourceConfig = {
    kind: 'power',
    source: 'grid/kpx',
    api: 'gateway',
    endpoint: 'http://sim',
    key,
    topic: 'p',
    deadLetterTopic: 'dl',
    pollIntervalMs: 300_000,
  };
  const weather: SourceConfig = {
    kind: 'weather',
    source: 'grid/metro',
    endpoint: 'http://sim',
    key,
    topic: 'w',
    deadLetterTopic: 'dl',
    locations: [{ name: 'seoul', nx: 60, ny: 127 }],
  };

  it('starts power just before the first slot of the date, in history row numbers', () => {
    const [p] = withBackfill([power], '2026-11-01');
    const lastSlotBefore = kst('2026-10-31T23:55:00');
    expect(p?.kind === 'power' && p.checkpoint).toEqual({ baseMs: lastSlotBefore, rn: rnOfSlot(lastSlotBefore) });
  });

  it('keeps a saved power checkpoint (a restart resumes, it does not backfill again)', () => {
    const saved = { baseMs: kst('2026-11-20T10:00:00'), rn: 12345 };
    const [p] = withBackfill([{ ...power, kind: 'power', checkpoint: saved }], '2026-11-01');
    expect(p?.kind === 'power' && p.checkpoint).toEqual(saved);
  });

  it('asks weather for the hours the API still serves', () => {
    const [w] = withBackfill([weather], '2026-11-01');
    expect(w?.kind === 'weather' && w.initialBackfillHours).toBe(WEATHER_BACKFILL_HOURS);
  });
});

describe('collectorsCaughtUp', () => {
  // Started at 10:20 KST: KPX has published the 10:15 slot only after 10:16:30, so the
  // newest slot to wait for is 10:10; KMA serves 10:00 from 10:10, one hour of slack: 09:00.
  const startedAt = kst('2026-11-23T10:20:00');
  const progress = (powerAt: string | null, weatherAt: (string | null)[], stopped = false): CollectorProgress => ({
    power: [{ stopped, checkpoint: powerAt === null ? null : { baseMs: kst(`2026-11-23T${powerAt}`) } }],
    weather: weatherAt.map((h) => ({ stopped: false, checkpoint: h === null ? null : kst(`2026-11-23T${h}`) })),
  });

  it.each([
    ['power at 10:10 and every location at 09:00', progress('10:10:00', ['09:00:00', '10:00:00']), true],
    ['power one slot behind', progress('10:05:00', ['09:00:00', '10:00:00']), false],
    ['one location an hour behind the slack', progress('10:10:00', ['08:00:00', '10:00:00']), false],
    ['a location that has emitted nothing yet', progress('10:10:00', [null]), false],
    ['power that has emitted nothing yet', progress(null, ['10:00:00']), false],
    ['a stopped power collector (it will not catch up)', progress(null, ['10:00:00'], true), true],
  ])('%s: %s', (_what, p, expected) => {
    expect(collectorsCaughtUp(p, startedAt)).toBe(expected);
  });
});
