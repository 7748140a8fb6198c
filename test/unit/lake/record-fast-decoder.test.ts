import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ColumnBatch } from '../../../src/lake/column-batch.js';
import { POWER_SCHEMA, WEATHER_SCHEMA, type LakeRow, type LakeSchema } from '../../../src/lake/lake-schemas.js';
import { encodeBatch, encodeParquet } from '../../../src/lake/parquet-codec.js';
import { decodeRecord } from '../../../src/lake/record-decoder.js';
import { compileDecoder, type ColumnValues } from '../../../src/lake/record-fast-decoder.js';
import { powerValue, record, weatherValue } from './fixtures.js';

const base = Date.parse('2025-11-22T03:00:00Z');

/** Runs both paths over the same values: same rows or the same rejections, and byte-identical files. */
function compare(schema: LakeSchema, values: unknown[]): void {
  const fast = compileDecoder(schema);
  const batch = new ColumnBatch(schema, 4);
  const rows: LakeRow[] = [];
  const slots: ColumnValues = [];
  values.forEach((v, i) => {
    const r = record('t', 3, 100 + i, v);
    const ref = decodeRecord(schema, r);
    const got = fast(r.value, r.partition, r.offset, slots);
    if (ref.ok) {
      expect(got).toBeUndefined();
      const row: LakeRow = {};
      schema.columns.forEach((c, k) => (row[c.column] = slots[k] ?? null));
      expect(row).toEqual(ref.row);
      rows.push(ref.row);
      batch.append(slots);
    } else expect(got).toEqual(ref.rejection);
  });
  expect(batch.rows()).toEqual(rows);
  if (rows.length === 0) return;
  expect(batch.firstOffset).toBe(rows[0]!['kafka_offset']);
  expect(batch.lastOffset).toBe(rows.at(-1)!['kafka_offset']);
  const rowGroupSize = Math.max(7, Math.ceil(rows.length / 3));
  expect(Buffer.from(encodeBatch(batch, { rowGroupSize }))).toEqual(
    Buffer.from(encodeParquet(schema, rows, { rowGroupSize })),
  );
  expect(Buffer.from(encodeBatch(batch))).toEqual(Buffer.from(encodeParquet(schema, rows)));
}

const num = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1000, max: 1000 }),
  fc.constantFrom(900, -900, 899.9, -0, 0, 2147483648, -2147483649, 1e300),
);
const loose = fc.oneof(num, fc.constant(null), fc.constant(undefined), fc.string({ maxLength: 4 }), fc.boolean());
const instant = fc.oneof(
  fc.integer({ min: 0, max: 4 * 24 * 60 }).map((m) => new Date(base + m * 60_000).toISOString()),
  fc.integer({ min: 0, max: 3 }).map((h) => `2025-11-22T1${h}:00:00+09:00`),
  fc.constantFrom('2025-11-22T12:00:00', '2025-13-45T12:00:00+09:00', '2025-11-22T12:00+09:00', 'x'),
);
/** Mostly valid values with a field or two disturbed, repeated instants included. */
function values<T extends Record<string, unknown>>(make: (i: number, ms: number) => T, keys: (keyof T)[]) {
  return fc
    .array(
      fc.record({
        minutes: fc.integer({ min: 0, max: 3 * 24 * 60 }),
        key: fc.constantFrom(...keys, 'v' as keyof T, 'baseTime' as keyof T),
        bad: fc.oneof(loose, instant),
        disturb: fc.integer({ min: 0, max: 3 }),
        raw: fc.constantFrom(undefined, '{oops', '[1]', 'null', '"s"'),
      }),
      { minLength: 1, maxLength: 30 },
    )
    .map((items) =>
      items.map((it, i) => {
        if (it.raw !== undefined && it.disturb === 0) return it.raw;
        const v: Record<string, unknown> = make(i, base + it.minutes * 60_000);
        if (it.disturb === 1) v[it.key as string] = it.bad;
        return v;
      }),
    );
}

describe('fast record decoder and column batch', () => {
  it('equal the row path on weather values, valid or not (property)', () => {
    const keys = Object.keys(weatherValue(0, base)) as (keyof ReturnType<typeof weatherValue>)[];
    fc.assert(
      fc.property(values(weatherValue, keys), (vs) => compare(WEATHER_SCHEMA, vs)),
      { numRuns: 100 },
    );
  });

  it('equal the row path on power values, valid or not (property)', () => {
    const keys = Object.keys(powerValue(base)) as (keyof ReturnType<typeof powerValue>)[];
    fc.assert(
      fc.property(
        values((_i, ms) => powerValue(ms), keys),
        (vs) => compare(POWER_SCHEMA, vs),
      ),
      { numRuns: 100 },
    );
  });

  it('grows past its initial capacity and keeps KMA marks and nulls as nulls', () => {
    const vs = Array.from({ length: 2500 }, (_, i) =>
      weatherValue(i, base + i * 60_000, i % 13 === 0 ? { temperatureC: 999, humidityPct: null } : {}),
    );
    compare(WEATHER_SCHEMA, vs);
  });
});
