/**
 * A byte scanner for the one JSON shape the sink sees millions of times: a flat
 * object whose keys are all known, with ASCII strings without escapes, plain
 * decimal numbers and nulls. It reads the value's bytes in place (no string of
 * the whole value, no object per record). Anything else (escapes, non-ASCII,
 * exponents, more than 15 digits, booleans, nesting, unknown or repeated keys,
 * malformed input) makes `scan` return false and the caller falls back to
 * JSON.parse, so the accepted subset is exactly what JSON.parse reads the same.
 */
export const enum Tag {
  Missing = 0,
  Null = 1,
  Number = 2,
  String = 3,
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const N = 0x6e;
const U = 0x75;
const L = 0x6c;
/** 10^k for k ≤ 15: exact doubles, so m / 10^k (m < 2^53) is the correctly rounded value, as JSON.parse gives. */
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);
const MAX_DIGITS = 15;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Per byte inside a string: 0 printable ASCII, 1 the closing quote, 2 anything else (escape, control, non-ASCII). */
const STRING_BYTE = new Uint8Array(256).fill(2);
for (let c = 0x20; c <= 0x7e; c++) STRING_BYTE[c] = 0;
STRING_BYTE[QUOTE] = 1;
STRING_BYTE[BACKSLASH] = 2;

/** Index of the closing quote of a string starting at `i`: printable ASCII without escapes only, else -1. */
function stringEnd(buf: Uint8Array, i: number): number {
  const end = buf.length;
  let k = 2;
  while (i < end && (k = STRING_BYTE[buf[i]!]!) === 0) i++;
  return k === 1 && i < end ? i : -1;
}

export class FlatJsonScanner {
  /** per key: what the last scanned value held */
  readonly tags: Uint8Array;
  readonly nums: Float64Array;
  /** byte range of a string value, quotes excluded */
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  private readonly keys: Uint8Array[];
  /** key index seen at each position of the previous value: keys usually come in the same order */
  private readonly order: Int32Array;

  constructor(keys: readonly string[]) {
    this.keys = keys.map((k) => Buffer.from(k, 'latin1'));
    const n = keys.length;
    this.tags = new Uint8Array(n);
    this.nums = new Float64Array(n);
    this.starts = new Int32Array(n);
    this.ends = new Int32Array(n);
    this.order = new Int32Array(n + 1).fill(-1);
  }

  /** Reads `buf` into the per-key slots; false when it is outside the fast shape (use JSON.parse). */
  scan(buf: Uint8Array): boolean {
    const tags = this.tags;
    for (let k = 0; k < tags.length; k++) tags[k] = Tag.Missing;
    const end = buf.length;
    let i = 0;
    while (i < end && isSpace(buf[i]!)) i++;
    if (buf[i] !== OPEN) return false;
    i++;
    while (i < end && isSpace(buf[i]!)) i++;
    if (buf[i] === CLOSE) return this.tail(buf, i + 1);
    const order = this.order;
    const keys = this.keys;
    for (let position = 0; ; position++) {
      // key: usually the key that came at this position last time, checked in one pass
      if (buf[i] !== QUOTE) return false;
      const ks = i + 1;
      let k = position < order.length ? order[position]! : -1;
      if (k >= 0) {
        const key = keys[k]!;
        const len = key.length;
        if (buf[ks + len] === QUOTE) {
          for (let j = 0; j < len; j++)
            if (buf[ks + j] !== key[j]) {
              k = -1;
              break;
            }
        } else k = -1;
        if (k >= 0) i = ks + len;
      }
      if (k < 0) {
        i = stringEnd(buf, ks);
        if (i < 0) return false;
        k = this.keyIndex(buf, ks, i, position);
        if (k < 0) return false;
      }
      if (tags[k] !== Tag.Missing) return false;
      i++;
      let c = buf[i];
      if (c !== COLON) {
        while (i < end && isSpace(buf[i]!)) i++;
        if (buf[i] !== COLON) return false;
      }
      i++;
      c = buf[i];
      if (c !== undefined && isSpace(c)) {
        while (i < end && isSpace(buf[i]!)) i++;
        c = buf[i];
      }
      // value
      if (c === QUOTE) {
        const vs = i + 1;
        i = stringEnd(buf, vs);
        if (i < 0) return false;
        this.starts[k] = vs;
        this.ends[k] = i;
        tags[k] = Tag.String;
        i++;
      } else if (c === N) {
        if (buf[i + 1] !== U || buf[i + 2] !== L || buf[i + 3] !== L) return false;
        tags[k] = Tag.Null;
        i += 4;
      } else {
        i = this.number(buf, i, k);
        if (i < 0) return false;
      }
      c = buf[i];
      if (c !== COMMA && c !== CLOSE) {
        while (i < end && isSpace(buf[i]!)) i++;
        c = buf[i];
      }
      if (c === COMMA) {
        i++;
        while (i < end && isSpace(buf[i]!)) i++;
        continue;
      }
      if (c !== CLOSE) return false;
      return this.tail(buf, i + 1);
    }
  }

  /** The string of key `k` (ASCII), or `previous` itself when it has the same characters (no new string). */
  string(buf: Buffer, k: number, previous: string | undefined): string {
    if (previous !== undefined && this.equals(buf, k, previous)) return previous;
    return buf.toString('latin1', this.starts[k], this.ends[k]);
  }

  /** Whether the string value of key `k` has exactly the characters of `s`. */
  equals(buf: Uint8Array, k: number, s: string): boolean {
    const start = this.starts[k]!;
    const len = this.ends[k]! - start;
    if (len !== s.length) return false;
    for (let j = 0; j < len; j++) if (buf[start + j] !== s.charCodeAt(j)) return false;
    return true;
  }

  /** Only whitespace may follow the object. */
  private tail(buf: Uint8Array, i: number): boolean {
    while (i < buf.length && isSpace(buf[i]!)) i++;
    return i === buf.length;
  }

  private keyIndex(buf: Uint8Array, start: number, end: number, position: number): number {
    const guess = this.order[position]!;
    if (guess >= 0 && this.keyIs(buf, start, end, guess)) return guess;
    for (let k = 0; k < this.keys.length; k++)
      if (k !== guess && this.keyIs(buf, start, end, k)) {
        if (position < this.order.length) this.order[position] = k;
        return k;
      }
    return -1;
  }

  private keyIs(buf: Uint8Array, start: number, end: number, k: number): boolean {
    const key = this.keys[k]!;
    if (key.length !== end - start) return false;
    for (let j = 0; j < key.length; j++) if (buf[start + j] !== key[j]) return false;
    return true;
  }

  /** A JSON number without exponent and with at most 15 digits; returns the index after it, or -1. */
  private number(buf: Uint8Array, i: number, k: number): number {
    let negative = false;
    if (buf[i] === MINUS) {
      negative = true;
      i++;
    }
    let c = buf[i];
    if (c === undefined || c < ZERO || c > NINE) return -1;
    let m = 0;
    let digits = 0;
    if (c === ZERO) {
      i++;
      digits = 1;
      c = buf[i];
      if (c !== undefined && c >= ZERO && c <= NINE) return -1;
    } else
      while (c !== undefined && c >= ZERO && c <= NINE) {
        m = m * 10 + (c - ZERO);
        digits++;
        c = buf[++i];
      }
    let fraction = 0;
    if (c === DOT) {
      c = buf[++i];
      if (c === undefined || c < ZERO || c > NINE) return -1;
      while (c !== undefined && c >= ZERO && c <= NINE) {
        m = m * 10 + (c - ZERO);
        digits++;
        fraction++;
        c = buf[++i];
      }
    }
    // exponents and long mantissas: JSON.parse's own rounding
    if (c === 0x65 || c === 0x45 || digits > MAX_DIGITS) return -1;
    const v = fraction === 0 ? m : m / POW10[fraction]!;
    this.nums[k] = negative ? -v : v;
    this.tags[k] = Tag.Number;
    return i;
  }
}
