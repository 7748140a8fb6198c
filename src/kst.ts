import { glError } from './errors.js';

/**
 * KST (UTC+9 all year, no daylight saving) calendar math shared by the
 * collectors, the lake and the join: instants are epoch milliseconds, KST
 * dates are `YYYY-MM-DD` strings, and conversions between them happen here.
 */
export const KST_OFFSET_MS = 9 * 3_600_000;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** A 5-minute power slot. */
export const SLOT_MS = 5 * MINUTE_MS;
export const HOURS_PER_DAY = 24;
export const SLOTS_PER_DAY = 288;

/** KST wall-clock fields of an instant. */
export interface KstFields {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** Breaks an instant into KST wall-clock fields. */
export function kstFields(ms: number): KstFields {
  const d = new Date(ms + KST_OFFSET_MS);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

/** The instant of KST wall-clock fields, or null when they are not a real date/time. */
export function fromKstFields(f: KstFields): number | null {
  const utc = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  const back = new Date(utc);
  if (
    back.getUTCFullYear() !== f.year ||
    back.getUTCMonth() + 1 !== f.month ||
    back.getUTCDate() !== f.day ||
    back.getUTCHours() !== f.hour ||
    back.getUTCMinutes() !== f.minute ||
    back.getUTCSeconds() !== f.second
  ) {
    return null;
  }
  return utc - KST_OFFSET_MS;
}

/** The KST date (`YYYY-MM-DD`) an instant falls in: budget day, partition and logical date. */
export function kstDay(ms: number): string {
  return new Date(ms + KST_OFFSET_MS).toISOString().slice(0, 10);
}

/** ISO-8601 with the KST offset, e.g. `2025-11-22T22:25:00+09:00`. */
export function isoKst(ms: number): string {
  return `${new Date(ms + KST_OFFSET_MS).toISOString().slice(0, 19)}+09:00`;
}

/** ISO-8601 UTC instant (status timestamps). */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}

/** The instant of the next 00:00 KST strictly after `ms`. */
export function nextKstMidnight(ms: number): number {
  const local = ms + KST_OFFSET_MS;
  return Math.floor(local / DAY_MS) * DAY_MS + DAY_MS - KST_OFFSET_MS;
}

/** Start of the 5-minute slot holding `ms` (KST offset is whole hours, so UTC alignment matches). */
export function floorSlot(ms: number): number {
  return Math.floor(ms / SLOT_MS) * SLOT_MS;
}

/** Start of the hour holding `ms`. */
export function floorHour(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses `YYYY-MM-DD` (a KST calendar date); throws GL_JOIN_DATE_INVALID on anything else. */
export function parseKstDate(date: string): { readonly year: number; readonly month: number; readonly day: number } {
  const m = DATE_RE.exec(date);
  if (m === null) throw glError('GL_JOIN_DATE_INVALID', `not a YYYY-MM-DD date: ${date}`, { context: { date } });
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    throw glError('GL_JOIN_DATE_INVALID', `no such calendar date: ${date}`, { context: { date } });
  }
  return { year, month, day };
}

/** Instant of 00:00 KST on the date. */
export function kstDayStart(date: string): number {
  const { year, month, day } = parseKstDate(date);
  return Date.UTC(year, month - 1, day) - KST_OFFSET_MS;
}

/** `YYYY-MM-DD` shifted by whole days. */
export function addDays(date: string, days: number): string {
  const { year, month, day } = parseKstDate(date);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** The Hive partition path of a KST date, shared by the raw zone and the warehouse: `year=YYYY/month=MM/day=DD`. */
export function partitionPath(date: string): string {
  parseKstDate(date);
  return `year=${date.slice(0, 4)}/month=${date.slice(5, 7)}/day=${date.slice(8, 10)}`;
}
