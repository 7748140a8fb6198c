import { describe, expect, it } from 'vitest';
import type { QueryResult } from '../../../src/lake/lake-query.js';
import { formatCsv, formatJson, formatResult, formatTable } from '../../../src/lake/query-output.js';

const result: QueryResult = {
  columns: [
    { name: 'location', type: 'VARCHAR' },
    { name: 'n', type: 'BIGINT' },
    { name: 'big', type: 'HUGEINT' },
    { name: 'avg', type: 'DOUBLE' },
    { name: 'dec', type: 'DECIMAL(10,2)' },
    { name: 'at', type: 'TIMESTAMP WITH TIME ZONE' },
    { name: 'tags', type: 'VARCHAR[]' },
  ],
  rows: [
    ['서울', '12', '123456789012345678901', 1.5, '100.50', '2025-11-21 15:00:00+00', ['a', 'b']],
    ['a, "quoted"\nline', null, null, null, '100', null, null],
  ],
};

describe('query output', () => {
  it('json: row objects, exact integers and decimals as numbers, the rest as DuckDB gives it', () => {
    const text = formatJson(result);
    expect(text.split('\n')).toHaveLength(5);
    expect(JSON.parse(text)).toEqual([
      {
        location: '서울',
        n: 12,
        big: '123456789012345678901',
        avg: 1.5,
        dec: 100.5,
        at: '2025-11-21 15:00:00+00',
        tags: ['a', 'b'],
      },
      { location: 'a, "quoted"\nline', n: null, big: null, avg: null, dec: 100, at: null, tags: null },
    ]);
    expect(formatJson({ columns: result.columns, rows: [] })).toBe('[]\n');
  });

  it('csv: quoted where needed, null empty, lists as JSON', () => {
    expect(formatCsv(result)).toBe(
      'location,n,big,avg,dec,at,tags\n' +
        '서울,12,123456789012345678901,1.5,100.50,2025-11-21 15:00:00+00,"[""a"",""b""]"\n' +
        '"a, ""quoted""\nline",,,,100,,\n',
    );
  });

  it('table: Hangul takes two cells, numbers to the right, NULL spelled out', () => {
    const table = formatTable({
      columns: [
        { name: 'location', type: 'VARCHAR' },
        { name: 'demand', type: 'DOUBLE' },
      ],
      rows: [
        ['서울', 61234.5],
        ['busan', null],
      ],
    });
    expect(table).toBe(
      ['location │  demand', '─────────┼────────', '서울     │ 61234.5', 'busan    │    NULL', '(2 rows)', ''].join(
        '\n',
      ),
    );
    expect(formatTable({ columns: [{ name: 'x', type: 'INTEGER' }], rows: [] })).toBe('x\n─\n(0 rows)\n');
  });

  it('formatResult picks the format', () => {
    expect(formatResult(result, 'csv')).toBe(formatCsv(result));
    expect(formatResult(result, 'json')).toBe(formatJson(result));
    expect(formatResult(result, 'table')).toBe(formatTable(result));
  });
});
