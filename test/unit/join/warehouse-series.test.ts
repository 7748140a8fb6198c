import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalJoinStore } from '../../../src/join/join-store.js';
import { dataKey } from '../../../src/join/manifest.js';
import type { HourlyRow } from '../../../src/join/types.js';
import { encodeHourly } from '../../../src/join/warehouse-parquet.js';
import { MAX_SERIES_DAYS, readWarehouseSeries } from '../../../src/join/warehouse-series.js';

// The status page's charts read the hourly warehouse table: real Parquet files
// in the warehouse layout, written by the same encoder a join run uses.

let lake: string;
beforeEach(async () => (lake = await mkdtemp(join(tmpdir(), 'gridlake-series-'))));
afterEach(() => rm(lake, { recursive: true, force: true }));

const hourStart = (date: string, hour: number): number =>
  Date.parse(`${date}T${String(hour).padStart(2, '0')}:00:00+09:00`);

/** 24 hours × (`*`, seoul, busan): demand 60000 + 100·hour + day, seoul 10 + hour/10, busan 15 (null at hour 5). */
function day(date: string, dayIndex: number, hours = 24): HourlyRow[] {
  const rows: HourlyRow[] = [];
  for (let hour = 0; hour < hours; hour++) {
    const power = {
      demandMwAvg: 60_000 + 100 * hour + dayIndex,
      demandMwMax: 61_000,
      supplyCapacityMwAvg: 80_000 + hour,
      supplyReservePctMin: 20 + hour / 4,
      powerSamples: 12,
    };
    const seoul = 10 + hour / 10;
    const busan = hour === 5 ? null : 15;
    const weather = (location: string, t: number | null) => ({
      date,
      hour,
      hourStart: hourStart(date, hour),
      location,
      ...power,
      temperatureC: t,
      humidityPct: 50,
      rain1hMm: 0,
      windSpeedMs: 1,
      precipitationType: location === '*' ? null : 0,
    });
    rows.push(
      weather('*', busan === null ? seoul : (seoul + busan) / 2),
      weather('busan', busan),
      weather('seoul', seoul),
    );
  }
  return rows;
}

async function writeDay(store: LocalJoinStore, prefix: string, date: string, rows: readonly HourlyRow[]) {
  await store.put(dataKey(prefix, 'power_weather_hourly', date), encodeHourly(rows));
}

describe('readWarehouseSeries', () => {
  it('returns the newest dates as columns aligned on the hour, with the latest values', async () => {
    const store = new LocalJoinStore(lake);
    const dates = ['2026-11-01', '2026-11-02', '2026-11-03'];
    for (const [i, date] of dates.entries()) await writeDay(store, 'warehouse', date, day(date, i));
    // a manifest beside the data must not be read as a date
    await store.put(
      'warehouse/power_weather_hourly/year=2026/month=11/day=03/_manifest.json',
      new Uint8Array([123, 125]),
    );

    const s = await readWarehouseSeries(store, 'warehouse', 2);
    expect(s.dates).toEqual(['2026-11-02', '2026-11-03']);
    expect(s.locations).toEqual(['busan', 'seoul']);
    expect(s.hourStart).toHaveLength(48);
    expect(s.hourStart[0]).toBe(hourStart('2026-11-02', 0) / 1000);
    expect(s.hourStart[47]).toBe(hourStart('2026-11-03', 23) / 1000);
    expect(s.hourStart.every((h, i) => i === 0 || h - s.hourStart[i - 1]! === 3600)).toBe(true);
    expect(s.demandMw[0]).toBe(60_001);
    expect(s.demandMw[47]).toBe(60_000 + 2300 + 2);
    expect(s.supplyCapacityMw[1]).toBe(80_001);
    expect(s.reservePct[4]).toBe(21);
    expect(s.temperatureC['seoul']![3]).toBeCloseTo(10.3);
    expect(s.temperatureC['busan']![5]).toBeNull();
    expect(s.meanTemperatureC[5]).toBeCloseTo(10.5);
    expect(s.latest).toEqual({
      hourStart: hourStart('2026-11-03', 23) / 1000,
      demandMw: 62_302,
      supplyCapacityMw: 80_023,
      reservePct: 25.75,
    });
    expect(s.latestWeather).toEqual({
      hourStart: hourStart('2026-11-03', 23) / 1000,
      meanTemperatureC: (12.3 + 15) / 2,
      temperatureC: { busan: 15, seoul: 12.3 },
    });
  });

  it('leaves out dates without an hourly file, and takes the newest hour that has a demand, and one with a temperature', async () => {
    // the store's root is the warehouse folder itself, as the embedded runtime opens it
    const writer = new LocalJoinStore(lake);
    const store = new LocalJoinStore(join(lake, 'warehouse'));
    await writeDay(writer, 'warehouse', '2026-11-01', day('2026-11-01', 0));
    // 11-03: only the first 6 hours joined, the last with no power readings
    const partial = day('2026-11-03', 2, 6).map((r) =>
      r.hour === 5 ? { ...r, demandMwAvg: null } : r.hour === 4 ? { ...r, temperatureC: null } : r,
    );
    await writeDay(writer, 'warehouse', '2026-11-03', partial);
    const s = await readWarehouseSeries(store, '', 7);
    expect(s.dates).toEqual(['2026-11-01', '2026-11-03']);
    expect(s.hourStart).toHaveLength(30);
    expect(s.demandMw[29]).toBeNull();
    expect(s.latest?.hourStart).toBe(hourStart('2026-11-03', 4) / 1000);
    expect(s.latest?.demandMw).toBe(60_000 + 400 + 2);
    // hour 4 has no weather, hour 5 no power: each tile shows its own newest hour
    expect(s.latestWeather?.hourStart).toBe(hourStart('2026-11-03', 5) / 1000);
    expect(s.latestWeather?.temperatureC).toEqual({ busan: null, seoul: 10.5 });
  });

  it('reads an empty warehouse as no dates, and bounds the days asked for', async () => {
    const store = new LocalJoinStore(lake);
    const empty = await readWarehouseSeries(store, 'warehouse', 7);
    expect(empty).toMatchObject({
      dates: [],
      locations: [],
      hourStart: [],
      demandMw: [],
      latest: null,
      latestWeather: null,
    });
    for (let d = 1; d <= MAX_SERIES_DAYS + 2; d++) {
      const date = `2026-10-${String(d).padStart(2, '0')}`;
      if (d <= 31) await writeDay(store, 'warehouse', date, day(date, d, 1));
    }
    await writeDay(store, 'warehouse', '2026-11-01', day('2026-11-01', 0, 1));
    expect((await readWarehouseSeries(store, 'warehouse', 1000)).dates).toHaveLength(MAX_SERIES_DAYS);
    expect((await readWarehouseSeries(store, 'warehouse', 0)).dates).toEqual(['2026-11-01']);
  });
});
