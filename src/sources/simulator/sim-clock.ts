import { systemClock, type Clock } from '../../clock.js';
import { glError } from '../../errors.js';

/** Wall ms a simulated sleep lasts at least: at 1000× a sink's 1 s tick would otherwise spin. */
export const MIN_SIMULATED_SLEEP_MS = 10;

/**
 * The simulator's clock: starts at a chosen instant and runs `speed` times
 * faster than a base clock, the wall clock unless a test gives another
 * (`--clock 2026-11-23T14:00:00+09:00,60`). Its sleeps are scaled to match,
 * and every part of a simulated pipeline runs on it: a sink flushing by
 * wall-clock age would hold a simulated day in its buffers while the join of
 * that day runs.
 */
export class SimClock implements Clock {
  readonly #startMs: number;
  readonly #speed: number;
  readonly #base: Clock;
  readonly #baseStart: number;

  constructor(startMs: number, speed: number, base: Clock = systemClock) {
    this.#startMs = startMs;
    this.#speed = speed;
    this.#base = base;
    this.#baseStart = base.now();
  }

  now(): number {
    return this.#startMs + (this.#base.now() - this.#baseStart) * this.#speed;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.#base.sleep(Math.max(ms / this.#speed, MIN_SIMULATED_SLEEP_MS), signal);
  }

  get speed(): number {
    return this.#speed;
  }
}

/** Parses `--clock start,speed`: start is ISO-8601 (or `now`), speed a positive number (default 1). */
export function parseClockOption(text: string, realNow: number): { startMs: number; speed: number } {
  const [startText = 'now', speedText = '1'] = text.split(',');
  const startMs = startText.trim() === 'now' ? realNow : Date.parse(startText.trim());
  const speed = Number(speedText);
  if (!Number.isFinite(startMs) || !Number.isFinite(speed) || speed <= 0) {
    throw glError(
      'GL_SOURCES_SIM_OPTION_INVALID',
      `--clock wants "start,speed" (e.g. 2026-11-23T14:00:00+09:00,60), got ${JSON.stringify(text)}`,
    );
  }
  return { startMs, speed };
}
