/**
 * KST (UTC+9, no daylight saving) helpers. Both APIs speak KST in fixed-width
 * strings; they are parsed once here into instants (ms since epoch).
 */
export const KST_OFFSET_MS = 9 * 3_600_000;
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
export const SLOT_MS = 5 * MINUTE_MS;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

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

/** Parses KPX `yyyyMMddHHmmss` (KST); null if the text is not exactly that. */
export function parseKpxDatetime(text: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (m === null) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return fromKstFields({ year: y, month: mo, day: d, hour: h, minute: mi, second: s });
}

/** Parses KMA `yyyyMMdd` + `HHmm` (KST); null if either is malformed. */
export function parseKmaDateTime(date: string, time: string): number | null {
  const dm = /^(\d{4})(\d{2})(\d{2})$/.exec(date);
  const tm = /^(\d{2})(\d{2})$/.exec(time);
  if (dm === null || tm === null) return null;
  return fromKstFields({
    year: Number(dm[1]),
    month: Number(dm[2]),
    day: Number(dm[3]),
    hour: Number(tm[1]),
    minute: Number(tm[2]),
    second: 0,
  });
}

/** `yyyyMMddHHmmss` in KST. */
export function formatKpxDatetime(ms: number): string {
  const f = kstFields(ms);
  return `${f.year}${pad(f.month)}${pad(f.day)}${pad(f.hour)}${pad(f.minute)}${pad(f.second)}`;
}

/** `{ date: yyyyMMdd, time: HHmm }` in KST. */
export function formatKmaDateTime(ms: number): { date: string; time: string } {
  const f = kstFields(ms);
  return { date: `${f.year}${pad(f.month)}${pad(f.day)}`, time: `${pad(f.hour)}${pad(f.minute)}` };
}

/** ISO-8601 with the KST offset, e.g. `2025-11-22T22:25:00+09:00`. */
export function isoKst(ms: number): string {
  const f = kstFields(ms);
  return `${f.year}-${pad(f.month)}-${pad(f.day)}T${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}+09:00`;
}

/** ISO-8601 UTC instant. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}

/** The KST day an instant falls in, as `yyyy-MM-dd` (budget and partition key). */
export function kstDay(ms: number): string {
  const f = kstFields(ms);
  return `${f.year}-${pad(f.month)}-${pad(f.day)}`;
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
