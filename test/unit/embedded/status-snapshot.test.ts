import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadResourcesOrThrow } from '../../../src/api/load.js';
import { summarizeStatus } from '../../../src/api/status-summary.js';
import type { StatusResource, StatusView } from '../../../src/api/status-view.js';
import { ManualClock } from '../../../src/clock.js';
import { embeddedConfig } from '../../../src/embedded/embedded-config.js';
import { JoinScheduler } from '../../../src/embedded/join-scheduler.js';
import { embeddedStatus, joinStatusParts, type EmbeddedStatusParts } from '../../../src/embedded/status-snapshot.js';
import { createJoinMetrics } from '../../../src/join/join-metrics.js';
import { LocalJoinStore } from '../../../src/join/join-store.js';
import { SinkProgress } from '../../../src/lake/sink-progress.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import { writeRaw } from '../../fixtures/join/raw-files.js';
import { kst, power, weather } from '../../fixtures/join/records.js';
import { memoryLogger } from '../../fixtures/memory-logger.js';

// The embedded runtime's status, computed from the parts of a pipeline (the
// example resources, a join scheduler on a ManualClock, a sink's progress,
// collectors' progress) in the shape a cluster's resources have.

const examples = loadResourcesOrThrow('examples/embedded');
let dir: string;
let store: LocalJoinStore;
let clock: ManualClock;
const running: JoinScheduler[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridlake-status-'));
  store = new LocalJoinStore(dir);
  clock = new ManualClock(kst('2026-11-03', '10:00'));
});
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop();
  await rm(dir, { recursive: true, force: true });
});

async function scheduler(): Promise<JoinScheduler> {
  const [j] = embeddedConfig({ resources: await examples, dataDir: dir, env: {}, simulatorUrl: 'http://sim' }).joins;
  if (j === undefined) throw new Error('examples/embedded has no DailyJoin');
  const s = new JoinScheduler({
    join: j,
    store,
    clock,
    wallClock: () => clock.now(),
    logger: memoryLogger().logger,
    metrics: createJoinMetrics(createRegistry({ defaultMetrics: false })),
    stateFile: join(dir, 'state', 'join.json'),
    lateCheckEveryMs: 10 * 24 * 3_600_000,
    version: 'test',
  });
  running.push(s);
  return s;
}

async function parts(s: JoinScheduler, over: Partial<EmbeddedStatusParts> = {}): Promise<EmbeddedStatusParts> {
  return {
    resources: (await examples).map((r) => r.resource),
    sources: null,
    sinks: [],
    joins: [joinStatusParts(s)],
    nowMs: clock.now(),
    reporter: 'embedded',
    dataDir: dir,
    ...over,
  };
}

const ofKind = <K extends StatusResource['kind']>(v: StatusView, kind: K) =>
  v.resources.filter((r): r is Extract<StatusResource, { kind: K }> => r.kind === kind);

describe('embeddedStatus', () => {
  it('lists every example resource once, in kind order, with a trimmed spec', async () => {
    const v = embeddedStatus(await parts(await scheduler()));
    expect(v).toMatchObject({ version: 1, runtime: 'embedded', generatedAt: '2026-11-03T01:00:00Z' });
    expect(v.resources.map((r) => `${r.kind} ${r.namespace}/${r.name}`)).toEqual([
      'PowerSource default/kpx-national',
      'WeatherSource default/kma-metro',
      'LakeSink default/raw',
      'DailyJoin default/power-weather',
    ]);
    expect(Object.keys(ofKind(v, 'PowerSource')[0]?.spec ?? {}).sort()).toEqual([
      'dailyCallBudget',
      'pollIntervalSeconds',
      'suspend',
      'topic',
    ]);
  });

  it("gives each date the scheduler ran as a DailyJoinRun with the cluster's name, outcome and quality", async () => {
    for (const date of ['2026-11-01', '2026-11-02'])
      await writeRaw(store, 'power', [power(date, '00:00', 60_000)]).then(() =>
        writeRaw(store, 'weather', [weather(date, '00:00', 'seoul', 3)]),
      );
    const s = await scheduler();
    await s.catchUp();
    const v = embeddedStatus(await parts(s));
    const runs = ofKind(v, 'DailyJoinRun');
    expect(runs.map((r) => [r.name, r.spec.date, r.spec.trigger, r.status.state, r.status.outcome])).toEqual([
      ['power-weather-20261101', '2026-11-01', 'CatchUp', 'Succeeded', 'Partial'],
      // The 01:30 firing of 11-03 joins 11-02: on time, not caught up.
      ['power-weather-20261102', '2026-11-02', 'Schedule', 'Succeeded', 'Partial'],
    ]);
    expect(runs[1]?.status.quality?.level).toBe('partial');
    const [daily] = ofKind(v, 'DailyJoin');
    expect(daily?.status).toMatchObject({
      lastSuccessfulDate: '2026-11-02',
      nextDate: '2026-11-03',
      nextScheduleTime: '2026-11-03T16:30:00Z',
    });
    expect(daily?.status.conditions?.find((c) => c.type === 'LastRunFailed')?.status).toBe('False');
    // The rows a person reads: the newest date, partial, so a warning.
    expect(summarizeStatus(v, clock.now()).joins[0]).toMatchObject({
      health: 'warning',
      last: { date: '2026-11-02', outcome: 'Partial', qualityLevel: 'partial' },
    });
  });

  it('keeps the last runs across a restart, and a date without input in noInputDates with its condition', async () => {
    await writeRaw(store, 'power', [power('2026-11-02', '00:00', 60_000)]);
    await (await scheduler()).catchUp();
    const again = await scheduler();
    expect(again.recentRuns.map((r) => [r.date, r.summary.outcome])).toEqual([
      ['2026-11-01', 'no-input'],
      ['2026-11-02', 'partial'],
    ]);
    const [daily] = ofKind(embeddedStatus(await parts(again)), 'DailyJoin');
    expect(daily?.status.noInputDates).toEqual([{ date: '2026-11-01', emptyInputs: ['power', 'weather'] }]);
    expect(daily?.status.conditions?.find((c) => c.type === 'NoInput')).toMatchObject({
      status: 'True',
      reason: 'DatesWithoutInput',
    });
  });

  it("puts a sink's and the collectors' progress into status.progress, with their conditions", async () => {
    const sink = new SinkProgress();
    sink.flushed('kpx.supply-demand.v1', [{ records: 12, bytes: 3000 }], clock.now() - 60_000);
    sink.lag('kpx.supply-demand.v1', 3);
    const v = embeddedStatus(
      await parts(await scheduler(), {
        sinks: [{ name: 'raw', progress: sink.snapshot() }],
        sources: {
          progress: [
            {
              kind: 'power',
              source: 'default/kpx-national',
              progress: {
                lastPollTime: '2026-11-03T00:59:00Z',
                lastOutcome: 'quota',
                callsToday: 1000,
                recordsTotal: 40,
              },
            },
          ],
          conditions: {
            'default/kpx-national': [
              {
                type: 'QuotaExhausted',
                status: 'True',
                reason: 'DailyBudgetUsed',
                message: 'the daily budget is used',
                since: '2026-11-03T00:59:00Z',
              },
            ],
          },
        },
      }),
    );
    const [lake] = ofKind(v, 'LakeSink');
    expect(lake?.status.progress).toMatchObject({
      recordsTotal: 12,
      filesTotal: 1,
      lagRecords: 3,
      reporter: 'embedded',
    });
    const [kpx] = ofKind(v, 'PowerSource');
    expect(kpx?.status.conditions?.map((c) => [c.type, c.status])).toEqual([
      ['Ready', 'True'],
      ['Collecting', 'False'],
      ['QuotaExhausted', 'True'],
    ]);
    const rows = summarizeStatus(v, clock.now());
    expect(rows.sources[0]).toMatchObject({ health: 'error', callsToday: 1000, message: 'the daily budget is used' });
    expect(rows.sinks[0]).toMatchObject({ health: 'ok', recordsTotal: 12, lastFlushAgeSeconds: 60 });
    // A weather source the collectors have not reported on yet is not a failure.
    expect(rows.sources[1]).toMatchObject({ kind: 'WeatherSource', health: 'unknown' });
  });
});
