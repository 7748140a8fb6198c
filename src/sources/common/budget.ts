import { assertNever } from '../../errors.js';
import { kstDay, nextKstMidnight } from '../../kst.js';

/** The API operations that are budgeted separately (quotas are per operation). */
export type Operation = 'kpx.latest' | 'kpx.history' | 'kpx.legacy' | 'kma.ncst';

/** Development-account quotas (docs/upstream-apis.md), in calls per KST day. */
export const DEFAULT_DAILY_LIMITS: Readonly<Record<Operation, number>> = {
  'kpx.latest': 100,
  'kpx.history': 100,
  'kpx.legacy': 100,
  'kma.ncst': 10_000,
};

/** Why a call was not allowed. */
export type Denial =
  | { readonly kind: 'exhausted'; readonly used: number; readonly limit: number; readonly resetsAt: number }
  | { readonly kind: 'paused'; readonly until: number; readonly reason: string }
  | { readonly kind: 'reserved'; readonly used: number; readonly limit: number; readonly reserve: number };

/**
 * A daily call budget per service key and operation, counted in KST days and
 * shared by every source and location using the key in this process. It is
 * never exceeded: a call happens only after `tryAcquire` said yes.
 * Keys are identified by a fingerprint, never by the key itself.
 */
export class CallBudget {
  readonly #limits: (keyId: string, op: Operation) => number;
  readonly #used = new Map<string, number>();
  readonly #paused = new Map<string, { until: number; reason: string }>();
  readonly #listeners = new Set<(change: BudgetUse) => void>();

  constructor(limits: Partial<Record<Operation, number>> | ((keyId: string, op: Operation) => number) = {}) {
    this.#limits = typeof limits === 'function' ? limits : (_keyId, op) => limits[op] ?? DEFAULT_DAILY_LIMITS[op];
  }

  limit(keyId: string, op: Operation): number {
    return this.#limits(keyId, op);
  }

  used(keyId: string, op: Operation, now: number): number {
    return this.#used.get(slot(keyId, op, now)) ?? 0;
  }

  /** Calls used today / daily limit (the `quota_used_ratio` gauge). */
  usedRatio(keyId: string, op: Operation, now: number): number {
    const limit = this.limit(keyId, op);
    return limit <= 0 ? 1 : this.used(keyId, op, now) / limit;
  }

  /**
   * Takes one call from today's budget, or says why not. `reserve` keeps that
   * many calls back for planned work later today (retries spend only surplus).
   */
  tryAcquire(keyId: string, op: Operation, now: number, reserve = 0): Denial | null {
    const pause = this.#paused.get(`${keyId}|${op}`);
    if (pause !== undefined) {
      if (now < pause.until) return { kind: 'paused', until: pause.until, reason: pause.reason };
      this.#paused.delete(`${keyId}|${op}`);
    }
    const used = this.used(keyId, op, now);
    const limit = this.limit(keyId, op);
    if (used >= limit) return { kind: 'exhausted', used, limit, resetsAt: nextKstMidnight(now) };
    if (reserve > 0 && used + reserve >= limit) return { kind: 'reserved', used, limit, reserve };
    this.#used.set(slot(keyId, op, now), used + 1);
    this.#prune(now);
    const change: BudgetUse = { keyId, op, day: kstDay(now), used: used + 1 };
    for (const listener of this.#listeners) listener(change);
    return null;
  }

  /** After a quota answer (22): no more calls on this key and operation until 00:00 KST. */
  pauseUntilMidnight(keyId: string, op: Operation, now: number, reason: string): number {
    const until = nextKstMidnight(now);
    this.#paused.set(`${keyId}|${op}`, { until, reason });
    return until;
  }

  /** After an auth refusal: no more calls on this key and operation until the key changes (a new process). */
  block(keyId: string, op: Operation, reason: string): void {
    this.#paused.set(`${keyId}|${op}`, { until: Number.POSITIVE_INFINITY, reason });
  }

  /** The pause in force, if any. */
  pausedUntil(keyId: string, op: Operation, now: number): number | null {
    const pause = this.#paused.get(`${keyId}|${op}`);
    return pause !== undefined && now < pause.until ? pause.until : null;
  }

  /** Restores today's count after a restart (e.g. from a checkpoint), so a restart cannot double the budget. */
  restore(keyId: string, op: Operation, now: number, used: number): void {
    const key = slot(keyId, op, now);
    this.#used.set(key, Math.max(used, this.#used.get(key) ?? 0));
  }

  /**
   * Calls `listener` synchronously after each call taken, before the caller
   * makes it: a listener that persists the count (a checkpoint) makes a crash
   * lose at most an unmade call, never an uncounted one. Returns an unsubscribe.
   */
  onAcquire(listener: (change: BudgetUse) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #prune(now: number): void {
    if (this.#used.size < 64) return;
    const today = kstDay(now);
    for (const key of this.#used.keys()) if (!key.endsWith(today)) this.#used.delete(key);
  }
}

/** Calls used on one KST day by one key fingerprint on one operation. */
export interface BudgetUse {
  readonly keyId: string;
  readonly op: Operation;
  /** KST day, as `kstDay` gives it */
  readonly day: string;
  readonly used: number;
}

/** Whether `op` names a budgeted operation (e.g. read back from a checkpoint). */
export function isOperation(op: string): op is Operation {
  return Object.hasOwn(DEFAULT_DAILY_LIMITS, op);
}

const slot = (keyId: string, op: Operation, now: number): string => `${keyId}|${op}|${kstDay(now)}`;

/** A human sentence for a denial (conditions, logs). */
export function describeDenial(op: Operation, d: Denial): string {
  switch (d.kind) {
    case 'exhausted':
      return `daily budget for ${op} used up: ${d.used} of ${d.limit} calls today (KST); resets at 00:00 KST`;
    case 'paused':
      return `calls to ${op} paused ${Number.isFinite(d.until) ? `until ${new Date(d.until).toISOString()}` : 'until the key changes'}: ${d.reason}`;
    case 'reserved':
      return `${op}: ${d.used} of ${d.limit} calls used; the remaining ${d.limit - d.used} are reserved for planned polls`;
    default:
      return assertNever(d);
  }
}
