import type { RunReport } from '../join/manifest.js';
import type { Logger } from '../observe/log.js';
import type { CollectRun } from '../sources/collect-runner.js';
import { backfillSummary, collectorsCaughtUp } from './catch-up.js';
import type { EmbeddedSink } from './embedded-sink.js';
import type { JoinScheduler } from './join-scheduler.js';

/** What the start-up catch-up did, per DailyJoin. */
export interface CatchUpReport {
  /** false when the wait for the backfill ran out (the joins ran on what had arrived) */
  readonly backfillComplete: boolean;
  readonly waitedMs: number;
  readonly joins: readonly { readonly join: string; readonly reports: readonly RunReport[] }[];
}

/** Inputs of `runCatchUp`. */
export interface CatchUpRunOptions {
  readonly collectors: CollectRun;
  readonly sinks: readonly EmbeddedSink[];
  readonly schedulers: readonly JoinScheduler[];
  /** pipeline-clock instant the pipeline started */
  readonly startedAt: number;
  readonly backfillFrom: string | null;
  /** wall ms to wait for the backfill before joining anyway */
  readonly waitMs: number;
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

const POLL_MS = 250;

/**
 * Waits (wall time, bounded) until the collectors have emitted what was
 * published at start and every sink has taken it from the log, flushes the
 * sinks, then runs each DailyJoin's due dates. Logs one line saying what was
 * caught up.
 */
export async function runCatchUp(o: CatchUpRunOptions): Promise<CatchUpReport> {
  const began = Date.now();
  let complete = false;
  while (!o.signal.aborted && Date.now() - began < o.waitMs) {
    if (collectorsCaughtUp(o.collectors.built, o.startedAt)) {
      let sinksDone = true;
      for (const s of o.sinks) sinksDone &&= await s.caughtUp();
      if (sinksDone) {
        complete = true;
        break;
      }
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const waitedMs = Date.now() - began;
  if (o.signal.aborted) return { backfillComplete: complete, waitedMs, joins: [] };
  if (!complete) o.logger.warn({ waitedMs }, 'collector backfill not complete in time; joining what has arrived');
  for (const s of o.sinks) await s.flushNow();
  const joins: { join: string; reports: RunReport[] }[] = [];
  for (const sched of o.schedulers) {
    if (o.signal.aborted) break;
    joins.push({ join: sched.id, reports: await sched.catchUp() });
  }
  // One line for a person; the date-by-date outcomes are there at debug level.
  o.logger.debug(
    { joins: joins.map((j) => ({ join: j.join, dates: j.reports.map((r) => `${r.date} ${r.outcome}`) })) },
    'start-up catch-up dates',
  );
  o.logger.info(
    {
      ...(o.backfillFrom === null ? {} : backfillSummary(o.backfillFrom, o.startedAt)),
      backfillComplete: complete,
      waitedMs,
      joins: joins.map((j) => catchUpSummary(j.join, j.reports)),
    },
    'start-up catch-up finished',
  );
  return { backfillComplete: complete, waitedMs, joins };
}

/** One DailyJoin's catch-up in a few numbers: how many dates, their range, how many of each outcome. */
export function catchUpSummary(join: string, reports: readonly RunReport[]): Record<string, unknown> {
  const count = (outcome: RunReport['outcome']): number => reports.filter((r) => r.outcome === outcome).length;
  const dates = reports.map((r) => r.date).sort();
  return {
    join,
    dates: reports.length,
    ...(dates.length === 0 ? {} : { from: dates[0], to: dates.at(-1) }),
    complete: count('succeeded'),
    partial: count('partial'),
    noInput: count('no-input'),
    failed: count('failed'),
    hourlyRows: reports.reduce((n, r) => n + r.rowsOut.power_weather_hourly, 0),
  };
}
