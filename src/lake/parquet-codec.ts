import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import type { SchemaElement } from 'hyparquet';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import { assertNever } from '../errors.js';
import type { ColumnBatch } from './column-batch.js';
import type { ColumnSpec, LakeRow, LakeSchema } from './lake-schemas.js';
import { encodeLakeFile, type LakeColumns, type LakeFileOptions } from './parquet-encoder.js';

/** Encoder settings (docs/lake.md, "File settings"). */
export interface EncodeOptions {
  /** rows per row group (default 100,000; hyparquet-writer's own default starts with a 1,000-row group) */
  readonly rowGroupSize?: number;
}

/**
 * Parquet schema element of an instant column (milliseconds): both the legacy
 * converted type (so the writer converts ms to INT64) and the logical type with
 * isAdjustedToUTC (so readers see TIMESTAMP WITH TIME ZONE).
 */
export function instantElement(name: string, repetition_type: 'OPTIONAL' | 'REQUIRED'): SchemaElement {
  return {
    name,
    type: 'INT64',
    repetition_type,
    converted_type: 'TIMESTAMP_MILLIS',
    logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
  };
}

/** Parquet schema element of a column, with the UTC-adjusted logical type for instants. */
function element(spec: ColumnSpec): SchemaElement {
  const repetition_type = spec.nullable ? 'OPTIONAL' : 'REQUIRED';
  switch (spec.kind) {
    case 'timestamp':
      return instantElement(spec.column, repetition_type);
    case 'string':
      return {
        name: spec.column,
        type: 'BYTE_ARRAY',
        repetition_type,
        converted_type: 'UTF8',
        logical_type: { type: 'STRING' },
      };
    case 'double':
      return { name: spec.column, type: 'DOUBLE', repetition_type };
    case 'int32':
      return { name: spec.column, type: 'INT32', repetition_type };
    case 'int64':
      return { name: spec.column, type: 'INT64', repetition_type };
    default:
      return assertNever(spec.kind);
  }
}

/** The full Parquet schema (root + columns) of a lake schema. */
export function parquetSchema(schema: LakeSchema): SchemaElement[] {
  return [{ name: 'root', num_children: schema.columns.length }, ...schema.columns.map(element)];
}

/**
 * Encodes rows (already in offset order) as one snappy Parquet file: the row
 * path (tests, and the same file as `encodeBatch` of the same rows).
 */
export function encodeParquet(schema: LakeSchema, rows: readonly LakeRow[], options: EncodeOptions = {}): Uint8Array {
  const n = rows.length;
  const numbers: (Float64Array | undefined)[] = [];
  const strings: ((string | null)[] | undefined)[] = [];
  for (const spec of schema.columns) {
    const name = spec.column;
    if (spec.kind === 'string') {
      numbers.push(undefined);
      strings.push(rows.map((r) => (r[name] ?? null) as string | null));
    } else {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = rows[i]![name];
        a[i] = v === null || v === undefined ? NaN : (v as number);
      }
      numbers.push(a);
      strings.push(undefined);
    }
  }
  return (
    encodeLakeFile(schema, { length: n, numbers, strings }, lakeFileOptions(schema, options)) ??
    encodeParquetWithHyparquetWriter(schema, rows, options)
  );
}

/** Encodes a day's columnar buffer (column-batch.ts); the same file as `encodeParquet` of its rows. */
export function encodeBatch(batch: ColumnBatch, options: EncodeOptions = {}): Uint8Array {
  return (
    encodeLakeFile(batch.schema, batch.lakeColumns(), lakeFileOptions(batch.schema, options)) ??
    encodeColumns(batch.schema, columnDataOf(batch.schema, batch.lakeColumns()), options)
  );
}

/** The file-level settings parquet-encoder.ts writes with (tests use them to call it directly). */
export function lakeFileOptions(schema: LakeSchema, options: EncodeOptions = {}): LakeFileOptions {
  return {
    rowGroupSize: options.rowGroupSize ?? 100_000,
    kvMetadata: [{ key: 'gridlake.schema', value: `${schema.kind}.v${schema.version}` }],
    schema: parquetSchema(schema),
  };
}

/**
 * The same file written by hyparquet-writer alone (`parquetWriteBuffer`): the
 * reference the sink's encoder (parquet-encoder.ts) is tested against byte for
 * byte, and the path for what that encoder leaves to it.
 */
export function encodeParquetWithHyparquetWriter(
  schema: LakeSchema,
  rows: readonly LakeRow[],
  options: EncodeOptions = {},
): Uint8Array {
  const n = rows.length;
  const data = schema.columns.map((spec): ColumnSource['data'] => {
    const name = spec.column;
    if (spec.kind === 'int64' && !spec.nullable) {
      const a = new BigInt64Array(n);
      for (let i = 0; i < n; i++) a[i] = BigInt(rows[i]![name] as number);
      return a;
    } else if (spec.kind === 'int32' && !spec.nullable) {
      const a = new Int32Array(n);
      for (let i = 0; i < n; i++) a[i] = rows[i]![name] as number;
      return a;
    } else if (spec.kind === 'double' && !spec.nullable) {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = rows[i]![name] as number;
      return a;
    }
    const a = new Array<string | number | null>(n);
    for (let i = 0; i < n; i++) a[i] = rows[i]![name] ?? null;
    return a;
  });
  return encodeColumns(schema, data, options);
}

/** LakeColumns as the arrays hyparquet-writer takes (the same types as the row path builds). */
function columnDataOf(schema: LakeSchema, columns: LakeColumns): ColumnSource['data'][] {
  const n = columns.length;
  return schema.columns.map((spec, i) => {
    const num = columns.numbers[i];
    if (num === undefined) return columns.strings[i]!.slice(0, n) as (string | null)[];
    if (spec.kind === 'int64' && !spec.nullable) {
      const a = new BigInt64Array(n);
      for (let r = 0; r < n; r++) a[r] = BigInt(num[r]!);
      return a;
    }
    if (spec.kind === 'int32' && !spec.nullable) return Int32Array.from(num.subarray(0, n));
    if (spec.kind === 'double' && !spec.nullable) return num.slice(0, n);
    const a = new Array<number | null>(n);
    for (let r = 0; r < n; r++) {
      const v = num[r]!;
      a[r] = Number.isNaN(v) ? null : v;
    }
    return a;
  });
}

/** Writes column arrays (one per schema column, same length) as one snappy Parquet file. */
function encodeColumns(schema: LakeSchema, data: ColumnSource['data'][], options: EncodeOptions): Uint8Array {
  const columnData: ColumnSource[] = schema.columns.map((spec, i) => {
    // Offsets and instants grow steadily: delta encoding makes them small.
    const delta = spec.kind === 'timestamp' || spec.column === 'kafka_offset';
    return { name: spec.column, data: data[i]!, ...(delta ? { encoding: 'DELTA_BINARY_PACKED' as const } : {}) };
  });
  const buf = parquetWriteBuffer({
    columnData,
    schema: parquetSchema(schema),
    codec: 'SNAPPY',
    rowGroupSize: options.rowGroupSize ?? 100_000,
    kvMetadata: [{ key: 'gridlake.schema', value: `${schema.kind}.v${schema.version}` }],
  });
  return new Uint8Array(buf);
}

/** Decodes a lake file back into rows (timestamps as epoch ms, INT64 as number). */
export async function decodeParquet(schema: LakeSchema, file: Uint8Array): Promise<LakeRow[]> {
  const buffer = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
  const objects = (await parquetReadObjects({ file: buffer })) as Record<string, unknown>[];
  return objects.map((o) => {
    const row: LakeRow = {};
    for (const spec of schema.columns) {
      const v = o[spec.column];
      row[spec.column] =
        v === null || v === undefined
          ? null
          : v instanceof Date
            ? v.getTime()
            : typeof v === 'bigint'
              ? Number(v)
              : (v as string | number);
    }
    return row;
  });
}

/** Row count and row-group sizes from the footer, without decoding data. */
export function parquetShape(file: Uint8Array): { rows: number; rowGroups: number[]; schema: SchemaElement[] } {
  const buffer = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
  const md = parquetMetadata(buffer);
  return { rows: Number(md.num_rows), rowGroups: md.row_groups.map((g) => Number(g.num_rows)), schema: md.schema };
}
