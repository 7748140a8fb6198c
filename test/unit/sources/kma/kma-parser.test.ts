import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseKmaAnswer } from '../../../../src/sources/kma/kma-parser.js';
import { readKmaValue } from '../../../../src/sources/kma/kma-values.js';
import { weatherIdentity } from '../../../../src/sources/kma/weather-observation.js';
import { OUTCOMES } from '../../../../src/sources/common/outcome.js';
import { sample } from '../samples.js';

const ctx = { source: 'gridlake/kma', location: 'seoul', ingestedAt: Date.UTC(2025, 10, 22, 3, 12, 0) };

describe('parseKmaAnswer on the samples', () => {
  it('reads eight categories for Seoul (60, 127)', () => {
    const a = parseKmaAnswer(200, sample('kma-ncst-ok.json'), ctx);
    expect(a.outcome).toBe('ok');
    if (a.outcome !== 'ok') return;
    expect(a.rows).toHaveLength(1);
    const o = a.rows[0]?.observation;
    expect(o).toEqual({
      v: 1,
      source: 'gridlake/kma',
      location: 'seoul',
      nx: 60,
      ny: 127,
      baseTime: '2025-11-22T12:00:00+09:00',
      baseDateRaw: '20251122',
      baseTimeRaw: '1200',
      temperatureC: 8.3,
      rain1hMm: 0,
      humidityPct: 48,
      precipitationType: 0,
      windSpeedMs: 1.9,
      windDirectionDeg: 285,
      windEastMs: 1.9,
      windNorthMs: -0.4,
      ingestedAt: '2025-11-22T03:12:00.000Z',
    });
    expect(o && weatherIdentity(o)).toBe('202511221200:60:127');
    expect(a.rows[0]?.missing).toEqual([]);
  });

  it('reads the XML answer (resultCode 0) for Busan (98, 76) with rain', () => {
    const a = parseKmaAnswer(200, sample('kma-ncst-ok.xml'), { ...ctx, location: 'busan' });
    expect(a.outcome).toBe('ok');
    if (a.outcome !== 'ok') return;
    expect(a.rows[0]?.observation).toMatchObject({
      nx: 98,
      ny: 76,
      baseTime: '2025-11-22T06:00:00+09:00',
      precipitationType: 1,
      rain1hMm: 2.5,
      humidityPct: 93,
      temperatureC: 11.2,
      windEastMs: -2.1,
      windNorthMs: -1,
      windDirectionDeg: 64,
      windSpeedMs: 2.3,
    });
  });

  it('turns ±900 markers and absent categories into null and no-rain text into 0', () => {
    const a = parseKmaAnswer(200, sample('kma-ncst-missing.json'), ctx);
    expect(a.outcome).toBe('ok');
    if (a.outcome !== 'ok') return;
    const row = a.rows[0];
    expect(row?.observation).toMatchObject({
      humidityPct: null,
      windEastMs: null,
      windDirectionDeg: null,
      windSpeedMs: null,
      rain1hMm: 0,
      temperatureC: 14.6,
      windNorthMs: 3.2,
      precipitationType: 0,
    });
    expect(row?.categorical).toEqual(['RN1']);
    expect(row?.missing).toEqual(['REH', 'UUU', 'VEC', 'WSD']);
  });

  it('says no_data before HH:10', () => {
    expect(parseKmaAnswer(200, sample('kma-ncst-nodata.json'), ctx)).toMatchObject({ outcome: 'no_data', code: '03' });
  });

  it.each([
    ['gateway-key-not-registered.xml', 200, 'auth'],
    ['gateway-quota.xml', 200, 'quota'],
    ['http-401.txt', 401, 'auth'],
    ['kpx-empty.json', 200, 'no_data'],
  ])('classifies %s as %s', (file, status, outcome) => {
    expect(parseKmaAnswer(status, sample(file), ctx).outcome).toBe(outcome);
  });

  it('calls a non-numeric observation malformed', () => {
    const text = sample('kma-ncst-ok.json').replace('"8.3"', '"warm"');
    expect(parseKmaAnswer(200, text, ctx)).toMatchObject({ outcome: 'malformed' });
  });
});

describe('readKmaValue', () => {
  it.each([
    ['T1H', '8.3', 8.3, 'number'],
    ['T1H', '-12.5', -12.5, 'number'],
    ['REH', '-999', null, 'missing'],
    ['UUU', '900.0', null, 'missing'],
    ['UUU', '899.9', 899.9, 'number'],
    ['RN1', '강수없음', 0, 'categorical'],
    ['RN1', '1mm 미만', 0.5, 'categorical'],
    ['RN1', '1.0mm 미만', 0.5, 'categorical'],
    ['RN1', '30.0~50.0mm', 30, 'categorical'],
    ['RN1', '50.0mm 이상', 50, 'categorical'],
    ['RN1', '2.5', 2.5, 'number'],
  ])('reads %s %j as %j (%s)', (cat, raw, value, kind) => {
    const v = readKmaValue(cat, raw);
    expect(v.kind).toBe(kind);
    if (v.kind === 'number' || v.kind === 'categorical') expect(v.value).toBe(value);
  });

  it('refuses rain text in other categories', () => {
    expect(readKmaValue('T1H', '강수없음').kind).toBe('invalid');
  });
});

describe('parseKmaAnswer never throws', () => {
  it('classifies every truncation of the samples', () => {
    for (const file of ['kma-ncst-ok.json', 'kma-ncst-ok.xml', 'kma-ncst-missing.json']) {
      const text = sample(file);
      for (let i = 0; i < text.length; i++) {
        const a = parseKmaAnswer(200, text.slice(0, i), ctx);
        expect(OUTCOMES).toContain(a.outcome);
        if (i < text.trimEnd().length - 1) expect(a.outcome).not.toBe('ok');
      }
    }
  });

  it('classifies arbitrary text', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), fc.string(), (status, text) => {
        expect(OUTCOMES).toContain(parseKmaAnswer(status, text, ctx).outcome);
      }),
      { numRuns: 2000 },
    );
  });

  it('classifies an obsrValue object whose toString is not a function (found by the property below)', () => {
    const item = { baseDate: '20251122', baseTime: '1200', category: 'T1H', nx: 1, ny: 1, obsrValue: { toString: [] } };
    const body = JSON.stringify({ response: { header: { resultCode: '00' }, body: { items: { item: [item] } } } });
    expect(parseKmaAnswer(200, body, ctx)).toMatchObject({ outcome: 'malformed' });
  });

  it('classifies arbitrary items', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (item, value) => {
        for (const items of [
          item,
          { item },
          { item: [{ baseDate: '20251122', baseTime: '1200', category: 'T1H', nx: 1, ny: 1, obsrValue: value }] },
        ]) {
          const body = JSON.stringify({ response: { header: { resultCode: '00' }, body: { items } } });
          expect(OUTCOMES).toContain(parseKmaAnswer(200, body, ctx).outcome);
        }
      }),
    );
  });
});
