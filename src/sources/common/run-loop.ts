import type { Clock } from '../../clock.js';
import { StopRequested } from './transport.js';

/** A scheduled unit of work: `step` does what is due and says when it wants to run next (null: stopped). */
export interface Task {
  readonly name: string;
  step(now: number): Promise<number | null>;
  /** When the task first wants to run (default: the run's start). */
  firstDue?(now: number): number;
}

/** Options of `runTasks`. */
export interface RunOptions {
  readonly clock: Clock;
  /** Stop once the next due time is after this instant (simulations). */
  readonly until?: number;
  readonly signal?: AbortSignal;
  /** First due time of every task (default: now). */
  readonly startAt?: number;
}

/**
 * Runs tasks one step at a time in due order. Steps are awaited one after the
 * other, so a fake clock whose sleep jumps ahead simulates a day in
 * milliseconds, and a real one never bunches requests.
 */
export async function runTasks(tasks: readonly Task[], options: RunOptions): Promise<void> {
  const { clock, signal } = options;
  const due = new Map<Task, number>();
  for (const t of tasks) due.set(t, t.firstDue?.(clock.now()) ?? options.startAt ?? clock.now());
  while (due.size > 0 && !signal?.aborted) {
    let next: Task | null = null;
    let at = Number.POSITIVE_INFINITY;
    for (const [t, when] of due) {
      if (when < at) {
        at = when;
        next = t;
      }
    }
    if (next === null || (options.until !== undefined && at > options.until)) return;
    const wait = at - clock.now();
    if (wait > 0) await clock.sleep(wait, signal);
    if (signal?.aborted) return;
    let nextDue: number | null;
    try {
      nextDue = await next.step(clock.now());
    } catch (err) {
      // The step gave up mid-way because the run is stopping; its task keeps its state for a restart.
      if (err instanceof StopRequested && signal?.aborted) return;
      throw err;
    }
    if (nextDue === null) due.delete(next);
    else due.set(next, Math.max(nextDue, clock.now() + 1));
  }
}
