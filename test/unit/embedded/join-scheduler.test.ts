import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DailyJoinSpec } from '../../../src/api/daily-join.js';
import { loadResourcesOrThrow } from '../../../src/api/load.js';
import { embeddedConfig, type EmbeddedJoinConfig } from '../../../src/embedded/embedded-config.js';
import { JoinScheduler } from '../../../src/embedded/join-scheduler.js';
import { createJoinMetrics } from '../../../src/join/join-metrics.js';
import { LocalJoinStore } from '../../../src/join/join-store.js';
import { manifestKey, type Manifest } from '../../../src/join/manifest.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import { ManualClock } from '../../../src/clock.js';
import { writeRaw } from '../../fixtures/join/raw-files.js';
import { kst, power, weather } from '../../fixtures/join/records.js';
import { memoryLogger } from '../../fixtures/memory-logger.js';

// The example DailyJoin (01:30 KST, startDate 2026-11-01, catch-up All) on a
// clock the test moves: which dates run at start, when the loop wakes, what a
// restart and late data do.

const examples = loadResourcesOrThrow('examples/embedded');
const HOUR = 3_600_000;

/** The next sleep the scheduler starts on `clock` (waits for it); the test wakes it by advancing the clock. */
async function nextSleep(): Promise<{ ms: number }> {
  const deadline = Date.now() + 5000;
  while (clock.nextWakeAt === undefined) {
    if (Date.now() > deadline) throw new Error('the scheduler did not go to sleep');
    await new Promise((r) => setTimeout(r, 5));
  }
  return { ms: clock.nextWakeAt - clock.now() };
}

let dir: string;
let store: LocalJoinStore;
let clock: ManualClock;
let log: ReturnType<typeof memoryLogger>;
const running: JoinScheduler[] = [];

async function exampleJoin(spec: Partial<DailyJoinSpec> = {}): Promise<EmbeddedJoinConfig> {
  const [j] = embeddedConfig({ resources: await examples, dataDir: dir, env: {}, simulatorUrl: 'http://sim' }).joins;
  if (j === undefined) throw new Error('examples/embedded has no DailyJoin');
  return { ...j, resource: { ...j.resource, spec: { ...j.resource.spec, ...spec } } };
}

async function scheduler(spec: Partial<DailyJoinSpec> = {}, lateCheckEveryMs = 10 * 24 * HOUR): Promise<JoinScheduler> {
  const s = new JoinScheduler({
    join: await exampleJoin(spec),
    store,
    clock,
    wallClock: () => 0,
    logger: log.logger,
    metrics: createJoinMetrics(createRegistry({ defaultMetrics: false })),
    stateFile: join(dir, 'state', 'join.json'),
    lateCheckEveryMs,
    version: 'test',
  });
  running.push(s);
  return s;
}

/** A few readings of `date` in the raw zone, so its run has input. */
const someInput = async (date: string, hhmm = '00:00'): Promise<string[]> => [
  ...(await writeRaw(store, 'power', [power(date, hhmm, 60_000)])),
  ...(await writeRaw(store, 'weather', [weather(date, hhmm, 'seoul', 3)])),
];
const runId = async (date: string): Promise<string> =>
  (JSON.parse(await readFile(join(dir, manifestKey('warehouse', 'power_weather_daily', date)), 'utf8')) as Manifest)
    .runId;
const dueDates = (): unknown[] => log.lines.filter((l) => l['msg'] === 'join date due').map((l) => l['date']);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridlake-scheduler-'));
  store = new LocalJoinStore(dir);
  clock = new ManualClock(kst('2026-11-03', '10:00'));
  // debug: 'join date due' of a catch-up is a debug line (the catch-up sums its dates up at info)
  log = memoryLogger('debug');
});
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('JoinScheduler', () => {
  it('joins every date missed since startDate at start, oldest first, and keeps the watermark', async () => {
    await someInput('2026-11-01');
    await someInput('2026-11-02');
    const reports = await (await scheduler()).catchUp();
    expect(reports.map((r) => [r.date, r.outcome])).toEqual([
      ['2026-11-01', 'partial'],
      ['2026-11-02', 'partial'],
    ]);
    const state = JSON.parse(await readFile(join(dir, 'state', 'join.json'), 'utf8')) as Record<string, unknown>;
    expect(state).toEqual({ lastScheduleTime: kst('2026-11-03', '01:30'), createdDate: '2026-11-03' });
  });

  it('sleeps until the next firing, then joins the day before it', async () => {
    const s = await scheduler();
    await s.catchUp();
    await someInput('2026-11-03', '12:00');
    s.start();
    const first = await nextSleep();
    expect(clock.now() + first.ms).toBe(kst('2026-11-04', '01:30'));
    expect(s.plan?.nextDate).toBe('2026-11-03');
    clock.advance(first.ms);
    const second = await nextSleep();
    expect(dueDates()).toEqual(['2026-11-01', '2026-11-02', '2026-11-03']);
    expect(log.lines.find((l) => l['msg'] === 'join date due' && l['date'] === '2026-11-03')?.['trigger']).toBe(
      'on-time',
    );
    expect(await runId('2026-11-03')).toBeTruthy();
    expect(clock.now() + second.ms).toBe(kst('2026-11-05', '01:30'));
  });

  it('wakes for late-data checks between firings', async () => {
    const s = await scheduler({}, 2 * HOUR);
    await s.catchUp();
    s.start();
    const wake = await nextSleep();
    expect(wake.ms).toBe(2 * HOUR);
  });

  it('runs nothing again after a restart: joined dates and the watermark persist', async () => {
    await someInput('2026-11-01');
    await (await scheduler()).catchUp(); // 11-01 joined, 11-02 no input (no manifest)
    const before = await runId('2026-11-01');
    clock.advance(HOUR);
    const again = await (await scheduler()).catchUp();
    expect(again).toEqual([]);
    expect(await runId('2026-11-01')).toBe(before);
  });

  it('reruns a joined date within lateDataDays when its inputs change, and only then', async () => {
    await someInput('2026-11-01');
    await someInput('2026-11-02');
    const s = await scheduler({ lateDataDays: 1 }, HOUR);
    await s.catchUp();
    const [id1, id2] = [await runId('2026-11-01'), await runId('2026-11-02')];
    clock.advance(HOUR);
    expect(await s.catchUp()).toEqual([]); // nothing changed
    await someInput('2026-11-02', '13:00'); // late data, within lateDataDays
    await someInput('2026-11-01', '13:00'); // late data, two days back: beyond lateDataDays 1
    expect(await s.catchUp()).toEqual([]); // the check waits for lateCheckEveryMs
    clock.advance(HOUR);
    const reruns = await s.catchUp();
    expect(reruns.map((r) => r.date)).toEqual(['2026-11-02']);
    expect(reruns[0]?.inputs.powerRows).toBe(2);
    expect(await runId('2026-11-02')).not.toBe(id2);
    expect(await runId('2026-11-01')).toBe(id1);
  });

  it('joins a date found without input again after a restart once raw files for it appear, beyond lateDataDays', async () => {
    clock = new ManualClock(kst('2026-11-10', '10:00'));
    const first = await (await scheduler()).catchUp(); // no LakeSink yet: nothing in the raw zone
    expect(first.map((r) => r.outcome)).toEqual(Array(9).fill('no-input'));
    const noInputLog = log.lines.find((l) => l['msg'] === 'join run found no input');
    expect(noInputLog).toMatchObject({ level: 'warn', date: '2026-11-01', emptyInputs: ['power', 'weather'] });
    const state = JSON.parse(await readFile(join(dir, 'state', 'join.json'), 'utf8')) as Record<string, unknown>;
    expect(state['noInput']).toHaveLength(9);
    expect(state['conditions']).toEqual([
      expect.objectContaining({ type: 'NoInput', status: 'True', reason: 'DatesWithoutInput' }),
    ]);
    expect((state['conditions'] as { message: string }[])[0]?.message).toContain(
      '2026-11-09 (no rows from power (PowerSource kpx-national) and weather (WeatherSource kma-metro))',
    );
    // The sink is added: raw files appear for a date nine days back (lateDataDays is 3) and for yesterday.
    await someInput('2026-11-01');
    await someInput('2026-11-09');
    clock.advance(HOUR);
    const restarted = await scheduler();
    const again = await restarted.catchUp();
    expect(again.map((r) => [r.date, r.outcome])).toEqual([
      ['2026-11-01', 'partial'],
      ['2026-11-09', 'partial'],
    ]);
    expect(await runId('2026-11-01')).toBeTruthy();
    const after = JSON.parse(await readFile(join(dir, 'state', 'join.json'), 'utf8')) as Record<string, unknown>;
    expect((after['noInput'] as { date: string }[]).map((d) => d.date)).not.toContain('2026-11-01');
    expect(after['noInput']).toHaveLength(7);
    expect(restarted.conditions[0]?.message).toMatch(/^7 date\(s\) joined without input/);
  });

  it('leaves a date without input alone beyond the catch-up window, and dates the catch-up policy dropped', async () => {
    const spec: Partial<DailyJoinSpec> = { catchUp: { policy: 'All', maxDates: 2 }, lateDataDays: 0 };
    clock = new ManualClock(kst('2026-11-10', '10:00'));
    const first = await (await scheduler(spec)).catchUp(); // 11-01..11-06 dropped by maxDates
    expect(first.map((r) => [r.date, r.outcome])).toEqual([
      ['2026-11-07', 'no-input'],
      ['2026-11-08', 'no-input'],
      ['2026-11-09', 'no-input'],
    ]);
    await someInput('2026-11-01'); // dropped by the catch-up policy: stays dropped
    await someInput('2026-11-07'); // four days back on 11-11: beyond the window (maxDates 2, back from yesterday)
    await someInput('2026-11-08'); // three days back: within it
    clock = new ManualClock(kst('2026-11-11', '10:00'));
    const again = await (await scheduler(spec)).catchUp();
    expect(again.map((r) => [r.date, r.outcome])).toEqual([
      ['2026-11-10', 'no-input'],
      ['2026-11-08', 'partial'],
    ]);
    const state = JSON.parse(await readFile(join(dir, 'state', 'join.json'), 'utf8')) as Record<string, unknown>;
    expect((state['noInput'] as { date: string }[]).map((d) => d.date)).toEqual(['2026-11-09', '2026-11-10']);
  });

  it('stops while asleep without waiting for the next firing', async () => {
    const s = await scheduler();
    await s.catchUp();
    s.start();
    await nextSleep();
    const began = Date.now();
    await s.stop();
    expect(Date.now() - began).toBeLessThan(1000);
  });
});
