import { describe, expect, it } from 'vitest';
import { deadLetterKey, parseRawFileKey, rawFileKey, sinkStateKey } from '../../../src/lake/layout.js';
import { kstDay } from '../../../src/kst.js';

describe('lake layout', () => {
  it.each([
    ['2025-11-22T14:59:59.999Z', '2025-11-22'],
    ['2025-11-22T15:00:00.000Z', '2025-11-23'],
    ['2025-12-31T15:00:00.000Z', '2026-01-01'],
    ['2024-02-28T15:30:00.000Z', '2024-02-29'],
  ])('puts the instant %s on KST day %s', (iso, day) => {
    expect(kstDay(Date.parse(iso))).toBe(day);
  });

  it('names raw files by topic, partition and zero-padded offsets under Hive folders', () => {
    const key = rawFileKey('gridlake.weather.kma.v1', 3, 17, 1234, '2025-11-02');
    expect(key).toBe(
      'raw/gridlake.weather.kma.v1/year=2025/month=11/day=02/gridlake.weather.kma.v1+3+00000000000000000017-00000000000000001234.parquet',
    );
    expect(parseRawFileKey(key)).toEqual({
      topic: 'gridlake.weather.kma.v1',
      partition: 3,
      first: 17,
      last: 1234,
      day: '2025-11-02',
    });
  });

  it('sorts raw file names by first offset', () => {
    const day = '2025-01-01';
    const keys = [
      rawFileKey('t', 0, 100, 199, day),
      rawFileKey('t', 0, 9, 99, day),
      rawFileKey('t', 0, 1000, 1999, day),
    ];
    expect([...keys].sort().map((k) => parseRawFileKey(k)!.first)).toEqual([9, 100, 1000]);
  });

  it('ignores keys that are not raw files', () => {
    expect(parseRawFileKey('raw/_sink/t/0/00000000000000000001.json')).toBeUndefined();
    expect(
      parseRawFileKey('raw/t/year=2025/month=01/day=01/other+0+00000000000000000001-00000000000000000002.parquet'),
    ).toBeUndefined();
  });

  it('keeps sink records and dead letters out of the topic folders', () => {
    expect(sinkStateKey('t', 2, 99)).toBe('raw/_sink/t/2/00000000000000000099.json');
    expect(deadLetterKey('parse', '2025-01-02', 'ns/name', '01J')).toBe(
      'deadletter/parse/year=2025/month=01/day=02/ns_name-01J.json',
    );
  });
});
