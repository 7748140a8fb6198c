import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ColumnBatch } from '../../../src/lake/column-batch.js';
import { POWER_SCHEMA, WEATHER_SCHEMA, type LakeRow, type LakeSchema } from '../../../src/lake/lake-schemas.js';
import {
  decodeParquet,
  encodeBatch,
  encodeParquet,
  encodeParquetWithHyparquetWriter,
  lakeFileOptions,
  parquetShape,
} from '../../../src/lake/parquet-codec.js';
import { encodeLakeFile } from '../../../src/lake/parquet-encoder.js';
import { decodeRecord } from '../../../src/lake/record-decoder.js';
import { powerValue, record, weatherValue } from './fixtures.js';

const base = Date.parse('2025-11-22T03:00:00Z');

function weatherRows(n: number, over: (i: number) => Record<string, unknown> = () => ({})): LakeRow[] {
  return Array.from({ length: n }, (_, i) => {
    const r = decodeRecord(WEATHER_SCHEMA, record('w', 1, 1000 + i, weatherValue(i, base + i * 60_000, over(i))));
    if (!r.ok) throw new Error(r.rejection.reason);
    return r.row;
  });
}

/**
 * The sink's encoder writes exactly hyparquet-writer's bytes, through both entry
 * points; `fast` says whether it does so itself (else it hands the file to hyparquet-writer).
 */
function expectSameBytes(schema: LakeSchema, rows: LakeRow[], rowGroupSize?: number, fast = true): void {
  const options = rowGroupSize === undefined ? {} : { rowGroupSize };
  const want = Buffer.from(encodeParquetWithHyparquetWriter(schema, rows, options));
  expect(Buffer.from(encodeParquet(schema, rows, options)).equals(want)).toBe(true);
  const batch = new ColumnBatch(schema, 4);
  for (const row of rows) batch.append(schema.columns.map((c) => row[c.column] ?? null));
  expect(Buffer.from(encodeBatch(batch, options)).equals(want)).toBe(true);
  const own = encodeLakeFile(schema, batch.lakeColumns(), lakeFileOptions(schema, options));
  expect(own === undefined ? 'hyparquet-writer' : 'own').toBe(fast ? 'own' : 'hyparquet-writer');
}

// A column value as the decoder can produce it, including the awkward ones.
const doubleValue = fc.oneof(
  fc.constantFrom(0, -0, 1.5, -899.9, 55),
  fc.double({ min: -899, max: 899, noNaN: true, noDefaultInfinity: true }),
);
const stringValue = fc.oneof(
  fc.constantFrom('', 'loc0', 'default/seoul', 'é', '서울', '\ud83d\ude00', '\ud800'),
  fc.string({ maxLength: 20, unit: 'binary' }),
);

describe('parquet encoder (the sink path) against hyparquet-writer', () => {
  it('writes the same bytes for the bench-like weather shape, in one or several row groups', () => {
    const rows = weatherRows(6000);
    expectSameBytes(WEATHER_SCHEMA, rows);
    expectSameBytes(WEATHER_SCHEMA, rows, 2500);
    expectSameBytes(WEATHER_SCHEMA, rows.slice(0, 1));
    expectSameBytes(WEATHER_SCHEMA, []);
  });

  it('writes the same bytes for power rows with nullable columns', () => {
    const rows = Array.from({ length: 700 }, (_, i) => {
      const r = decodeRecord(
        POWER_SCHEMA,
        record('p', 0, i, powerValue(base + i * 300_000, { forecastPeakMw: i % 3 ? 80000.25 + i : null })),
      );
      if (!r.ok) throw new Error(r.rejection.reason);
      return r.row;
    });
    expectSameBytes(POWER_SCHEMA, rows);
  });

  it('writes the same bytes for high-cardinality columns (PLAIN instead of a dictionary)', () => {
    const rows = weatherRows(3000, (i) => ({
      location: `location-${i}-${'x'.repeat(i % 17)}`,
      temperatureC: (i * 7.3) % 899,
      nx: i,
      precipitationType: i % 5 === 0 ? null : i * 13,
      source: i % 2 ? `é${i}` : `${i}`,
    }));
    expectSameBytes(WEATHER_SCHEMA, rows);
  });

  it('falls back to hyparquet-writer for offsets beyond 2^51 and pages over 1 MiB', () => {
    const big = weatherRows(20).map((r, i) => ({ ...r, kafka_offset: 2 ** 52 + i * 3 }));
    expectSameBytes(WEATHER_SCHEMA, big, undefined, false);
    const long = weatherRows(300, (i) => ({ location: `${i}:${'y'.repeat(4000)}` }));
    expectSameBytes(WEATHER_SCHEMA, long, undefined, false);
    expect(parquetShape(encodeParquet(WEATHER_SCHEMA, long)).rows).toBe(300);
  });

  it('writes the same bytes for any valid weather rows (property)', async () => {
    const row = fc.record({
      t: fc.option(doubleValue, { nil: null }),
      rain: fc.option(doubleValue, { nil: null }),
      pty: fc.option(fc.integer({ min: -5, max: 2_000_000 }), { nil: null }),
      nx: fc.integer({ min: -2147483648, max: 2147483647 }),
      loc: stringValue,
      minutes: fc.integer({ min: -60 * 24 * 365 * 80, max: 5 * 24 * 60 }),
      ingested: fc.integer({ min: -(2 ** 45), max: 2 ** 45 }),
      step: fc.integer({ min: 0, max: 2 ** 40 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { minLength: 0, maxLength: 300 }),
        fc.integer({ min: 1, max: 400 }),
        fc.boolean(),
        async (items, rowGroupSize, repeat) => {
          let offset = 0;
          const rows: LakeRow[] = items.map((it, i) => {
            // Repeated rows make dictionary columns; distinct ones make PLAIN columns.
            const src = repeat ? items[i % 3]! : it;
            offset += src.step % 1000 === 0 ? src.step : 1;
            const r = decodeRecord(
              WEATHER_SCHEMA,
              record(
                'w',
                0,
                offset,
                weatherValue(i, base + src.minutes * 60_000, {
                  temperatureC: src.t,
                  rain1hMm: src.rain,
                  precipitationType: src.pty,
                  nx: src.nx,
                  location: src.loc,
                  ingestedAt: new Date(src.ingested).toISOString(),
                }),
              ),
            );
            if (!r.ok) throw new Error(r.rejection.reason);
            return r.row;
          });
          expectSameBytes(WEATHER_SCHEMA, rows, rowGroupSize);
          // Read back: the values, with a lone surrogate as U+FFFD (UTF-8 cannot hold it).
          const utf8 = (s: unknown): unknown => (typeof s === 'string' ? Buffer.from(s).toString() : s);
          const want = rows.map((r) => ({ ...r, location: utf8(r['location']) }));
          expect(await decodeParquet(WEATHER_SCHEMA, encodeParquet(WEATHER_SCHEMA, rows))).toEqual(want);
        },
      ),
      { numRuns: 150 },
    );
  });
});
