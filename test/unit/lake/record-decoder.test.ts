import { describe, expect, it } from 'vitest';
import { POWER_SCHEMA, WEATHER_SCHEMA, schemaForTopic } from '../../../src/lake/lake-schemas.js';
import { decodeRecord } from '../../../src/lake/record-decoder.js';
import { powerValue, record, weatherValue } from './fixtures.js';

const base = Date.parse('2025-11-22T03:00:00Z');

describe('record decoder', () => {
  it('turns a weather value into a row with lineage and instants in ms', () => {
    const res = decodeRecord(WEATHER_SCHEMA, record('w', 2, 41, weatherValue(1, base)));
    expect(res).toEqual({
      ok: true,
      row: expect.objectContaining({
        base_time: base,
        base_date_raw: '20251122',
        base_time_raw: '1200',
        nx: 61,
        kafka_partition: 2,
        kafka_offset: 41,
        ingested_at: base + 40 * 60_000,
      }),
    });
  });

  it('turns KMA missing marks into null, never into numbers', () => {
    const res = decodeRecord(
      WEATHER_SCHEMA,
      record('w', 0, 0, weatherValue(1, base, { temperatureC: 900, windSpeedMs: -999 })),
    );
    expect(res.ok && res.row['temperature_c']).toBeNull();
    expect(res.ok && res.row['wind_speed_ms']).toBeNull();
  });

  it('keeps power nulls as nulls', () => {
    const res = decodeRecord(POWER_SCHEMA, record('p', 0, 5, powerValue(base)));
    expect(res.ok && res.row['forecast_peak_mw']).toBeNull();
    expect(res.ok && res.row['base_datetime_raw']).toBe('20251122120000');
  });

  it.each([
    ['not json', '{oops', 'parse', /not JSON/],
    ['an array', '[1]', 'parse', /not a JSON object/],
    ['a wrong version', { ...weatherValue(1, base), v: 2 }, 'validate', /version 2/],
    ['a missing required field', { ...weatherValue(1, base), location: undefined }, 'validate', /location is required/],
    [
      'a string where a number belongs',
      { ...weatherValue(1, base), humidityPct: '55' },
      'validate',
      /humidityPct is not a finite number/,
    ],
    ['a fractional grid cell', { ...weatherValue(1, base), nx: 60.5 }, 'validate', /nx is not an integer/],
    [
      'a base time without offset',
      { ...weatherValue(1, base), baseTime: '2025-11-22T12:00:00' },
      'validate',
      /baseTime is not an ISO-8601 instant/,
    ],
    [
      'an impossible date',
      { ...weatherValue(1, base), baseTime: '2025-13-45T12:00:00+09:00' },
      'validate',
      /baseTime is not a valid instant/,
    ],
  ])('rejects %s with a reason', (_name, value, stage, reason) => {
    const res = decodeRecord(WEATHER_SCHEMA, record('w', 0, 0, value));
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.rejection.stage).toBe(stage);
      expect(res.rejection.reason).toMatch(reason);
    }
  });

  it('finds the schema from the default topic names or an explicit kind', () => {
    expect(schemaForTopic('gridlake.power.kpx.v1')).toBe(POWER_SCHEMA);
    expect(schemaForTopic('gridlake.weather.kma.v1')).toBe(WEATHER_SCHEMA);
    expect(schemaForTopic('custom', { custom: 'power' })).toBe(POWER_SCHEMA);
    expect(schemaForTopic('custom')).toBeUndefined();
  });
});
