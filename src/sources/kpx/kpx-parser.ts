import { bodyItems, classifyEnvelope, countField } from '../common/classify.js';
import { SLOT_MS, isoKst, isoUtc } from '../../kst.js';
import { parseKpxDatetime } from '../common/wire-time.js';
import type { Failure } from '../common/outcome.js';
import { numberField, textField } from '../common/values.js';
import type { PowerReading } from './power-reading.js';

/** A reading parsed from one KPX row, with the facts the planner needs. */
export interface KpxRow {
  readonly reading: PowerReading;
  /** Base time as an instant (ms). */
  readonly baseMs: number;
  /** Row number on gateway operations (history position), null on legacy. */
  readonly rn: number | null;
}

/** A row that did not fit its types: goes to the dead letter with the raw text. */
export interface KpxReject {
  readonly reason: string;
  readonly raw: string;
}

/** The parse of one KPX answer. */
export type KpxAnswer =
  | {
      readonly outcome: 'ok';
      readonly rows: readonly KpxRow[];
      readonly rejects: readonly KpxReject[];
      readonly totalCount: number | null;
    }
  | (Failure & { readonly totalCount?: number | null });

/** Context stamped on every reading. */
export interface KpxParseContext {
  /** `namespace/name` of the PowerSource. */
  readonly source: string;
  /** When the answer was received (ms). */
  readonly ingestedAt: number;
}

/**
 * Parses a KPX answer (latest, history or legacy; JSON or XML) into readings.
 * Never throws: every input ends in an outcome. Rows that do not fit their
 * types are rejected one by one; an answer whose rows are all rejected is
 * `malformed`.
 */
export function parseKpxAnswer(status: number, text: string, ctx: KpxParseContext): KpxAnswer {
  const env = classifyEnvelope(status, text);
  if (!env.ok) return env.failure;
  const items = bodyItems(env.body);
  const totalCount = countField(env.body, 'totalCount');
  if (items === null) return { outcome: 'malformed', code: null, reason: '`items` has an unexpected shape' };
  if (items.length === 0) return { outcome: 'no_data', code: '00', reason: 'no rows (items empty)', totalCount };
  const rows: KpxRow[] = [];
  const rejects: KpxReject[] = [];
  for (const item of items) {
    const row = parseKpxRow(item, ctx);
    if (typeof row === 'string') rejects.push({ reason: row, raw: JSON.stringify(item) });
    else rows.push(row);
  }
  if (rows.length === 0) {
    return { outcome: 'malformed', code: null, reason: rejects.map((r) => r.reason).join('; '), totalCount };
  }
  return { outcome: 'ok', rows, rejects, totalCount };
}

/** Parses one row; a string is the reason it does not fit. */
export function parseKpxRow(item: Record<string, unknown>, ctx: KpxParseContext): KpxRow | string {
  const raw = textField(item['baseDatetime']);
  if (raw === null) return 'baseDatetime missing';
  const baseMs = parseKpxDatetime(raw);
  if (baseMs === null) return `baseDatetime ${JSON.stringify(raw)} is not yyyyMMddHHmmss`;
  if (baseMs % SLOT_MS !== 0) return `baseDatetime ${raw} is not on a 5-minute boundary`;
  const fields = {
    suppAbility: numberField(item['suppAbility']),
    currPwrTot: numberField(item['currPwrTot']),
    forecastLoad: numberField(item['forecastLoad']),
    suppReservePwr: numberField(item['suppReservePwr']),
    suppReserveRate: numberField(item['suppReserveRate']),
    operReservePwr: numberField(item['operReservePwr']),
    operReserveRate: numberField(item['operReserveRate']),
    rn: numberField(item['rn']),
  };
  for (const [name, f] of Object.entries(fields)) {
    if (!f.ok) return `${name} ${JSON.stringify(item[name])} is not a number`;
  }
  const v = (name: keyof typeof fields): number | null => {
    const f = fields[name];
    return f.ok ? f.value : null;
  };
  const capacity = v('suppAbility');
  const demand = v('currPwrTot');
  if (capacity === null) return 'suppAbility missing';
  if (demand === null) return 'currPwrTot missing';
  const rn = v('rn');
  if (rn !== null && (!Number.isInteger(rn) || rn < 1)) return `rn ${rn} is not a row number`;
  const forecast = v('forecastLoad');
  const reading: PowerReading = {
    v: 1,
    source: ctx.source,
    baseTime: isoKst(baseMs),
    baseDatetimeRaw: raw,
    supplyCapacityMw: capacity,
    currentDemandMw: demand,
    // History pages send 0.0 for "unknown"; a real forecast peak is never 0 MW.
    forecastPeakMw: forecast === 0 ? null : forecast,
    supplyReserveMw: v('suppReservePwr'),
    supplyReservePct: v('suppReserveRate'),
    operatingReserveMw: v('operReservePwr'),
    operatingReservePct: v('operReserveRate'),
    ingestedAt: isoUtc(ctx.ingestedAt),
  };
  return { reading, baseMs, rn };
}
