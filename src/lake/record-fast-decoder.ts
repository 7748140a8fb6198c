import { FlatJsonScanner, Tag } from './flat-json-scanner.js';
import { isoMillis } from './iso-instant.js';
import type { ColumnKind, LakeSchema } from './lake-schemas.js';
import type { Rejection } from './record-decoder.js';

/**
 * The sink's hot decode path: the same checks and rejection reasons as
 * `decodeRecord` (record-decoder.ts, the reference), but it writes the values
 * into a reused slot array (one slot per Parquet column, in schema order)
 * instead of building a row object and a result object per record. The usual
 * value is read in place by FlatJsonScanner (no string, no object; a string
 * equal to the previous record's is reused, and a timestamp is parsed only when
 * it differs); anything unusual goes through JSON.parse.
 * Proven equal to the reference by test/unit/lake/record-fast-decoder.test.ts.
 */
export type ColumnValues = (string | number | null)[];

/** Decodes one value into `out`; returns why not, or undefined when `out` holds a full row. */
export type FastDecode = (value: Buffer, partition: number, offset: number, out: ColumnValues) => Rejection | undefined;

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

const enum Kind {
  Timestamp,
  String,
  Double,
  KmaDouble,
  Int32,
  Int64,
}

interface Field {
  readonly slot: number;
  readonly json: string;
  readonly kind: Kind;
  readonly nullable: boolean;
  readonly requiredReason: string;
  readonly typeReason: string;
  readonly instantReason: string;
}

function kindOf(kind: ColumnKind, kma: boolean): Kind {
  switch (kind) {
    case 'timestamp':
      return Kind.Timestamp;
    case 'string':
      return Kind.String;
    case 'double':
      return kma ? Kind.KmaDouble : Kind.Double;
    case 'int32':
      return Kind.Int32;
    case 'int64':
      return Kind.Int64;
  }
}

function typeReason(kind: Kind, json: string): string {
  switch (kind) {
    case Kind.Timestamp:
      return `${json} is not an ISO-8601 instant with offset`;
    case Kind.String:
      return `${json} is not a string`;
    case Kind.Double:
    case Kind.KmaDouble:
      return `${json} is not a finite number`;
    case Kind.Int32:
    case Kind.Int64:
      return `${json} is not an integer`;
  }
}

/** Builds the decoder of a schema once; the returned function keeps per-column timestamp memos. */
export function compileDecoder(schema: LakeSchema): FastDecode {
  const fields: Field[] = [];
  let partitionSlot = -1;
  let offsetSlot = -1;
  schema.columns.forEach((col, slot) => {
    if (col.json === undefined) {
      if (col.column === 'kafka_partition') partitionSlot = slot;
      else if (col.column === 'kafka_offset') offsetSlot = slot;
      return;
    }
    const kind = kindOf(col.kind, col.kmaMissingMarks === true);
    fields.push({
      slot,
      json: col.json,
      kind,
      nullable: col.nullable,
      requiredReason: `${col.json} is required`,
      typeReason: typeReason(kind, col.json),
      instantReason: `${col.json} is not a valid instant`,
    });
  });
  const lastRaw: (string | undefined)[] = fields.map(() => undefined);
  const lastMs: number[] = fields.map(() => 0);
  const version = schema.version;

  /** Validates one field's raw value into its slot, exactly as the reference does. */
  const check = (i: number, raw: unknown, out: ColumnValues): Rejection | undefined => {
    const f = fields[i]!;
    if (raw === null || raw === undefined) {
      if (!f.nullable) return { stage: 'validate', reason: f.requiredReason };
      out[f.slot] = null;
      return undefined;
    }
    switch (f.kind) {
      case Kind.Timestamp: {
        if (typeof raw !== 'string') return { stage: 'validate', reason: f.typeReason };
        if (raw === lastRaw[i]) {
          out[f.slot] = lastMs[i]!;
          break;
        }
        if (!ISO_WITH_OFFSET.test(raw)) return { stage: 'validate', reason: f.typeReason };
        const ms = Date.parse(raw);
        if (!Number.isFinite(ms)) return { stage: 'validate', reason: f.instantReason };
        lastRaw[i] = raw;
        lastMs[i] = ms;
        out[f.slot] = ms;
        break;
      }
      case Kind.String:
        if (typeof raw !== 'string') return { stage: 'validate', reason: f.typeReason };
        out[f.slot] = raw;
        break;
      case Kind.Double:
        if (typeof raw !== 'number' || !Number.isFinite(raw)) return { stage: 'validate', reason: f.typeReason };
        out[f.slot] = raw;
        break;
      case Kind.KmaDouble:
        if (typeof raw !== 'number' || !Number.isFinite(raw)) return { stage: 'validate', reason: f.typeReason };
        out[f.slot] = raw >= 900 || raw <= -900 ? null : raw;
        break;
      case Kind.Int32:
        if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < INT32_MIN || raw > INT32_MAX)
          return { stage: 'validate', reason: f.typeReason };
        out[f.slot] = raw;
        break;
      case Kind.Int64:
        if (typeof raw !== 'number' || !Number.isInteger(raw)) return { stage: 'validate', reason: f.typeReason };
        out[f.slot] = raw;
        break;
    }
    return undefined;
  };

  // Key 0 is `v`, key i + 1 is fields[i].
  const scanner = new FlatJsonScanner(['v', ...fields.map((f) => f.json)]);
  const lastString: (string | undefined)[] = fields.map(() => undefined);

  /** The scanned raw value of field i, reusing strings equal to the previous record's; undefined slot = done. */
  const fromScan = (value: Buffer, i: number, out: ColumnValues): Rejection | undefined => {
    const k = i + 1;
    switch (scanner.tags[k]) {
      case Tag.Missing:
        return check(i, undefined, out);
      case Tag.Null:
        return check(i, null, out);
      case Tag.Number:
        return check(i, scanner.nums[k], out);
      default: {
        const f = fields[i]!;
        if (f.kind === Kind.String) return check(i, (lastString[i] = scanner.string(value, k, lastString[i])), out);
        if (f.kind === Kind.Timestamp) {
          const last = lastRaw[i];
          if (last !== undefined && scanner.equals(value, k, last)) {
            out[f.slot] = lastMs[i]!;
            return undefined;
          }
          const raw = scanner.string(value, k, undefined);
          const ms = isoMillis(value, scanner.starts[k]!, scanner.ends[k]!);
          if (Number.isNaN(ms)) return check(i, raw, out);
          lastRaw[i] = raw;
          lastMs[i] = ms;
          out[f.slot] = ms;
          return undefined;
        }
        // A string where a number belongs: its content does not matter for the rejection.
        return check(i, '', out);
      }
    }
  };

  return (value, partition, offset, out) => {
    if (scanner.scan(value) && scanner.tags[0] === Tag.Number && scanner.nums[0] === version) {
      for (let i = 0; i < fields.length; i++) {
        const rejection = fromScan(value, i, out);
        if (rejection !== undefined) return rejection;
      }
    } else {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value.toString('utf8'));
      } catch (err) {
        return { stage: 'parse', reason: `value is not JSON: ${(err as Error).message}` };
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        return { stage: 'parse', reason: 'value is not a JSON object' };
      const obj = parsed as Record<string, unknown>;
      if (obj['v'] !== version)
        return { stage: 'validate', reason: `unsupported schema version ${JSON.stringify(obj['v'])}` };
      for (let i = 0; i < fields.length; i++) {
        const rejection = check(i, obj[fields[i]!.json], out);
        if (rejection !== undefined) return rejection;
      }
    }
    if (partitionSlot >= 0) out[partitionSlot] = partition;
    if (offsetSlot >= 0) out[offsetSlot] = offset;
    return undefined;
  };
}
