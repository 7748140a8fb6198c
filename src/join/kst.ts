import { glError } from '../errors.js';

/**
 * KST calendar arithmetic (UTC+9, no daylight saving). The join works in
 * epoch milliseconds and converts to KST dates, hours and ISO strings here only.
 */

/** KST is UTC+9 all year. */
export const KST_OFFSET_MS = 9 * 3_600_000;
/** Unit sizes of the day grid: hours and 5-minute power slots. */
export const HOUR_MS = 3_600_000;
export const SLOT_MS = 5 * 60_000;
export const HOURS_PER_DAY = 24;
export const SLOTS_PER_DAY = 288;

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

/** The KST date (`YYYY-MM-DD`) of an instant. */
export function kstDateOf(instant: number): string {
  return new Date(instant + KST_OFFSET_MS).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD` shifted by whole days. */
export function addDays(date: string, days: number): string {
  const { year, month, day } = parseKstDate(date);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** An instant as ISO-8601 in KST, e.g. `2025-11-22T03:00:00+09:00`. */
export function kstIso(instant: number): string {
  return `${new Date(instant + KST_OFFSET_MS).toISOString().slice(0, 19)}+09:00`;
}

/** The Hive partition path segment of a date: `year=YYYY/month=MM/day=DD`. */
export function partitionPath(date: string): string {
  parseKstDate(date);
  return `year=${date.slice(0, 4)}/month=${date.slice(5, 7)}/day=${date.slice(8, 10)}`;
}
