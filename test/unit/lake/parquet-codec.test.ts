import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { POWER_SCHEMA, WEATHER_SCHEMA, type LakeRow } from '../../../src/lake/lake-schemas.js';
import { decodeParquet, encodeParquet, parquetShape } from '../../../src/lake/parquet-codec.js';
import { decodeRecord } from '../../../src/lake/record-decoder.js';
import { powerValue, record, weatherValue } from './fixtures.js';

const base = Date.parse('2025-11-22T03:00:00Z');

function weatherRows(n: number): LakeRow[] {
  return Array.from({ length: n }, (_, i) => {
    const r = decodeRecord(WEATHER_SCHEMA, record('w', 1, 1000 + i, weatherValue(i, base + i * 600_000)));
    if (!r.ok) throw new Error(r.rejection.reason);
    return r.row;
  });
}

describe('parquet codec', () => {
  it('round-trips weather rows with nulls through hyparquet', async () => {
    const rows = weatherRows(500);
    const back = await decodeParquet(WEATHER_SCHEMA, encodeParquet(WEATHER_SCHEMA, rows));
    expect(back).toEqual(rows);
  });

  it('round-trips power rows', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => {
      const r = decodeRecord(
        POWER_SCHEMA,
        record('p', 0, i, powerValue(base + i * 300_000, { forecastPeakMw: i % 2 ? 80000.25 : null })),
      );
      if (!r.ok) throw new Error(r.rejection.reason);
      return r.row;
    });
    expect(await decodeParquet(POWER_SCHEMA, encodeParquet(POWER_SCHEMA, rows))).toEqual(rows);
  });

  it('declares UTC-adjusted millisecond instants, REQUIRED and OPTIONAL columns as in docs/lake.md', () => {
    const { schema } = parquetShape(encodeParquet(WEATHER_SCHEMA, weatherRows(3)));
    const byName = new Map(schema.map((e) => [e.name, e]));
    expect(byName.get('base_time')).toMatchObject({
      type: 'INT64',
      repetition_type: 'REQUIRED',
      logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
    });
    expect(byName.get('temperature_c')).toMatchObject({ type: 'DOUBLE', repetition_type: 'OPTIONAL' });
    expect(byName.get('precipitation_type')).toMatchObject({ type: 'INT32', repetition_type: 'OPTIONAL' });
    expect(byName.get('kafka_offset')).toMatchObject({ type: 'INT64', repetition_type: 'REQUIRED' });
    expect(byName.get('location')).toMatchObject({ type: 'BYTE_ARRAY', logical_type: { type: 'STRING' } });
  });

  it('refuses a row that does not fit its column with GL_LAKE_RECORD_INVALID naming the column', () => {
    const [row] = weatherRows(1);
    expect(() => encodeParquet(WEATHER_SCHEMA, [{ ...row, base_time: null }])).toThrow(
      expect.objectContaining({
        code: 'GL_LAKE_RECORD_INVALID',
        context: expect.objectContaining({ column: 'base_time' }),
      }),
    );
    expect(() => encodeParquet(WEATHER_SCHEMA, [{ ...row, kafka_partition: 2 ** 31 }])).toThrow(
      expect.objectContaining({
        code: 'GL_LAKE_RECORD_INVALID',
        context: { column: 'kafka_partition', value: 2 ** 31 },
      }),
    );
  });

  it('sizes row groups on purpose instead of the writer default', () => {
    expect(parquetShape(encodeParquet(WEATHER_SCHEMA, weatherRows(5000))).rowGroups).toEqual([5000]);
    expect(parquetShape(encodeParquet(WEATHER_SCHEMA, weatherRows(5000), { rowGroupSize: 2000 })).rowGroups).toEqual([
      2000, 2000, 1000,
    ]);
  });

  it('round-trips any valid weather values (property)', async () => {
    const nullableDouble = fc.option(fc.double({ min: -899, max: 899, noNaN: true, noDefaultInfinity: true }), {
      nil: null,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            t: nullableDouble,
            rain: nullableDouble,
            pty: fc.option(fc.integer({ min: 0, max: 7 }), { nil: null }),
            loc: fc.string({ maxLength: 12 }),
            minutes: fc.integer({ min: 0, max: 5 * 24 * 60 }),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        async (items) => {
          const rows = items.map((it, i) => {
            const r = decodeRecord(
              WEATHER_SCHEMA,
              record(
                'w',
                0,
                i,
                weatherValue(i, base + it.minutes * 60_000, {
                  temperatureC: it.t,
                  rain1hMm: it.rain,
                  precipitationType: it.pty,
                  location: it.loc,
                }),
              ),
            );
            if (!r.ok) throw new Error(r.rejection.reason);
            return r.row;
          });
          expect(await decodeParquet(WEATHER_SCHEMA, encodeParquet(WEATHER_SCHEMA, rows))).toEqual(rows);
        },
      ),
      { numRuns: 50 },
    );
  });
});
