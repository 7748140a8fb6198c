import { kstDay } from '../../kst.js';
import type { Outcome } from './outcome.js';

/** The newest reading seen for one place (`null` = the national power series). */
export interface NewestReading {
  readonly baseMs: number;
  readonly values: Readonly<Record<string, number | null>>;
}

/** The last error a collector met, kept until a poll succeeds again. */
export interface ProgressError {
  readonly class: string;
  readonly message: string;
  readonly atMs: number;
}

/** What a collector has done so far, as plain data (the source of `status.progress`). */
export interface ProgressSnapshot {
  readonly lastPollMs: number | null;
  readonly lastOutcome: Outcome | null;
  readonly recordsTotal: number;
  readonly callsToday: number;
  readonly lastError: ProgressError | null;
  /** keyed by location name; `''` for power */
  readonly newest: ReadonlyMap<string, NewestReading>;
}

/**
 * Counts what one source's collector does, in memory: the worker's own
 * progress report is built from it. No I/O and no clock of its own: every
 * event carries its instant, so tests and the simulated clock agree.
 */
export class CollectorProgress {
  #lastPollMs: number | null = null;
  #lastOutcome: Outcome | null = null;
  #recordsTotal = 0;
  /** calls are counted per KST day, as the quotas are */
  #callsDay = '';
  #callsToday = 0;
  #lastError: ProgressError | null = null;
  readonly #newest = new Map<string, NewestReading>();

  /** An API call went out (the budget allowed it). */
  called(atMs: number): void {
    const day = kstDay(atMs);
    if (day !== this.#callsDay) {
      this.#callsDay = day;
      this.#callsToday = 0;
    }
    this.#callsToday++;
  }

  /** A poll was classified; an error outcome is remembered (as `errorClass` if given) until one succeeds. */
  polled(outcome: Outcome, reason: string | null, atMs: number, errorClass?: string): void {
    this.#lastPollMs = atMs;
    this.#lastOutcome = outcome;
    if (outcome === 'ok') this.#lastError = null;
    else if (outcome !== 'no_data')
      this.#lastError = { class: errorClass ?? outcome, message: reason ?? outcome, atMs };
  }

  /** An error outside a poll (e.g. the bus refused the records). */
  failed(errorClass: string, message: string, atMs: number): void {
    this.#lastError = { class: errorClass, message, atMs };
  }

  emitted(count: number): void {
    this.#recordsTotal += count;
  }

  /** The newest reading for a place; older ones (a backfill) do not replace it. */
  reading(place: string, baseMs: number, values: Readonly<Record<string, number | null>>): void {
    const prev = this.#newest.get(place);
    if (prev !== undefined && prev.baseMs > baseMs) return;
    this.#newest.set(place, { baseMs, values });
  }

  snapshot(nowMs: number): ProgressSnapshot {
    return {
      lastPollMs: this.#lastPollMs,
      lastOutcome: this.#lastOutcome,
      recordsTotal: this.#recordsTotal,
      callsToday: kstDay(nowMs) === this.#callsDay ? this.#callsToday : 0,
      lastError: this.#lastError,
      newest: new Map(this.#newest),
    };
  }
}
