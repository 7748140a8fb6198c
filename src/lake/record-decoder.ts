import { assertNever } from '../errors.js';
import type { BusRecord } from '../bus/bus.js';
import type { LakeRow, LakeSchema } from './lake-schemas.js';

/** Why a record cannot become a row; `stage` follows the DeadLetter contract. */
export interface Rejection {
  readonly stage: 'parse' | 'validate';
  readonly reason: string;
}

export type DecodeResult =
  { readonly ok: true; readonly row: LakeRow } | { readonly ok: false; readonly rejection: Rejection };

/** ISO-8601 with an explicit offset or Z, e.g. 2025-11-22T22:25:00+09:00. */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Turns a bus record into a lake row, or says precisely why not. */
export function decodeRecord(schema: LakeSchema, record: BusRecord): DecodeResult {
  let value: unknown;
  try {
    value = JSON.parse(record.value.toString('utf8'));
  } catch (err) {
    return reject('parse', `value is not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return reject('parse', 'value is not a JSON object');
  const obj = value as Record<string, unknown>;
  if (obj['v'] !== schema.version) return reject('validate', `unsupported schema version ${JSON.stringify(obj['v'])}`);
  const row: LakeRow = {};
  for (const col of schema.columns) {
    if (col.json === undefined) continue;
    const raw = obj[col.json];
    if (raw === null || raw === undefined) {
      if (!col.nullable) return reject('validate', `${col.json} is required`);
      row[col.column] = null;
      continue;
    }
    switch (col.kind) {
      case 'timestamp': {
        if (typeof raw !== 'string' || !ISO_WITH_OFFSET.test(raw))
          return reject('validate', `${col.json} is not an ISO-8601 instant with offset`);
        const ms = Date.parse(raw);
        if (!Number.isFinite(ms)) return reject('validate', `${col.json} is not a valid instant`);
        row[col.column] = ms;
        break;
      }
      case 'string':
        if (typeof raw !== 'string') return reject('validate', `${col.json} is not a string`);
        row[col.column] = raw;
        break;
      case 'double':
        if (typeof raw !== 'number' || !Number.isFinite(raw))
          return reject('validate', `${col.json} is not a finite number`);
        row[col.column] = col.kmaMissingMarks && (raw >= 900 || raw <= -900) ? null : raw;
        break;
      case 'int32':
      case 'int64':
        if (
          typeof raw !== 'number' ||
          !Number.isInteger(raw) ||
          (col.kind === 'int32' && (raw < INT32_MIN || raw > INT32_MAX))
        )
          return reject('validate', `${col.json} is not an integer`);
        row[col.column] = raw;
        break;
      default:
        return assertNever(col.kind);
    }
  }
  row['kafka_partition'] = record.partition;
  row['kafka_offset'] = record.offset;
  return { ok: true, row };
}

function reject(stage: Rejection['stage'], reason: string): DecodeResult {
  return { ok: false, rejection: { stage, reason } };
}
