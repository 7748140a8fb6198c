import { fromKstFields, kstFields } from '../../kst.js';

/** The KPX and KMA APIs' fixed-width KST date/time strings, parsed into and formatted from instants. */

const pad = (n: number): string => String(n).padStart(2, '0');

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
