import type { Clock } from '../shared/clock.js';
import { glError } from '../../errors.js';

/**
 * The simulator's clock: starts at a chosen instant and runs `speed` times
 * faster than the wall clock (`--clock 2026-11-23T14:00:00+09:00,60`).
 */
export class SimClock implements Clock {
  readonly #startMs: number;
  readonly #speed: number;
  readonly #realStart: number;
  readonly #real: () => number;

  constructor(startMs: number, speed: number, real: () => number = () => Date.now()) {
    this.#startMs = startMs;
    this.#speed = speed;
    this.#real = real;
    this.#realStart = real();
  }

  now(): number {
    return this.#startMs + (this.#real() - this.#realStart) * this.#speed;
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
