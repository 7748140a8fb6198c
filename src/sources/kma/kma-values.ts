import { numberField } from '../common/values.js';

/** How an observation value was read. */
export type KmaValue =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'missing' } // ±900 marker, or empty
  | { readonly kind: 'categorical'; readonly value: number; readonly text: string }
  | { readonly kind: 'invalid'; readonly text: string };

/** KMA marks a missing value as ≥ +900 or ≤ −900 (docs/upstream-apis.md). */
export const MISSING_THRESHOLD = 900;

/**
 * Reads an `obsrValue`. RN1 also tolerates the forecast's text forms:
 * `강수없음` → 0, `1mm 미만` → 0.5, `30.0~50.0mm` → 30, `50.0mm 이상` → 50.
 */
export function readKmaValue(category: string, raw: unknown): KmaValue {
  const n = numberField(raw);
  if (n.ok) {
    if (n.value === null) return { kind: 'missing' };
    return Math.abs(n.value) >= MISSING_THRESHOLD ? { kind: 'missing' } : { kind: 'number', value: n.value };
  }
  // JSON, not String(): an object answer such as {"toString": []} makes String() throw.
  const text = typeof raw === 'string' ? raw.trim() : (JSON.stringify(raw) ?? 'undefined');
  if (category === 'RN1' || category === 'PCP') {
    const v = rainText(text);
    if (v !== null) return { kind: 'categorical', value: v, text };
  }
  return { kind: 'invalid', text };
}

function rainText(text: string): number | null {
  const t = text.replace(/\s+/g, '');
  if (t === '강수없음' || t === '-' || t === '0mm') return 0;
  if (/^1(\.0)?mm미만$/.test(t)) return 0.5;
  let m = /^(\d+(?:\.\d+)?)~(\d+(?:\.\d+)?)mm$/.exec(t);
  if (m) return Number(m[1]);
  m = /^(\d+(?:\.\d+)?)mm이상$/.exec(t);
  if (m) return Number(m[1]);
  m = /^(\d+(?:\.\d+)?)mm$/.exec(t);
  if (m) return Number(m[1]);
  return null;
}
