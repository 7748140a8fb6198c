import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { POWER_SCHEMA, WEATHER_SCHEMA, type LakeRow } from '../../../src/lake/lake-schemas.js';
import { rawFileKey } from '../../../src/lake/layout.js';
import { kstDay } from '../../../src/kst.js';
import { decodeParquet, encodeParquet } from '../../../src/lake/parquet-codec.js';
import { decodeRecord } from '../../../src/lake/record-decoder.js';
import { powerValue, record, weatherValue } from '../../unit/lake/fixtures.js';
import { duck } from './lake-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'gridlake-pq-duck-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rows(n: number, kind: 'weather' | 'power'): LakeRow[] {
  const base = Date.parse('2025-11-21T14:00:00Z');
  return Array.from({ length: n }, (_, i) => {
    const ms = base + i * 97_000;
    const value = kind === 'weather' ? weatherValue(i, ms) : powerValue(ms, { forecastPeakMw: i % 3 ? null : 81234.5 });
    const r = decodeRecord(kind === 'weather' ? WEATHER_SCHEMA : POWER_SCHEMA, record('t', 0, i, value));
    if (!r.ok) throw new Error(r.rejection.reason);
    return r.row;
  });
}

/** Writes rows as one file per KST day under the raw layout. */
function writeDays(topic: string, kind: 'weather' | 'power', all: LakeRow[]): void {
  const schema = kind === 'weather' ? WEATHER_SCHEMA : POWER_SCHEMA;
  const byDay = new Map<string, LakeRow[]>();
  for (const r of all) {
    const k = kstDay(r['base_time'] as number);
    byDay.set(k, [...(byDay.get(k) ?? []), r]);
  }
  for (const list of byDay.values()) {
    const d = kstDay(list[0]!['base_time'] as number);
    const key = rawFileKey(topic, 0, list[0]!['kafka_offset'] as number, list.at(-1)!['kafka_offset'] as number, d);
    mkdirSync(join(dir, key, '..'), { recursive: true });
    writeFileSync(join(dir, key), encodeParquet(schema, list, { rowGroupSize: 700 }));
  }
}

describe('DuckDB reads the raw zone as hyparquet does', () => {
  it.each(['weather', 'power'] as const)(
    'gets the same %s values, instants as TIMESTAMPTZ and Hive days from KST',
    async (kind) => {
      const schema = kind === 'weather' ? WEATHER_SCHEMA : POWER_SCHEMA;
      const topic = `duck.${kind}`;
      const all = rows(3000, kind);
      writeDays(topic, kind, all);
      const glob = join(dir, 'raw', topic, '*/*/*/*.parquet');
      const cols = schema.columns
        .map((c) => (c.kind === 'timestamp' ? `epoch_ms(${c.column})::bigint ${c.column}` : c.column))
        .join(', ');
      const got = await duck(
        `select ${cols}, year, month, day from read_parquet('${glob}', hive_partitioning=true) order by kafka_offset`,
      );
      expect(got).toHaveLength(all.length);
      for (let i = 0; i < all.length; i++) {
        const want = all[i]!;
        const row = got[i]!;
        for (const c of schema.columns)
          expect(
            row[c.column] === null
              ? null
              : Number.isFinite(Number(row[c.column])) && c.kind !== 'string'
                ? Number(row[c.column])
                : row[c.column],
          ).toEqual(want[c.column]);
        const d = kstDay(want['base_time'] as number);
        expect([
          String(row['year']),
          String(row['month']).padStart(2, '0'),
          String(row['day']).padStart(2, '0'),
        ]).toEqual(d.split('-'));
      }
      const types = await duck(`select column_name, column_type from (describe select * from read_parquet('${glob}'))`);
      const typeOf = (n: string): unknown => types.find((t) => t['column_name'] === n)?.['column_type'];
      expect(typeOf('base_time')).toBe('TIMESTAMP WITH TIME ZONE');
      expect(typeOf('ingested_at')).toBe('TIMESTAMP WITH TIME ZONE');
      expect(typeOf('kafka_offset')).toBe('BIGINT');
      expect(typeOf('kafka_partition')).toBe('INTEGER');
      // hyparquet agrees on the same files.
      const { readdirSync, readFileSync } = await import('node:fs');
      let n = 0;
      for (const y of readdirSync(join(dir, 'raw', topic)))
        for (const m of readdirSync(join(dir, 'raw', topic, y)))
          for (const d of readdirSync(join(dir, 'raw', topic, y, m)))
            for (const f of readdirSync(join(dir, 'raw', topic, y, m, d)))
              n += (await decodeParquet(schema, readFileSync(join(dir, 'raw', topic, y, m, d, f)))).length;
      expect(n).toBe(all.length);
    },
  );
});
