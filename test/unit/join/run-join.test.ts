import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { joinConfig } from '../../../src/join/join-config.js';
import { joinDay } from '../../../src/join/join-day.js';
import { createJoinMetrics } from '../../../src/join/join-metrics.js';
import { LocalJoinStore } from '../../../src/join/join-store.js';
import type { JoinStore, RangeReader } from '../../../src/join/join-store.js';
import { dataKey, inputsChanged, manifestKey } from '../../../src/join/manifest.js';
import type { Manifest } from '../../../src/join/manifest.js';
import { readRowGroups, POWER_COLUMNS } from '../../../src/join/raw-reader.js';
import { runDailyJoin } from '../../../src/join/run-join.js';
import type { JoinDeps } from '../../../src/join/run-join.js';
import { dailyValues, hourlyValues, HOURLY_COLUMNS, DAILY_COLUMNS } from '../../../src/join/warehouse-parquet.js';
import { DEFAULT_THRESHOLDS } from '../../../src/join/types.js';
import type { PowerRecord, WeatherRecord } from '../../../src/join/types.js';
import { hm, kst, power, weather } from '../../fixtures/join/records.js';
import { POWER_TOPIC, rawKey, encodePower, writeRaw } from '../../fixtures/join/raw-files.js';

const D = '2025-11-22';
const NEXT = '2025-11-23';
let dir: string;
let store: LocalJoinStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridlake-join-'));
  store = new LocalJoinStore(dir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function deps(s: JoinStore = store, extra: Partial<JoinDeps> = {}): JoinDeps {
  let t = Date.parse('2025-11-23T01:00:00Z');
  let id = 0;
  return {
    store: s,
    clock: () => (t += 250),
    newRunId: () => `run-${++id}`,
    gridlakeVersion: '0.1.0',
    ...extra,
  };
}

const config = joinConfig({ join: 'grid/daily', locations: ['seoul', 'busan'] });

/** A realistic day: 288 readings, 24 h × 2 locations, with some duplicates. */
function dayInputs(date: string): { power: PowerRecord[]; weather: WeatherRecord[] } {
  const p: PowerRecord[] = [];
  for (let s = 0; s < 288; s++) {
    const h = Math.floor(s / 12);
    p.push(
      power(date, hm(h, (s % 12) * 5), 60_000 + 1000 * Math.sin(s / 30) + s, {
        supplyReservePct: 10 + (s % 7),
        supplyCapacityMw: 80_000 + s,
      }),
    );
  }
  const w: WeatherRecord[] = [];
  for (let h = 0; h < 24; h++) {
    w.push(
      weather(date, hm(h), 'seoul', 5 + h / 3, {
        humidityPct: 40 + h,
        rain1hMm: h % 5 === 0 ? 0.5 : 0,
        windSpeedMs: 1 + h / 10,
        precipitationType: h % 5 === 0 ? 1 : 0,
      }),
    );
    if (h !== 7) w.push(weather(date, hm(h), 'busan', 9 - h / 4, { humidityPct: 60, windSpeedMs: 2 }));
  }
  return { power: p, weather: w };
}

async function readTable(key: string): Promise<Record<string, unknown>[]> {
  const bytes = await store.get(key);
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return parquetReadObjects({ file, parsers: { timestampFromMilliseconds: (v: bigint) => Number(v) } });
}

async function readManifest(key: string): Promise<Manifest> {
  return JSON.parse(new TextDecoder().decode(await store.get(key))) as Manifest;
}

describe('runDailyJoin over a local-folder lake', () => {
  it('writes both tables and manifests equal to the pure join of the same readings', async () => {
    const { power: p, weather: w } = dayInputs(D);
    // split into two files per topic with small row groups, and replay 20 power readings (a collector restart)
    await writeRaw(store, 'power', p.slice(0, 150), 40);
    await writeRaw(
      store,
      'power',
      [
        ...p.slice(150),
        ...p
          .slice(100, 120)
          .map((r) => ({ ...r, kafkaOffset: r.kafkaOffset + 100_000n, ingestedAt: r.ingestedAt + 1 })),
      ],
      40,
    );
    await writeRaw(store, 'weather', w, 16);

    const report = await runDailyJoin(deps(), config, D);
    expect(report.outcome).toBe('succeeded');
    expect(report.inputs).toMatchObject({ powerRows: 308, weatherRows: 47, duplicatesRemoved: 20, rejected: 0 });
    expect(report.inputs.powerFiles).toHaveLength(2);

    const expected = joinDay(D, ['seoul', 'busan'], DEFAULT_THRESHOLDS, p, w);
    const hourly = await readTable(dataKey('warehouse', 'power_weather_hourly', D));
    expect(hourly.map((r) => HOURLY_COLUMNS.map((c) => r[c.name] ?? null))).toEqual(expected.hourly.map(hourlyValues));
    const daily = await readTable(dataKey('warehouse', 'power_weather_daily', D));
    expect(daily.map((r) => DAILY_COLUMNS.map((c) => r[c.name] ?? null))).toEqual(expected.daily.map(dailyValues));

    const m = await readManifest(manifestKey('warehouse', 'power_weather_daily', D));
    expect(m).toMatchObject({
      table: 'power_weather_daily',
      date: D,
      runId: 'run-1',
      file: 'warehouse/power_weather_daily/year=2025/month=11/day=22/data.parquet',
      rows: 3,
      gridlakeVersion: '0.1.0',
      outcome: 'succeeded',
      inputs: {
        powerFiles: report.inputs.powerFiles,
        weatherFiles: report.inputs.weatherFiles,
        powerRows: 308,
        weatherRows: 47,
        duplicatesRemoved: 20,
        rejected: 0,
      },
    });
    expect(m.quality?.powerCoverage).toBe(1);
    expect(Date.parse(m.finishedAt)).toBeGreaterThan(Date.parse(m.startedAt));
    expect((await readManifest(manifestKey('warehouse', 'power_weather_hourly', D))).rows).toBe(72);
    // only the fixed names are in the folder: no temp files, no second version
    expect(await store.list('warehouse/')).toEqual([
      'warehouse/power_weather_daily/year=2025/month=11/day=22/_manifest.json',
      'warehouse/power_weather_daily/year=2025/month=11/day=22/data.parquet',
      'warehouse/power_weather_hourly/year=2025/month=11/day=22/_manifest.json',
      'warehouse/power_weather_hourly/year=2025/month=11/day=22/data.parquet',
    ]);
  });

  it('gives identical tables when run twice', async () => {
    const { power: p, weather: w } = dayInputs(D);
    await writeRaw(store, 'power', p);
    await writeRaw(store, 'weather', w);
    await runDailyJoin(deps(), config, D);
    const first = await store.get(dataKey('warehouse', 'power_weather_hourly', D));
    const firstDaily = await store.get(dataKey('warehouse', 'power_weather_daily', D));
    const again = await runDailyJoin(deps(), config, D);
    expect(again.outcome).toBe('succeeded');
    expect(await store.get(dataKey('warehouse', 'power_weather_hourly', D))).toEqual(first);
    expect(await store.get(dataKey('warehouse', 'power_weather_daily', D))).toEqual(firstDaily);
  });

  it('after late data, a rerun equals a single run on the final inputs', async () => {
    const { power: p, weather: w } = dayInputs(D);
    const early = p.filter((_, i) => i < 200);
    const late = p.filter((_, i) => i >= 200);
    await writeRaw(store, 'power', early);
    await writeRaw(store, 'weather', w);
    const first = await runDailyJoin(deps(), config, D);
    expect(first.outcome).toBe('partial'); // 200/288 < 0.95
    const m = await readManifest(manifestKey('warehouse', 'power_weather_hourly', D));

    // late readings of D arrive with the next day's traffic; the sink files them under D
    const nextDay = dayInputs(NEXT);
    const keys = await writeRaw(store, 'power', [
      ...late.map((r) => ({ ...r, ingestedAt: kst(NEXT, '03:00') })),
      ...nextDay.power,
    ]);
    expect(keys.some((k) => k.includes('day=22'))).toBe(true);
    const now = await runDailyJoin(deps(), config, D);
    expect(inputsChanged(m, now.inputs.powerFiles, now.inputs.weatherFiles)).toBe(true);
    expect(now.outcome).toBe('succeeded');

    // a fresh lake holding only the final inputs, joined once
    const freshDir = await mkdtemp(join(tmpdir(), 'gridlake-join-fresh-'));
    try {
      const fresh = new LocalJoinStore(freshDir);
      for (const key of await store.list('raw/')) await fresh.put(key, await store.get(key));
      await runDailyJoin(deps(fresh), config, D);
      for (const table of ['power_weather_hourly', 'power_weather_daily'] as const) {
        expect(await store.get(dataKey('warehouse', table, D))).toEqual(
          await fresh.get(dataKey('warehouse', table, D)),
        );
      }
    } finally {
      await rm(freshDir, { recursive: true, force: true });
    }
  });

  it('reports no-input for an empty day and writes nothing', async () => {
    const report = await runDailyJoin(deps(), config, D);
    expect(report).toMatchObject({
      outcome: 'no-input',
      rowsOut: { power_weather_hourly: 0, power_weather_daily: 0 },
      files: [],
    });
    expect(await store.list('warehouse/')).toEqual([]);
  });

  it('fails with the reason and leaves the previous day intact when a raw file is unreadable', async () => {
    const { power: p, weather: w } = dayInputs(D);
    await writeRaw(store, 'power', p);
    await writeRaw(store, 'weather', w);
    await runDailyJoin(deps(), config, D);
    const before = await store.get(dataKey('warehouse', 'power_weather_daily', D));
    const bad = rawKey(POWER_TOPIC, D, 1, 0n, 9n);
    await store.put(bad, new TextEncoder().encode('not parquet'));
    const report = await runDailyJoin(deps(), config, D);
    expect(report).toMatchObject({ outcome: 'failed', errorCode: 'GL_JOIN_INPUT_UNREADABLE' });
    expect(report.reason).toContain(bad);
    expect(await store.get(dataKey('warehouse', 'power_weather_daily', D))).toEqual(before);
  });

  it('fails on an invalid date without touching the lake', async () => {
    const report = await runDailyJoin(deps(), config, '2025-02-30');
    expect(report).toMatchObject({ outcome: 'failed', errorCode: 'GL_JOIN_DATE_INVALID' });
  });

  it('counts runs, rows and the last successful date in the join metrics', async () => {
    const registry = new Registry();
    const metrics = createJoinMetrics(registry);
    const { power: p, weather: w } = dayInputs(D);
    await writeRaw(store, 'power', p);
    await writeRaw(store, 'weather', w);
    await runDailyJoin(deps(store, { metrics }), config, D);
    await runDailyJoin(deps(store, { metrics }), config, '2025-11-20');
    const text = await registry.metrics();
    expect(text).toContain('gridlake_join_runs_total{join="grid/daily",outcome="succeeded"} 1');
    expect(text).toContain('gridlake_join_runs_total{join="grid/daily",outcome="no_input"} 1');
    expect(text).toContain('gridlake_join_rows_total{join="grid/daily",table="power_weather_hourly"} 72');
    expect(text).toContain(
      `gridlake_join_last_success_date_timestamp_seconds{join="grid/daily"} ${Date.parse('2025-11-22T00:00:00+09:00') / 1000}`,
    );
  });
});

describe('raw reader', () => {
  it('reads only the needed columns, one row group at a time', async () => {
    // a large file (as a catch-up flush might write) in 5,000-row groups
    const day = dayInputs(D).power;
    const p = Array.from({ length: 30_000 }, (_, i) => ({
      ...(day[i % 288] as PowerRecord),
      kafkaOffset: BigInt(i),
      ingestedAt: i,
    }));
    const key = rawKey(POWER_TOPIC, D, 0, 0n, 29_999n);
    const bytes = encodePower(p, 5_000);
    await store.put(key, bytes);
    const slices: number[] = [];
    const counting: JoinStore = {
      ...store,
      list: (x) => store.list(x),
      get: (k) => store.get(k),
      put: (k, b) => store.put(k, b),
      delete: (k) => store.delete(k),
      openRange: async (k): Promise<RangeReader> => {
        const r = await store.openRange(k);
        return {
          byteLength: r.byteLength,
          close: () => r.close(),
          slice: async (s, e) => {
            const b = await r.slice(s, e);
            slices.push(b.byteLength);
            return b;
          },
        };
      },
    };
    const groups: number[] = [];
    const n = await readRowGroups(counting, key, POWER_COLUMNS, (cols, rows) => {
      groups.push(rows);
      expect(Object.keys(cols).sort()).toEqual([...POWER_COLUMNS].sort());
    });
    expect(n).toBe(30_000);
    expect(groups).toEqual([5_000, 5_000, 5_000, 5_000, 5_000, 5_000]);
    // bounded reads: a 64 KiB footer guess, then one fetch per row group, never the whole file
    expect(slices[0]).toBe(65_536);
    expect(slices.length).toBeGreaterThanOrEqual(7);
    for (const size of slices.slice(1)) expect(size).toBeLessThan(bytes.byteLength / 4);
  });

  it('names the file and the missing column when a raw file lacks one', async () => {
    const key = rawKey(POWER_TOPIC, D, 0, 0n, 0n);
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    await store.put(
      key,
      new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'base_time', data: [1n], type: 'INT64' }] })),
    );
    await expect(readRowGroups(store, key, POWER_COLUMNS, () => undefined)).rejects.toMatchObject({
      code: 'GL_JOIN_INPUT_UNREADABLE',
    });
  });

  it('skips temp files and other folders when listing a day', async () => {
    const { power: p } = dayInputs(D);
    await writeRaw(store, 'power', p);
    const dayDir = join(dir, 'raw', POWER_TOPIC, 'year=2025', 'month=11', 'day=22');
    await writeFile(join(dayDir, '.abc.tmp'), 'x');
    await mkdir(join(dayDir, 'nested'), { recursive: true });
    await writeFile(join(dayDir, 'nested', 'x.parquet'), 'x');
    const report = await runDailyJoin(deps(), config, D);
    expect(report.inputs.powerFiles).toHaveLength(1);
    expect(report.outcome).toBe('partial'); // weather missing entirely
  });
});
