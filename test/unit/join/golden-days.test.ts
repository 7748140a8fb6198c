import { describe, expect, it } from 'vitest';
import { joinDay } from '../../../src/join/join-day.js';
import { DEFAULT_THRESHOLDS } from '../../../src/join/types.js';
import type { DailyRow, DayResult, HourlyRow } from '../../../src/join/types.js';
import { hm, kst, power, weather } from '../../fixtures/join/records.js';

// Golden days: tiny inputs whose expected rows are derived by hand in the
// comments next to each expectation (docs/warehouse.md).

const D = '2025-11-22';
const T = DEFAULT_THRESHOLDS;

function hourRow(r: DayResult, hour: number, location: string): HourlyRow {
  const row = r.hourly.find((h) => h.hour === hour && h.location === location);
  if (row === undefined) throw new Error(`no hourly row ${hour} ${location}`);
  return row;
}

function dayRow(r: DayResult, location: string): DailyRow {
  const row = r.daily.find((d) => d.location === location);
  if (row === undefined) throw new Error(`no daily row ${location}`);
  return row;
}

const NULL_WEATHER = {
  temperatureC: null,
  humidityPct: null,
  rain1hMm: null,
  windSpeedMs: null,
  precipitationType: null,
};

describe('golden day: missing hours and a configured location without data', () => {
  const r = joinDay(
    D,
    ['seoul', 'busan', 'jeju'],
    T,
    [
      power(D, '00:00', 60_000, { supplyCapacityMw: 70_000, supplyReservePct: 15 }),
      power(D, '00:05', 62_000, { supplyCapacityMw: 70_000, supplyReservePct: 12 }),
      power(D, '00:10', 61_000, { supplyCapacityMw: 71_000, supplyReservePct: null }),
      power(D, '01:00', 65_000, { supplyCapacityMw: 72_000, supplyReservePct: 10 }),
    ],
    [
      weather(D, '00:00', 'seoul', 10, { humidityPct: 50, rain1hMm: 0, windSpeedMs: 2, precipitationType: 0 }),
      weather(D, '01:00', 'seoul', 12, { humidityPct: 60, rain1hMm: 1.5, windSpeedMs: 3, precipitationType: 1 }),
      weather(D, '00:00', 'busan', 14, { windSpeedMs: 4, precipitationType: 0 }),
    ],
  );

  it('writes the full grid: 24 hours × (3 locations + *) and 4 daily rows', () => {
    expect(r.hourly).toHaveLength(96);
    expect(r.daily.map((d) => d.location)).toEqual(['*', 'busan', 'jeju', 'seoul']);
    expect(r.hourly.slice(0, 4).map((h) => h.location)).toEqual(['*', 'busan', 'jeju', 'seoul']);
  });

  it('aligns the 5-minute readings to hours', () => {
    // hour 0: demand (60000+62000+61000)/3 = 61000, max 62000,
    // capacity (70000+70000+71000)/3, reserve min(15, 12, null) = 12, 3 samples
    expect(hourRow(r, 0, 'seoul')).toMatchObject({
      date: D,
      hourStart: Date.parse('2025-11-21T15:00:00Z'),
      demandMwAvg: 61_000,
      demandMwMax: 62_000,
      supplyReservePctMin: 12,
      powerSamples: 3,
    });
    expect(hourRow(r, 0, 'seoul').supplyCapacityMwAvg).toBeCloseTo(211_000 / 3, 9);
    expect(hourRow(r, 1, 'jeju')).toMatchObject({
      demandMwAvg: 65_000,
      demandMwMax: 65_000,
      supplyCapacityMwAvg: 72_000,
      supplyReservePctMin: 10,
      powerSamples: 1,
    });
    // hour 2: no readings → power null, 0 samples (on every location's row)
    expect(hourRow(r, 2, '*')).toMatchObject({
      demandMwAvg: null,
      demandMwMax: null,
      supplyCapacityMwAvg: null,
      supplyReservePctMin: null,
      powerSamples: 0,
    });
  });

  it('takes each location’s hh:00 observation and means them for *', () => {
    expect(hourRow(r, 1, 'seoul')).toMatchObject({
      temperatureC: 12,
      humidityPct: 60,
      rain1hMm: 1.5,
      windSpeedMs: 3,
      precipitationType: 1,
    });
    expect(hourRow(r, 1, 'busan')).toMatchObject(NULL_WEATHER);
    expect(hourRow(r, 0, 'jeju')).toMatchObject(NULL_WEATHER);
    // * hour 0: T (10+14)/2 = 12; humidity only seoul 50; rain only seoul 0; wind (2+4)/2 = 3; no precipitation type
    expect(hourRow(r, 0, '*')).toMatchObject({
      temperatureC: 12,
      humidityPct: 50,
      rain1hMm: 0,
      windSpeedMs: 3,
      precipitationType: null,
    });
    // * hour 1: only seoul
    expect(hourRow(r, 1, '*')).toMatchObject({
      temperatureC: 12,
      humidityPct: 60,
      rain1hMm: 1.5,
      windSpeedMs: 3,
      precipitationType: null,
    });
    expect(hourRow(r, 2, '*')).toMatchObject(NULL_WEATHER);
  });

  it('summarises the day per location', () => {
    // power: peak 65000 at 01:00; mean of the 4 readings (60000+62000+61000+65000)/4 = 62000; reserve min 10; 4/288
    const power = {
      demandMwPeak: 65_000,
      demandPeakAt: kst(D, '01:00'),
      demandMwAvg: 62_000,
      supplyReservePctMin: 10,
      powerCoverage: 4 / 288,
    };
    // seoul: T 10, 12 → avg 11; rain 0 + 1.5; HDH (18−10)+(18−12) = 14; 2 pairs → no correlation
    expect(dayRow(r, 'seoul')).toEqual({
      date: D,
      location: 'seoul',
      ...power,
      temperatureCAvg: 11,
      temperatureCMin: 10,
      temperatureCMax: 12,
      rainMmTotal: 1.5,
      heatingDegreeHours: 14,
      coolingDegreeHours: 0,
      tempDemandCorr: null,
      weatherCoverage: 2 / 24,
      quality: 'partial',
    });
    // busan: one hour at 14 °C, no rain reported → rain total null
    expect(dayRow(r, 'busan')).toMatchObject({
      temperatureCAvg: 14,
      temperatureCMin: 14,
      temperatureCMax: 14,
      rainMmTotal: null,
      heatingDegreeHours: 4,
      coolingDegreeHours: 0,
      weatherCoverage: 1 / 24,
    });
    // jeju: configured, never observed → rows exist, weather all null, coverage 0
    expect(dayRow(r, 'jeju')).toMatchObject({
      ...power,
      temperatureCAvg: null,
      temperatureCMin: null,
      temperatureCMax: null,
      rainMmTotal: null,
      heatingDegreeHours: null,
      coolingDegreeHours: null,
      tempDemandCorr: null,
      weatherCoverage: 0,
      quality: 'partial',
    });
    // *: hourly * T is 12, 12 → avg 12, HDH 6+6; rain 0 + 1.5
    expect(dayRow(r, '*')).toMatchObject({
      temperatureCAvg: 12,
      heatingDegreeHours: 12,
      rainMmTotal: 1.5,
      weatherCoverage: 2 / 24,
    });
  });

  it('reports partial with the gaps as time ranges', () => {
    expect(r.outcome).toBe('partial');
    // slots present: 00:00, 00:05, 00:10, 01:00
    expect(r.quality?.powerGaps).toEqual([
      { start: '2025-11-22T00:15:00+09:00', end: '2025-11-22T01:00:00+09:00' },
      { start: '2025-11-22T01:05:00+09:00', end: '2025-11-23T00:00:00+09:00' },
    ]);
    const gaps = Object.fromEntries((r.quality?.locations ?? []).map((l) => [l.location, l.weatherGaps]));
    expect(gaps['seoul']).toEqual([{ start: '2025-11-22T02:00:00+09:00', end: '2025-11-23T00:00:00+09:00' }]);
    expect(gaps['busan']).toEqual([{ start: '2025-11-22T01:00:00+09:00', end: '2025-11-23T00:00:00+09:00' }]);
    expect(gaps['jeju']).toEqual([{ start: '2025-11-22T00:00:00+09:00', end: '2025-11-23T00:00:00+09:00' }]);
    expect(r.counts).toEqual({
      powerRows: 4,
      weatherRows: 3,
      duplicatesRemoved: { power: 0, weather: 0 },
      rejected: { power: 0, weather: 0 },
      outsideDay: { power: 0, weather: 0 },
    });
  });
});

describe('golden day: duplicates and rejected readings', () => {
  const t0 = kst(D, '12:30');
  const r = joinDay(
    D,
    ['seoul'],
    T,
    [
      // three versions of 12:00: latest ingested_at wins, then the highest offset → 52000
      power(D, '12:00', 50_000, { ingestedAt: t0, kafkaOffset: 5n }),
      power(D, '12:00', 52_000, { ingestedAt: t0 + 1, kafkaOffset: 7n }),
      power(D, '12:00', 51_000, { ingestedAt: t0 + 1, kafkaOffset: 3n }),
      // 13:00: the newer version is impossible (0 MW) → excluded whole; the older one does not come back
      power(D, '13:00', 55_000, { ingestedAt: t0, kafkaOffset: 8n }),
      power(D, '13:00', 0, { ingestedAt: t0 + 5, kafkaOffset: 9n }),
      power(D, '14:00', 250_000),
    ],
    [
      weather(D, '12:00', 'seoul', 5, { ingestedAt: t0 }),
      weather(D, '12:00', 'seoul', 6, { ingestedAt: t0 + 1 }),
      weather(D, '13:00', 'seoul', 7, { ingestedAt: t0 }),
      weather(D, '13:00', 'seoul', 99, { ingestedAt: t0 + 1 }),
      weather(D, '14:00', 'seoul', 8, { humidityPct: 101 }),
      weather(D, '15:00', 'seoul', -60, { humidityPct: 0 }),
    ],
  );

  it('keeps the latest version of each reading', () => {
    expect(hourRow(r, 12, 'seoul')).toMatchObject({ demandMwAvg: 52_000, powerSamples: 1, temperatureC: 6 });
  });

  it('excludes impossible readings whole without resurrecting older versions', () => {
    expect(hourRow(r, 13, 'seoul')).toMatchObject({ demandMwAvg: null, powerSamples: 0, temperatureC: null });
    expect(hourRow(r, 14, 'seoul')).toMatchObject({ demandMwAvg: null, temperatureC: null, humidityPct: null });
    // −60 °C and 0 % are the inclusive limits
    expect(hourRow(r, 15, 'seoul')).toMatchObject({ temperatureC: -60, humidityPct: 0 });
  });

  it('counts duplicates removed and rejects', () => {
    // power: 6 rows, 4 identities (12, 13, 14) → 3 identities: 12:00 ×3, 13:00 ×2, 14:00 → 3 removed
    expect(r.counts.powerRows).toBe(6);
    expect(r.counts.duplicatesRemoved).toEqual({ power: 3, weather: 2 });
    // rejected: 13:00 (0 MW), 14:00 (250000 MW); weather 13:00 (99 °C), 14:00 (101 %)
    expect(r.counts.rejected).toEqual({ power: 2, weather: 2 });
    expect(dayRow(r, 'seoul')).toMatchObject({
      demandMwPeak: 52_000,
      demandMwAvg: 52_000,
      powerCoverage: 1 / 288,
      weatherCoverage: 2 / 24,
    });
  });
});

describe('golden day: the KST midnight boundary and a late reading', () => {
  const prev = '2025-11-21';
  const next = '2025-11-23';
  const r = joinDay(
    D,
    ['seoul'],
    T,
    [
      power(D, '00:00', 60_000), // = 2025-11-21T15:00Z, first slot of D
      // late: 23:55 KST arrives two days later, stored in its own day's folder → counts for D
      power(D, '23:55', 70_000, { ingestedAt: kst(next, '02:00') + 86_400_000 }),
      power(next, '00:00', 99_000), // belongs to D+1: skipped, counted
      power(prev, '23:55', 99_000), // belongs to D−1
    ],
    [weather(D, '00:00', 'seoul', 3), weather(D, '23:00', 'seoul', 4), weather(next, '00:00', 'seoul', 30)],
  );

  it('puts 00:00 KST in hour 0 and 23:55 KST in hour 23', () => {
    expect(hourRow(r, 0, 'seoul')).toMatchObject({
      hourStart: Date.parse('2025-11-21T15:00:00Z'),
      demandMwAvg: 60_000,
      powerSamples: 1,
      temperatureC: 3,
    });
    expect(hourRow(r, 23, 'seoul')).toMatchObject({
      hourStart: Date.parse('2025-11-22T14:00:00Z'),
      demandMwAvg: 70_000,
      powerSamples: 1,
      temperatureC: 4,
    });
  });

  it('ignores readings of the neighbouring days and counts them', () => {
    expect(r.counts.outsideDay).toEqual({ power: 2, weather: 1 });
    // peak 70000 at 23:55 KST, not the 99000 of the next day
    expect(dayRow(r, '*')).toMatchObject({
      demandMwPeak: 70_000,
      demandPeakAt: kst(D, '23:55'),
      demandMwAvg: 65_000,
      powerCoverage: 2 / 288,
    });
  });
});

describe('golden day: all locations missing one hour', () => {
  // demand 60000 + slot (slot 0..287): hour h has slots 12h..12h+11
  const p = Array.from({ length: 288 }, (_, s) =>
    power(D, hm(Math.floor(s / 12), (s % 12) * 5), 60_000 + s, { supplyReservePct: 300 - s }),
  );
  const w = [];
  for (let h = 0; h < 24; h++) {
    if (h === 5) continue;
    w.push(weather(D, hm(h), 'seoul', h), weather(D, hm(h), 'busan', h + 2));
  }
  const r = joinDay(D, ['seoul', 'busan'], T, p, w);

  it('averages power per hour', () => {
    // hour 7: slots 84..95 → mean 60000 + 89.5, max 60095, reserve min 300 − 95
    expect(hourRow(r, 7, '*')).toMatchObject({
      demandMwAvg: 60_089.5,
      demandMwMax: 60_095,
      supplyReservePctMin: 205,
      powerSamples: 12,
    });
  });

  it('leaves hour 5 empty for every location and for *', () => {
    for (const loc of ['*', 'seoul', 'busan']) expect(hourRow(r, 5, loc)).toMatchObject(NULL_WEATHER);
    expect(hourRow(r, 6, '*').temperatureC).toBe(7); // (6 + 8) / 2
  });

  it('summarises with 23 of 24 hours', () => {
    // power: peak 60287 at 23:55, mean 60000 + 143.5, reserve min 300 − 287, coverage 288/288
    const power = {
      demandMwPeak: 60_287,
      demandPeakAt: kst(D, '23:55'),
      demandMwAvg: 60_143.5,
      supplyReservePctMin: 13,
      powerCoverage: 1,
    };
    // seoul T = h (h ≠ 5): mean (276 − 5)/23; HDH Σ_{h=0..17}(18 − h) − (18 − 5) = 171 − 13 = 158; CDH 0
    expect(dayRow(r, 'seoul')).toMatchObject({
      ...power,
      temperatureCMin: 0,
      temperatureCMax: 23,
      heatingDegreeHours: 158,
      coolingDegreeHours: 0,
      weatherCoverage: 23 / 24,
      quality: 'ok',
    });
    expect(dayRow(r, 'seoul').temperatureCAvg).toBeCloseTo(271 / 23, 12);
    // busan T = h + 2: HDH Σ_{h=0..15}(16 − h) − (16 − 5) = 136 − 11 = 125; CDH (25 − 24) at h = 23
    expect(dayRow(r, 'busan')).toMatchObject({ heatingDegreeHours: 125, coolingDegreeHours: 1, temperatureCMax: 25 });
    // * T = h + 1: HDH Σ_{h=0..16}(17 − h) − (17 − 5) = 153 − 12 = 141; max 24 → CDH 0
    expect(dayRow(r, '*')).toMatchObject({
      heatingDegreeHours: 141,
      coolingDegreeHours: 0,
      weatherCoverage: 23 / 24,
      quality: 'ok',
    });
    // hourly demand rises linearly with h, and so does T → r = 1
    expect(dayRow(r, 'seoul').tempDemandCorr).toBeCloseTo(1, 12);
  });

  it('succeeds: both coverages above the thresholds', () => {
    expect(r.outcome).toBe('succeeded');
    expect(r.quality?.powerGaps).toEqual([]);
    for (const l of r.quality?.locations ?? [])
      expect(l.weatherGaps).toEqual([{ start: '2025-11-22T05:00:00+09:00', end: '2025-11-22T06:00:00+09:00' }]);
  });
});

describe('golden day: an empty day', () => {
  it('writes nothing and reports no-input', () => {
    const r = joinDay(D, ['seoul', 'busan'], T, [], []);
    expect(r).toEqual({
      outcome: 'no-input',
      hourly: [],
      daily: [],
      quality: null,
      counts: {
        powerRows: 0,
        weatherRows: 0,
        duplicatesRemoved: { power: 0, weather: 0 },
        rejected: { power: 0, weather: 0 },
        outsideDay: { power: 0, weather: 0 },
      },
    });
  });

  it('still writes the grid when every reading was rejected', () => {
    const r = joinDay(D, ['seoul'], T, [power(D, '10:00', -5)], []);
    expect(r.outcome).toBe('partial');
    expect(r.hourly).toHaveLength(48);
    expect(r.counts.rejected.power).toBe(1);
  });
});
