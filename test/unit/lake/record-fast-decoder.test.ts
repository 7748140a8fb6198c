import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ColumnBatch } from '../../../src/lake/column-batch.js';
import { POWER_SCHEMA, WEATHER_SCHEMA, type LakeRow, type LakeSchema } from '../../../src/lake/lake-schemas.js';
import { encodeBatch, encodeParquet } from '../../../src/lake/parquet-codec.js';
import { decodeRecord } from '../../../src/lake/record-decoder.js';
import { FlatJsonScanner } from '../../../src/lake/flat-json-scanner.js';
import { isoMillis } from '../../../src/lake/iso-instant.js';
import { compileDecoder, DecodedRow } from '../../../src/lake/record-fast-decoder.js';
import { powerValue, record, weatherValue } from './fixtures.js';

const base = Date.parse('2025-11-22T03:00:00Z');

/** Runs both paths over the same values: same rows or the same rejections, and byte-identical files. */
function compare(schema: LakeSchema, values: unknown[]): void {
  const fast = compileDecoder(schema);
  const batch = new ColumnBatch(schema, 4);
  const rows: LakeRow[] = [];
  const slots = new DecodedRow(schema);
  values.forEach((v, i) => {
    const r = record('t', 3, 100 + i, v);
    const ref = decodeRecord(schema, r);
    const got = fast(r.value, r.partition, r.offset, slots);
    if (ref.ok) {
      expect(got).toBeUndefined();
      const row: LakeRow = {};
      schema.columns.forEach((c, k) => (row[c.column] = slots.value(k)));
      expect(row).toEqual(ref.row);
      rows.push(ref.row);
      batch.appendRow(slots);
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

// These encode Parquet twice per run (or 2,500 rows): give them room on a shared 2-core machine.
const PROPERTY_TIMEOUT_MS = 60_000;

describe('fast record decoder and column batch', () => {
  it('equal the row path on weather values, valid or not (property)', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    const keys = Object.keys(weatherValue(0, base)) as (keyof ReturnType<typeof weatherValue>)[];
    fc.assert(
      fc.property(values(weatherValue, keys), (vs) => compare(WEATHER_SCHEMA, vs)),
      { numRuns: 100 },
    );
  });

  it('equal the row path on power values, valid or not (property)', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    const keys = Object.keys(powerValue(base)) as (keyof ReturnType<typeof powerValue>)[];
    fc.assert(
      fc.property(
        values((_i, ms) => powerValue(ms), keys),
        (vs) => compare(POWER_SCHEMA, vs),
      ),
      { numRuns: 100 },
    );
  });

  it('keeps the instant and string memos right when records alternate between the scan and JSON.parse', () => {
    const at = (h: number): string => `2025-11-22T1${h}:00:00+09:00`;
    // `true` makes the scanner give up (JSON.parse path); the others are scanned.
    const vs = [
      weatherValue(0, base, { baseTime: at(1), location: 'a' }),
      weatherValue(1, base, { baseTime: at(2), location: 'b', windSpeedMs: 2, extra: true }),
      weatherValue(2, base, { baseTime: at(1), location: 'a' }),
      weatherValue(3, base, { baseTime: at(2), location: 'b', extra: true }),
      weatherValue(4, base, { baseTime: at(2), location: 'b' }),
      weatherValue(5, base, { baseTime: at(1), location: 'ab' }),
      ...Array.from({ length: 300 }, (_, i) => weatherValue(i, base, { location: `l${i % 97}`, baseTime: at(i % 3) })),
    ];
    compare(WEATHER_SCHEMA, vs);
  });

  it('grows past its initial capacity and keeps KMA marks and nulls as nulls', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    const vs = Array.from({ length: 2500 }, (_, i) =>
      weatherValue(i, base + i * 60_000, i % 13 === 0 ? { temperatureC: 999, humidityPct: null } : {}),
    );
    compare(WEATHER_SCHEMA, vs);
  });
});

/** JSON text of a valid weather value, with `at` replaced by `text` (for hand-made variants). */
function weatherText(replace: [string, string][] = []): string {
  let t = JSON.stringify(weatherValue(3, base));
  for (const [from, to] of replace) t = t.replace(from, to);
  return t;
}

describe("flat JSON scanner (the decoder's fast path)", () => {
  it('takes the usual value in place', () => {
    const keys = Object.keys(weatherValue(0, base));
    const scanner = new FlatJsonScanner(keys);
    expect(scanner.scan(Buffer.from(weatherText()))).toBe(true);
    expect(
      scanner.scan(
        Buffer.from(
          ` \n${weatherText([
            [',', ' ,\t'],
            [':', ' : '],
          ])}\r\n`,
        ),
      ),
    ).toBe(true);
    expect(scanner.scan(Buffer.from(weatherText([['"nx"', '"nz"']])))).toBe(false);
  });

  it('reads hand-written JSON text exactly as JSON.parse does, or leaves it to JSON.parse', () => {
    const numbers = [
      '0',
      '-0',
      '1.50',
      '-0.0',
      '00',
      '01',
      '1.',
      '-.5',
      '.5',
      '1e5',
      '1E-2',
      '2.5e+1',
      '-',
      '1.2.3',
      '+1',
    ];
    // 16-17 digits: where m / 10^k stops being exact (each of these would come out wrong by one ulp).
    const moreNumbers = [
      '123456789012345',
      '1234567890123456',
      '0.000001',
      '9007199254740993',
      '0.1',
      '899.99999999999',
    ];
    const inexact = ['1972254522.2308262', '990800174685.98987', '880.79557644516187', '9537509733848.827'];
    const texts = [
      ...[...numbers, ...moreNumbers, ...inexact].map((n) => weatherText([['"humidityPct":55', `"humidityPct":${n}`]])),
      ...numbers.map((n) => weatherText([['"nx":63', `"nx":${n}`]])),
      weatherText([['"v":1', '"v":1.0']]),
      weatherText([['"v":1', '"v":"1"']]),
      weatherText([['"v":1', '"v":2']]),
      weatherText([['"v":1,', '']]),
      weatherText([['"location":"loc3"', '"location":"lo\\u0063\\"3"']]),
      weatherText([['"location":"loc3"', '"location":"서울"']]),
      weatherText([['"location":"loc3"', '"location":"a\tb"']]),
      weatherText([['"location":"loc3"', '"location":true']]),
      weatherText([['"location":"loc3"', '"location":{"a":1}']]),
      weatherText([['"location":"loc3"', '"location":["x"]']]),
      weatherText([['"nx":63', '"nx":63,"nx":64']]),
      weatherText([['"nx":63', '"nx":"63"']]),
      weatherText([['"nx":63', '"extra":1,"nx":63']]),
      weatherText([['"temperatureC":', '"temperatureC":nul']]),
      weatherText([['"temperatureC":', '"temperatureC": null ,"x":']]),
      weatherText([['"baseTime":"', '"baseTime":"x']]),
      weatherText([['"ingestedAt":"', '"ingestedAt":"2025-11-22T12:00:00.1234Z","y":"']]),
      `${weatherText()}x`,
      `${weatherText()},`,
      `\ufeff${weatherText()}`,
      weatherText().slice(0, -1),
      weatherText([[',', ',,']]),
      weatherText([['{', '{,']]),
      '{}',
      '{ }',
      '{"v":1}',
      '[]',
      '',
    ];
    compare(WEATHER_SCHEMA, texts);
  });

  it('agrees with JSON.parse on mutated values (property)', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    const alphabet = fc.constantFrom(...'{}[]":,.-+eE0123456789 \\ntu\u00e9'.split(''));
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ at: fc.nat(), del: fc.boolean(), ch: alphabet, minutes: fc.integer({ min: 0, max: 4000 }) }),
          { minLength: 1, maxLength: 20 },
        ),
        (edits) => {
          const texts = edits.map(({ at, del, ch, minutes }) => {
            const t = JSON.stringify(weatherValue(minutes, base + minutes * 60_000));
            const p = at % (t.length + 1);
            return del ? t.slice(0, p) + t.slice(p + 1) : t.slice(0, p) + ch + t.slice(p);
          });
          compare(WEATHER_SCHEMA, texts);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('reads plain decimals exactly as JSON.parse (property)', { timeout: PROPERTY_TIMEOUT_MS }, () => {
    const decimal = fc
      .record({
        int: fc.integer({ min: 0, max: 99_999_999 }),
        frac: fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), maxLength: 9 }),
        neg: fc.boolean(),
      })
      .map(({ int, frac, neg }) => `${neg ? '-' : ''}${int}${frac === '' ? '' : `.${frac}`}`);
    fc.assert(
      fc.property(fc.array(fc.tuple(decimal, decimal), { minLength: 1, maxLength: 20 }), (pairs) =>
        compare(
          WEATHER_SCHEMA,
          pairs.map(([a, b]) =>
            weatherText([
              ['"windEastMs":1.1', `"windEastMs":${a}`],
              ['"windNorthMs":-0.4', `"windNorthMs":${b}`],
            ]),
          ),
        ),
      ),
      { numRuns: 150 },
    );
  });

  it(
    'reads instants from bytes exactly as Date.parse, in and out of range (property)',
    { timeout: PROPERTY_TIMEOUT_MS },
    () => {
      const p2 = (n: number): string => String(n).padStart(2, '0');
      const instantText = fc
        .record({
          y: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 2020, max: 2030 })),
          mo: fc.integer({ min: 0, max: 13 }),
          d: fc.integer({ min: 0, max: 32 }),
          h: fc.integer({ min: 0, max: 25 }),
          mi: fc.integer({ min: 0, max: 60 }),
          s: fc.integer({ min: 0, max: 61 }),
          ms: fc.option(fc.integer({ min: 0, max: 999 })),
          zone: fc.oneof(
            fc.constant('Z'),
            fc.record({
              sign: fc.constantFrom('+', '-'),
              oh: fc.integer({ min: 0, max: 25 }),
              om: fc.integer({ min: 0, max: 60 }),
            }),
          ),
        })
        .map(({ y, mo, d, h, mi, s, ms, zone }) => {
          const frac = ms === null ? '' : `.${String(ms).padStart(3, '0')}`;
          const z = typeof zone === 'string' ? zone : `${zone.sign}${p2(zone.oh)}:${p2(zone.om)}`;
          return `${String(y).padStart(4, '0')}-${p2(mo)}-${p2(d)}T${p2(h)}:${p2(mi)}:${p2(s)}${frac}${z}`;
        });
      fc.assert(
        fc.property(fc.array(fc.tuple(instantText, instantText), { minLength: 1, maxLength: 20 }), (pairs) =>
          compare(
            WEATHER_SCHEMA,
            pairs.map(([a, b]) => ({ ...weatherValue(1, base), baseTime: a, ingestedAt: b })),
          ),
        ),
        { numRuns: 200 },
      );
    },
  );

  it('reads the last days of every month (leap years, 30 February included) exactly as Date.parse', () => {
    const texts: string[] = [];
    for (const y of [1900, 2000, 2024, 2025, 2100])
      for (let mo = 1; mo <= 12; mo++)
        for (let d = 27; d <= 32; d++)
          for (const tail of ['T23:59:59Z', 'T00:00:00.000+09:00', 'T12:30:00-05:30'])
            texts.push(`${y}-${String(mo).padStart(2, '0')}-${d}${tail}`);
    for (const text of texts) {
      const buf = Buffer.from(text, 'latin1');
      const ms = isoMillis(buf, 0, buf.length);
      const parsed = Date.parse(text);
      // NaN only where Date.parse refuses too (day 32): then the decoder takes the reference path.
      if (Number.isNaN(ms)) expect([text, parsed]).toEqual([text, NaN]);
      else expect([text, ms]).toEqual([text, parsed]);
    }
  });
});
