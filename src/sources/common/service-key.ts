import { createHash } from 'node:crypto';

/**
 * A data.go.kr service key. The portal issues an "Encoding" and a "Decoding"
 * form; either is accepted and encoded exactly once (encoding an encoded key
 * answers 30). The value never appears in logs, errors or JSON: printing the
 * object gives `[redacted]`, and `id` is a short fingerprint for labels and
 * budget keys.
 */
export class ServiceKey {
  readonly #decoded: string;
  /** sha256 fingerprint (12 hex), safe to log. */
  readonly id: string;

  constructor(raw: string) {
    const trimmed = raw.trim();
    this.#decoded = looksEncoded(trimmed) ? safeDecode(trimmed) : trimmed;
    this.id = createHash('sha256').update(this.#decoded).digest('hex').slice(0, 12);
  }

  /** The value for `serviceKey=` in a query string, encoded once. */
  queryValue(): string {
    return encodeURIComponent(this.#decoded);
  }

  /** Whether a text contains this key in either form (for leak tests and scrubbing). */
  occursIn(text: string): boolean {
    return text.includes(this.#decoded) || text.includes(this.queryValue());
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `ServiceKey(${this.id})`;
  }
}

function looksEncoded(key: string): boolean {
  return /%[0-9A-Fa-f]{2}/.test(key);
}

function safeDecode(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

/** Replaces any `serviceKey=` value in a URL or message by `[redacted]`. */
export function redactServiceKey(text: string): string {
  return text.replace(/(serviceKey=)[^&\s"']*/gi, '$1[redacted]');
}
