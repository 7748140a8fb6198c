/** Field coercion shared by the parsers: JSON numbers, XML text, numeric strings. */

/** Result of reading one numeric field. */
export type NumberField = { readonly ok: true; readonly value: number | null } | { readonly ok: false };

/**
 * A number sent as a JSON number or numeric text. Absent, null and empty text
 * are `null`; anything else that is not a finite number does not fit the type.
 */
export function numberField(v: unknown): NumberField {
  if (v === undefined || v === null) return { ok: true, value: null };
  if (typeof v === 'number') return Number.isFinite(v) ? { ok: true, value: v } : { ok: false };
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === '') return { ok: true, value: null };
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return { ok: false };
    const n = Number(t);
    return Number.isFinite(n) ? { ok: true, value: n } : { ok: false };
  }
  return { ok: false };
}

/** A string field (numbers are accepted as their decimal text). */
export function textField(v: unknown): string | null {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** An integer field sent as a number or text. */
export function intField(v: unknown): number | null {
  const t = textField(v);
  if (t === null || !/^-?\d+$/.test(t)) return null;
  return Number(t);
}
