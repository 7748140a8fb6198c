import { assertNever } from '../errors.js';
import type { QueryColumn, QueryResult, QueryValue } from './lake-query.js';

/** How `gridlake query` prints a result (docs/query.md). */
export const QUERY_OUTPUTS = ['table', 'csv', 'json'] as const;
export type QueryOutput = (typeof QUERY_OUTPUTS)[number];

export function formatResult(result: QueryResult, output: QueryOutput): string {
  switch (output) {
    case 'table':
      return formatTable(result);
    case 'csv':
      return formatCsv(result);
    case 'json':
      return formatJson(result);
    default:
      return assertNever(output);
  }
}

const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT']);
const WIDE_INTEGER_TYPES = new Set(['UINTEGER', 'UBIGINT', 'UHUGEINT']);

/**
 * DuckDB's client gives 64-bit and wider integers (a `count(*)`) as strings;
 * JSON gets a number when it is exact as one, else the string stays.
 */
function jsonValue(value: QueryValue, column: QueryColumn): QueryValue {
  if (typeof value !== 'string') return value;
  const integer = INTEGER_TYPES.has(column.type) || WIDE_INTEGER_TYPES.has(column.type);
  if (integer && Number.isSafeInteger(Number(value))) return Number(value);
  if (column.type.startsWith('DECIMAL')) {
    // exact when the number prints back as the decimal without its trailing zeros
    const plain = value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
    if (String(Number(value)) === plain) return Number(value);
  }
  return value;
}

/** A JSON array of row objects, one row per line (valid JSON, and still readable line by line). */
export function formatJson({ columns, rows }: QueryResult): string {
  if (rows.length === 0) return '[]\n';
  const lines = rows.map((row) =>
    JSON.stringify(Object.fromEntries(columns.map((c, i) => [c.name, jsonValue(row[i] ?? null, c)]))),
  );
  return `[\n${lines.join(',\n')}\n]\n`;
}

/** Text of a value outside JSON: lists and structs as JSON, null as `null` (the caller decides). */
function text(value: QueryValue): string | null {
  if (value === null) return null;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** RFC 4180: a header line, CRLF-free `\n` line ends, fields quoted when they hold a comma, quote or line break; null is empty. */
export function formatCsv({ columns, rows }: QueryResult): string {
  const field = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [columns.map((c) => field(c.name)).join(',')];
  for (const row of rows) lines.push(columns.map((_, i) => field(text(row[i] ?? null) ?? '')).join(','));
  return `${lines.join('\n')}\n`;
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|U\w*INT|FLOAT|DOUBLE|DECIMAL)/;

/** Columns on a terminal: a Hangul location name takes two cells, so widths count cells, not characters. */
function cells(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const wide =
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6);
    n += wide ? 2 : 1;
  }
  return n;
}

/** An aligned table for a person: numbers to the right, NULL spelled out, the row count below. */
export function formatTable({ columns, rows }: QueryResult): string {
  const body = rows.map((row) => columns.map((_, i) => text(row[i] ?? null) ?? 'NULL'));
  const widths = columns.map((c, i) => Math.max(cells(c.name), ...body.map((r) => cells(r[i]!))));
  const right = columns.map((c) => NUMERIC.test(c.type));
  const pad = (s: string, i: number): string => {
    const fill = ' '.repeat(widths[i]! - cells(s));
    return right[i] ? fill + s : s + fill;
  };
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => pad(v, i))
      .join(' │ ')
      .trimEnd();
  const out = [line(columns.map((c) => c.name)), widths.map((w) => '─'.repeat(w)).join('─┼─')];
  for (const r of body) out.push(line(r));
  out.push(`(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`);
  return `${out.join('\n')}\n`;
}
