import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadResourcesOrThrow, type LoadedResource } from '../../../src/api/load.js';
import { ofKind } from '../../../src/api/resource.js';
import { lakeDirOf } from '../../../src/embedded/embedded-config.js';
import { startPipeline, type Pipeline } from '../../../src/embedded/pipeline.js';
import type { CatchUpReport } from '../../../src/embedded/catch-up-run.js';
import { joinConfig } from '../../../src/join/join-config.js';
import { manifestKey, type Manifest } from '../../../src/join/manifest.js';
import { createObserveServer } from '../../../src/observe/http-server.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import { computeReference, duckConnection } from '../../fixtures/join/duckdb-reference.js';
import { compareWarehouse } from '../../fixtures/join/warehouse-diff.js';
import { memoryLogger } from '../../fixtures/memory-logger.js';
import { lakeSnapshot, rawFilesOf, readingIdentities, type LakeSnapshot } from './lake-probe.js';

// The whole embedded data path on a simulated clock, with the example
// resources: simulator → collectors → local log → LakeSink → lake → DailyJoin.
// One full KST day (DAY) is collected live, joined at its 01:30 firing, and
// checked against DuckDB computing the same tables from the same raw files.

const RESOURCES = 'examples/embedded';
const DAY = '2026-11-03';
/** 00:20 KST on DAY: the catch-up covers the two days before it (startDate 2026-11-01) */
const START = Date.parse(`${DAY}T00:20:00+09:00`);
/** simulated ms per wall ms: DAY plus the 01:30 firing takes about 30 s */
const SPEED = 3000;
const TOPICS = ['gridlake.power.kpx.v1', 'gridlake.weather.kma.v1'] as const;

let dataDir: string;
let lakeDir: string;
const resourcesP = loadResourcesOrThrow(RESOURCES);
const all = (loaded: readonly LoadedResource[]) => loaded.map((r) => r.resource);

/** One run of the pipeline until `until` says so, with what the tests look at afterwards. */
interface RunResult {
  readonly catchUp: CatchUpReport;
  readonly metricsText: string;
  readonly readyStatus: number;
  readonly stopWallMs: number;
  readonly stoppedAtSim: number;
  readonly lines: readonly Record<string, unknown>[];
  readonly lake: LakeSnapshot;
}

async function runPipeline(startMs: number, until: (p: Pipeline) => Promise<void>): Promise<RunResult> {
  // debug: the per-date lines of a catch-up (summed up in one line at info) are asserted on below
  const { logger, lines } = memoryLogger('debug');
  const registry = createRegistry();
  const pipeline = await startPipeline({
    resources: await resourcesP,
    dataDir,
    registry,
    logger,
    env: {},
    simulatedClock: { startMs, speed: SPEED },
    catchUpWaitMs: 20_000,
    progressEveryMs: 5_000,
  });
  const server = createObserveServer({ registry, logger, readiness: [() => pipeline.readiness()] });
  try {
    const catchUp = await pipeline.catchUp;
    await until(pipeline);
    const metricsText = (await server.inject({ url: '/metrics' })).body;
    const readyStatus = (await server.inject({ url: '/readyz' })).statusCode;
    const began = Date.now();
    await pipeline.stop();
    const stopWallMs = Date.now() - began;
    return {
      catchUp,
      metricsText,
      readyStatus,
      stopWallMs,
      stoppedAtSim: pipeline.clock.now(),
      lines,
      lake: await lakeSnapshot(dataDir, lakeDir, TOPICS),
    };
  } finally {
    await pipeline.stop();
    await server.close();
  }
}

const readManifest = async (table: 'power_weather_hourly' | 'power_weather_daily', date: string): Promise<Manifest> =>
  JSON.parse(await readFile(join(lakeDir, manifestKey('warehouse', table, date)), 'utf8')) as Manifest;

/** Resolves once the daily manifest of `date` exists (the scheduler has joined it). */
async function joined(date: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await readManifest('power_weather_daily', date).then(
      () => true,
      () => false,
    );
    if (found) return;
    if (Date.now() > deadline) throw new Error(`${date} not joined within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** runId of every joined date (daily table), by date */
async function runIds(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const date of ['2026-11-01', '2026-11-02', DAY, '2026-11-04'])
    await readManifest('power_weather_daily', date).then(
      (m) => (out[date] = m.runId),
      () => undefined,
    );
  return out;
}

/** Resolves once the pipeline's clock has reached `at`. */
async function simulatedUntil(p: Pipeline, at: number): Promise<void> {
  while (p.clock.now() < at) await new Promise((r) => setTimeout(r, 50));
}

let first: RunResult;
let firstWallMs: number;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gridlake-embedded-e2e-'));
  const [lakeSink] = ofKind(all(await resourcesP), 'LakeSink');
  if (lakeSink === undefined) throw new Error(`${RESOURCES} has no LakeSink`);
  lakeDir = lakeDirOf(dataDir, lakeSink.spec.lake);
  const began = Date.now();
  first = await runPipeline(START, async (p) => {
    await joined(DAY, 60_000);
    // A starved CI machine can let the firing outrun the sink's last flush of DAY; the late-data
    // check (every 10 simulated minutes) then reruns it. Stop once that would have happened.
    await simulatedUntil(p, Date.parse(`${DAY}T03:00:00+09:00`) + 86_400_000);
  });
  firstWallMs = Date.now() - began;
}, 100_000);

afterAll(async () => {
  if (dataDir !== undefined && process.env['GRIDLAKE_KEEP_TEST_DATA'] !== '1')
    await rm(dataDir, { recursive: true, force: true });
});

describe('embedded pipeline over a simulated day', () => {
  it('catches up the days before the start from the simulator history', async () => {
    const dates = first.catchUp.joins.flatMap((j) => j.reports.map((r) => r.date));
    // 11-02 fires on time at 01:30, 70 simulated minutes (1.4 s wall) after the start: on a
    // starved machine the backfill wait outlasts that and the schedule, not the catch-up, joins it.
    expect(dates[0]).toBe('2026-11-01');
    expect(dates.every((d) => d === '2026-11-01' || d === '2026-11-02')).toBe(true);
    expect(first.catchUp.joins[0]!.reports.every((r) => r.outcome !== 'failed')).toBe(true);
    const twoDaysBack = await readManifest('power_weather_daily', '2026-11-02');
    expect(twoDaysBack.outcome).not.toBe('failed');
  });

  it('joins the live day at its firing, and DuckDB computes the same tables from the same raw files', async () => {
    const due = first.lines.filter((l) => l['msg'] === 'join date due' && l['date'] === DAY);
    expect(due[0]?.['trigger']).toBe('on-time');
    const weather = ofKind(all(await resourcesP), 'WeatherSource');
    const locations = weather.flatMap((w) => w.spec.locations.map((l) => l.name));
    const { con, close } = await duckConnection(1);
    try {
      await computeReference(con, lakeDir, locations, joinConfig({ join: 'x/y', locations }).thresholds, DAY);
      const { hourly, daily, problems } = await compareWarehouse(con, lakeDir, DAY);
      expect(problems.slice(0, 20)).toEqual([]);
      expect(hourly).toHaveLength(24 * (locations.length + 1));
      expect(daily).toHaveLength(locations.length + 1);
      // a full simulated day: every slot and every hour arrived
      expect(daily.map((r) => r['power_coverage'])).toEqual(daily.map(() => 1));
      expect(daily.map((r) => r['weather_coverage'])).toEqual(daily.map(() => 1));
    } finally {
      close();
    }
  });

  it('writes manifests that list exactly the raw files of the day, with outcome succeeded', async () => {
    const raw = await rawFilesOf(lakeDir, DAY);
    for (const table of ['power_weather_hourly', 'power_weather_daily'] as const) {
      const m = await readManifest(table, DAY);
      expect(m.outcome).toBe('succeeded');
      expect(m.date).toBe(DAY);
      expect([...m.inputs.powerFiles].sort()).toEqual(raw.power);
      expect([...m.inputs.weatherFiles].sort()).toEqual(raw.weather);
      expect(m.inputs.powerRows).toBeGreaterThanOrEqual(288);
      expect(m.inputs.weatherRows).toBeGreaterThanOrEqual(24 * 4);
    }
  });

  it('lands every record sent on the bus in the raw zone exactly once', () => {
    for (const topic of TOPICS) {
      const t = first.lake.topics[topic]!;
      expect(t.check.duplicates).toEqual([]);
      expect(t.check.overlaps).toEqual([]);
      expect(t.check.misnamed).toEqual([]);
      expect(t.check.unreadable).toEqual([]);
      expect(t.endOffsets.length).toBeGreaterThan(0);
      for (const end of t.endOffsets) {
        const offsets = t.check.offsets.get(end.partition) ?? [];
        expect(offsets).toEqual(Array.from({ length: end.offset }, (_, i) => i));
      }
    }
  });

  it('serves the pipeline metrics while running', () => {
    for (const name of [
      'gridlake_source_polls_total',
      'gridlake_source_records_total',
      'gridlake_sink_records_total',
      'gridlake_sink_files_total',
      'gridlake_spool_records',
      'gridlake_join_runs_total',
      'gridlake_join_last_success_date_timestamp_seconds',
      'gridlake_power_demand_megawatts',
      'gridlake_weather_temperature_celsius',
    ])
      expect(first.metricsText).toContain(`# TYPE ${name} `);
    expect(first.metricsText).toMatch(/gridlake_join_runs_total\{[^}]*outcome="succeeded"[^}]*\} [1-9]/);
    expect(first.readyStatus).toBe(200);
  });

  it('stops cleanly: in order, quickly, with no error logged', () => {
    const msgs = first.lines.map((l) => l['msg']);
    const order = ['collectors stopped', 'lake sinks flushed and stopped', 'join schedulers stopped'];
    expect(order.map((m) => msgs.indexOf(m))).toEqual([...order.map((m) => msgs.indexOf(m))].sort((a, b) => a - b));
    expect(order.every((m) => msgs.includes(m))).toBe(true);
    expect(first.lines.filter((l) => l['level'] === 'error')).toEqual([]);
    expect(first.stopWallMs).toBeLessThan(10_000);
    console.info(`first run: ${firstWallMs} ms wall, stop ${first.stopWallMs} ms`);
  });
});

describe('restart on the same data dir', () => {
  let second: RunResult;
  let runIdsBefore: Record<string, string>;

  beforeAll(async () => {
    runIdsBefore = await runIds();
    expect(Object.keys(runIdsBefore).sort()).toEqual(['2026-11-01', '2026-11-02', DAY]);
    // Two simulated hours later than the first run stopped, as after a short outage.
    second = await runPipeline(first.stoppedAtSim + 2 * 3_600_000, (p) =>
      simulatedUntil(p, p.clock.now() + 3 * 3_600_000),
    );
  }, 60_000);

  it('adds no duplicate reading to the lake and keeps every offset in exactly one file', async () => {
    for (const topic of TOPICS) {
      const t = second.lake.topics[topic]!;
      expect(t.check.duplicates).toEqual([]);
      expect(t.check.overlaps).toEqual([]);
      for (const end of t.endOffsets)
        expect(t.check.offsets.get(end.partition)).toEqual(Array.from({ length: end.offset }, (_, i) => i));
      // the second run collected more
      expect(t.check.rows).toBeGreaterThan(first.lake.topics[topic]!.check.rows);
    }
    const ids = await readingIdentities(lakeDir);
    expect(ids.power.total).toBe(ids.power.distinct);
    expect(ids.weather.total).toBe(ids.weather.distinct);
  });

  it('does not rerun dates that already succeeded', async () => {
    expect(second.catchUp.joins[0]!.reports).toEqual([]);
    expect(second.lines.filter((l) => l['msg'] === 'join run started').map((l) => l['date'])).toEqual([]);
    expect(await runIds()).toEqual(runIdsBefore);
  });

  it('keeps the scheduler state across the restart', async () => {
    const state = JSON.parse(await readFile(join(dataDir, 'state', 'joins', 'default_power-weather.json'), 'utf8')) as {
      lastScheduleTime: number;
      createdDate: string;
    };
    expect(state.createdDate).toBe(DAY);
    expect(new Date(state.lastScheduleTime).toISOString()).toBe('2026-11-03T16:30:00.000Z');
    const next = second.lines.filter((l) => l['msg'] === 'next join firing').map((l) => l['nextDate']);
    expect(next[0]).toBe('2026-11-04');
  });
});
