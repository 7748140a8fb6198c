import { assertNever } from '../errors.js';
import { FlatJsonScanner, Tag } from './flat-json-scanner.js';
import { isoMillis } from './iso-instant.js';
import type { ColumnKind, LakeSchema } from './lake-schemas.js';
import type { Rejection } from './record-decoder.js';

/**
 * The sink's hot decode path: the same checks and rejection reasons as
 * `decodeRecord` (record-decoder.ts, the reference), but it writes the values
 * into a reused DecodedRow (one slot per Parquet column, in schema order)
 * instead of building a row object and a result object per record. The usual
 * value is read in place by FlatJsonScanner (no string, no object; numbers go
 * into a Float64Array, so not even a boxed number; a string seen recently is
 * reused from a small per-field cache, and a timestamp is parsed only when its
 * bytes differ from the previous record's); anything unusual goes through JSON.parse.
 * Proven equal to the reference by test/unit/lake/record-fast-decoder.test.ts.
 */
export class DecodedRow {
  /** number-like columns (instants as epoch ms); NaN is null (the decoder accepts finite numbers only) */
  readonly nums: Float64Array;
  /** string columns */
  readonly strs: (string | null)[];

  constructor(readonly schema: LakeSchema) {
    this.nums = new Float64Array(schema.columns.length).fill(NaN);
    this.strs = schema.columns.map(() => null);
  }

  /** The value of column `i` as the row path has it (tests). */
  value(i: number): string | number | null {
    if (this.schema.columns[i]!.kind === 'string') return this.strs[i] ?? null;
    const v = this.nums[i]!;
    return Number.isNaN(v) ? null : v;
  }
}

/** Decodes one value into `out`; returns why not, or undefined when `out` holds a full row. */
export type FastDecode = (value: Buffer, partition: number, offset: number, out: DecodedRow) => Rejection | undefined;

/** Entries per string field in the recent-strings cache (a power of two). */
const STRING_CACHE = 64;
/** Longest timestamp text whose bytes are remembered for the repeat check. */
const MAX_INSTANT_BYTES = 64;

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
    default:
      return assertNever(kind);
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
    default:
      return assertNever(kind);
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
  // A timestamp field's previous value: its text (JSON.parse path) or its bytes and their length (scan path,
  // -1: none), and its epoch ms. Each path clears the other's key when it sets the value.
  const lastRaw: (string | undefined)[] = fields.map(() => undefined);
  const instantBytes = fields.map(() => new Uint8Array(MAX_INSTANT_BYTES));
  const instantLength = new Int32Array(fields.length).fill(-1);
  const lastMs: number[] = fields.map(() => 0);
  const version = schema.version;

  /** Validates one field's raw value (from JSON.parse) into its slot, exactly as the reference does. */
  const check = (i: number, raw: unknown, out: DecodedRow): Rejection | undefined => {
    const f = fields[i]!;
    if (raw === null || raw === undefined) {
      if (!f.nullable) return { stage: 'validate', reason: f.requiredReason };
      if (f.kind === Kind.String) out.strs[f.slot] = null;
      else out.nums[f.slot] = NaN;
      return undefined;
    }
    switch (f.kind) {
      case Kind.Timestamp: {
        if (typeof raw !== 'string') return { stage: 'validate', reason: f.typeReason };
        if (raw === lastRaw[i]) {
          out.nums[f.slot] = lastMs[i]!;
          break;
        }
        if (!ISO_WITH_OFFSET.test(raw)) return { stage: 'validate', reason: f.typeReason };
        const ms = Date.parse(raw);
        if (!Number.isFinite(ms)) return { stage: 'validate', reason: f.instantReason };
        lastRaw[i] = raw;
        instantLength[i] = -1;
        lastMs[i] = ms;
        out.nums[f.slot] = ms;
        break;
      }
      case Kind.String:
        if (typeof raw !== 'string') return { stage: 'validate', reason: f.typeReason };
        out.strs[f.slot] = raw;
        break;
      case Kind.Double:
        if (typeof raw !== 'number' || !Number.isFinite(raw)) return { stage: 'validate', reason: f.typeReason };
        out.nums[f.slot] = raw;
        break;
      case Kind.KmaDouble:
        if (typeof raw !== 'number' || !Number.isFinite(raw)) return { stage: 'validate', reason: f.typeReason };
        out.nums[f.slot] = raw >= 900 || raw <= -900 ? NaN : raw;
        break;
      case Kind.Int32:
        if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < INT32_MIN || raw > INT32_MAX)
          return { stage: 'validate', reason: f.typeReason };
        out.nums[f.slot] = raw;
        break;
      case Kind.Int64:
        if (typeof raw !== 'number' || !Number.isInteger(raw)) return { stage: 'validate', reason: f.typeReason };
        out.nums[f.slot] = raw;
        break;
      default:
        return assertNever(f.kind);
    }
    return undefined;
  };

  // Key 0 is `v`, key i + 1 is fields[i].
  const scanner = new FlatJsonScanner(['v', ...fields.map((f) => f.json)]);
  const strings = fields.map((f) => (f.kind === Kind.String ? new RecentStrings() : undefined));

  const tags = scanner.tags;
  const nums = scanner.nums;
  const starts = scanner.starts;
  const ends = scanner.ends;
  const kinds = Int32Array.from(fields, (f) => f.kind);
  const slots = Int32Array.from(fields, (f) => f.slot);
  const nullable = Uint8Array.from(fields, (f) => (f.nullable ? 1 : 0));

  /** The scanned fields into their slots, as `check` would take the parsed values. */
  const fromScan = (value: Buffer, out: DecodedRow): Rejection | undefined => {
    const outNums = out.nums;
    for (let i = 0; i < kinds.length; i++) {
      const k = i + 1;
      const kind = kinds[i]!;
      const slot = slots[i]!;
      const tag = tags[k];
      if (tag === Tag.Number) {
        const raw = nums[k]!;
        if (kind === Kind.Double) outNums[slot] = raw;
        else if (kind === Kind.KmaDouble) outNums[slot] = raw >= 900 || raw <= -900 ? NaN : raw;
        else if (kind === Kind.Int32 && Number.isInteger(raw) && raw >= INT32_MIN && raw <= INT32_MAX)
          outNums[slot] = raw;
        else {
          // other integers and out-of-range ones, and a number where a string belongs
          const rejection = check(i, raw, out);
          if (rejection !== undefined) return rejection;
        }
        continue;
      }
      if (tag === Tag.Null && nullable[i] === 1 && kind !== Kind.String) {
        outNums[slot] = NaN;
        continue;
      }
      if (tag !== Tag.String) {
        const rejection = check(i, tag === Tag.Null ? null : undefined, out);
        if (rejection !== undefined) return rejection;
        continue;
      }
      const start = starts[k]!;
      const end = ends[k]!;
      if (kind === Kind.String) {
        out.strs[slot] = strings[i]!.get(value, start, end);
        continue;
      }
      if (kind !== Kind.Timestamp) return check(i, '', out); // a string where a number belongs
      const len = end - start;
      const memo = instantBytes[i]!;
      if (len === instantLength[i]) {
        let j = 0;
        while (j < len && memo[j] === value[start + j]) j++;
        if (j === len) {
          outNums[slot] = lastMs[i]!;
          continue;
        }
      }
      const ms = isoMillis(value, start, end);
      if (Number.isNaN(ms)) {
        const rejection = check(i, value.toString('latin1', start, end), out);
        if (rejection !== undefined) return rejection;
        continue;
      }
      if (len <= MAX_INSTANT_BYTES) {
        for (let j = 0; j < len; j++) memo[j] = value[start + j]!;
        instantLength[i] = len;
      } else instantLength[i] = -1;
      lastRaw[i] = undefined;
      lastMs[i] = ms;
      outNums[slot] = ms;
    }
    return undefined;
  };

  return (value, partition, offset, out) => {
    if (scanner.scan(value) && tags[0] === Tag.Number && nums[0] === version) {
      const rejection = fromScan(value, out);
      if (rejection !== undefined) return rejection;
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
    if (partitionSlot >= 0) out.nums[partitionSlot] = partition;
    if (offsetSlot >= 0) out.nums[offsetSlot] = offset;
    return undefined;
  };
}

/**
 * The strings of one field seen recently, found by their bytes: a record's
 * string equal to a recent one is that same string (no new string, and the
 * encoder's dictionary finds it by identity). A small direct-mapped cache:
 * a field with many distinct values just keeps replacing entries.
 * Only for the scanner's strings (printable ASCII), so a byte is a character.
 */
class RecentStrings {
  private readonly entries: (string | undefined)[] = new Array<string | undefined>(STRING_CACHE).fill(undefined);
  private last: string | undefined;

  get(buf: Buffer, start: number, end: number): string {
    const len = end - start;
    const last = this.last;
    if (last !== undefined && sameText(buf, start, len, last)) return last;
    let h = len;
    for (let j = start; j < end; j++) h = (Math.imul(h, 31) + buf[j]!) | 0;
    const at = (h ^ (h >>> 7)) & (STRING_CACHE - 1);
    let s = this.entries[at];
    if (s === undefined || !sameText(buf, start, len, s)) {
      s = buf.toString('latin1', start, end);
      this.entries[at] = s;
    }
    this.last = s;
    return s;
  }
}

function sameText(buf: Buffer, start: number, len: number, s: string): boolean {
  if (s.length !== len) return false;
  for (let j = 0; j < len; j++) if (buf[start + j] !== s.charCodeAt(j)) return false;
  return true;
}
