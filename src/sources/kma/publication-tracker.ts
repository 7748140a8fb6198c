import { HOUR_MS, MINUTE_MS } from '../../kst.js';

/** Largest learned delay past HH:10 (beyond it, retries inside the hour take over). */
const MAX_EXTRA_MS = 40 * MINUTE_MS;
/** How fast the learned delay shrinks back when answers come on time (per hour). */
const DECAY_PER_HOUR_MS = 30_000;

/**
 * Learns how late the nowcast really publishes, shared by the locations of a
 * source: when the newest hour needed retries, later hours are first polled
 * that much later, so one late publication does not cost every location a
 * NO_DATA call every hour.
 */
export class PublicationTracker {
  #extraMs = 0;
  #lastDecayHour = -1;

  /** Extra delay to add to the HH:10 poll. */
  get extraMs(): number {
    return this.#extraMs;
  }

  /**
   * The newest hour answered only `delayPastBasePollMs` after its HH:10 poll
   * time (without any learned extra). Not cumulative, so random NO_DATA noise
   * cannot ratchet the delay up.
   */
  observeLate(delayPastBasePollMs: number): void {
    const wanted = Math.ceil(delayPastBasePollMs / 30_000) * 30_000;
    this.#extraMs = Math.min(MAX_EXTRA_MS, Math.max(this.#extraMs, wanted));
  }

  /** The newest hour answered at the first try: shrink slowly (once per hour). */
  observeOnTime(hourMs: number): void {
    const hour = Math.floor(hourMs / HOUR_MS);
    if (hour === this.#lastDecayHour) return;
    this.#lastDecayHour = hour;
    this.#extraMs = Math.max(0, this.#extraMs - DECAY_PER_HOUR_MS);
  }
}
