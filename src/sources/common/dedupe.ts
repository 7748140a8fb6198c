/**
 * Remembers emitted identities so a collector never emits one twice while it
 * runs. Identities are time-ordered strings per stream, so memory is bounded by
 * keeping only the newest `capacity` of them (older ones are also older than
 * anything a collector will fetch again).
 */
export class IdentitySet {
  readonly #capacity: number;
  readonly #seen = new Set<string>();

  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  /** True the first time an identity is offered, false after. */
  admit(identity: string): boolean {
    if (this.#seen.has(identity)) return false;
    this.#seen.add(identity);
    if (this.#seen.size > this.#capacity) {
      const oldest = this.#seen.values().next();
      if (!oldest.done) this.#seen.delete(oldest.value);
    }
    return true;
  }

  has(identity: string): boolean {
    return this.#seen.has(identity);
  }

  get size(): number {
    return this.#seen.size;
  }
}

/** Keeps the first of each identity, in order. */
export function dedupeBy<T>(items: readonly T[], identity: (item: T) => string): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const item of items) {
    const id = identity(item);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(item);
  }
  return out;
}
