import { systemClock, type Clock } from '../clock.js';
import type { Rng } from '../random.js';

/**
 * Time, timers and randomness for the controller runtime, injected so unit
 * tests drive the work queue, informer and elector with a manual clock.
 */
export interface RuntimeDeps {
  readonly clock: Clock;
  readonly rng: Rng;
}

/** The real clock, timers and Math.random. */
export const systemDeps: RuntimeDeps = {
  clock: systemClock,
  rng: () => Math.random(),
};

/** Fills the parts of `deps` a caller left out with the real ones. */
export function withDefaults(deps: Partial<RuntimeDeps> | undefined): RuntimeDeps {
  return { ...systemDeps, ...deps };
}
