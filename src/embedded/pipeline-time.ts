import { systemClock as systemBusClock, type Clock as BusClock } from '../bus/clock.js';
import { systemClock, type Clock, type Sleep } from '../sources/shared/clock.js';
import { SimClock } from '../sources/simulator/sim-clock.js';

/**
 * The pipeline's one notion of time, in the two shapes its parts take: the
 * collectors' and scheduler's `Clock` + `Sleep`, and the bus/sink `Clock`
 * (with an abortable sleep). On a simulated clock every part must run on it:
 * a sink flushing by wall-clock age would hold a simulated day in its buffers
 * while the join of that day runs.
 *
 * Every sleep ends, and clears its timer, when `signal` aborts: a collector
 * waiting 20 minutes for its next poll or a scheduler waiting hours for its
 * next firing must not keep the process alive after a stop.
 */
export interface PipelineTime {
  readonly clock: Clock;
  /** sleeps ms of `clock` */
  readonly sleep: Sleep;
  /** the same clock for LakeSink (flush age, retry backoff, tick) */
  readonly busClock: BusClock;
}

/** Wall ms a simulated bus sleep lasts at least: at 1000× a sink's 1 s tick would otherwise spin. */
export const MIN_SIMULATED_SLEEP_MS = 10;

/** Wall time, or a clock starting at `startMs` running `speed` times faster than the wall clock. */
export function pipelineTime(
  signal: AbortSignal,
  sim?: { readonly startMs: number; readonly speed: number },
): PipelineTime {
  if (sim === undefined)
    return { clock: systemClock, sleep: (ms) => systemBusClock.sleep(ms, signal), busClock: systemBusClock };
  const clock = new SimClock(sim.startMs, sim.speed);
  return {
    clock,
    sleep: (ms) => systemBusClock.sleep(ms / sim.speed, signal),
    busClock: {
      now: () => clock.now(),
      sleep: (ms, signal) => systemBusClock.sleep(Math.max(ms / sim.speed, MIN_SIMULATED_SLEEP_MS), signal),
    },
  };
}
