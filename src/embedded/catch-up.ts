import { todayIn } from '../api/daily-join-semantics.js';
import { addDays, floorSlot, HOUR_MS, kstDayStart, SLOT_MS } from '../kst.js';
import { planSchedule } from '../join/schedule.js';
import { newestServedHour } from '../sources/kma/weather-planner.js';
import type { PowerCheckpoint } from '../sources/kpx/power-collector.js';
import { rnOfSlot } from '../sources/simulator/synthetic.js';
import type { SourceConfig } from '../sources/source-tasks.js';
import type { EmbeddedJoinConfig } from './embedded-config.js';

/**
 * The start-up catch-up, so a first `npm start` shows warehouse tables within
 * a minute: the collectors backfill what the APIs still serve (KPX history
 * pages: every slot back to the oldest date the joins will catch up; KMA: the
 * last 24 hours), the sink flushes it, then each DailyJoin runs its catch-up
 * dates. A date the APIs cannot serve any more comes out `partial` or
 * `no-input`, as it would on a cluster.
 */

/** Most days of power history read at start (the schema caps catchUp.maxDates at 366). */
export const MAX_BACKFILL_DAYS = 31;
/** Past hours of weather asked for at a first start (the nowcast serves about a day). */
export const WEATHER_BACKFILL_HOURS = 23;
/** KPX answers a slot this long after its boundary (the collector's default). */
const KPX_PUBLISH_DELAY_MS = 90_000;

/** The oldest date the joins' first scheduling pass would join, within MAX_BACKFILL_DAYS; null without joins. */
export function oldestCatchUpDate(joins: readonly EmbeddedJoinConfig[], now: number): string | null {
  let oldest: string | null = null;
  for (const j of joins) {
    const spec = j.resource.spec;
    const today = todayIn(spec.timeZone, new Date(now));
    const plan = planSchedule(spec, {
      now,
      done: new Set(),
      active: new Set(),
      lastScheduleTime: null,
      createdDate: today,
    });
    const first = plan.due[0]?.date;
    if (first !== undefined && (oldest === null || first < oldest)) oldest = first;
  }
  if (oldest === null) return null;
  const floor = addDays(todayIn('Asia/Seoul', new Date(now)), -MAX_BACKFILL_DAYS);
  return oldest < floor ? floor : oldest;
}

/**
 * Where a collector without a saved checkpoint starts: power just before the
 * first slot of `fromDate` (KST) in the history's row numbering (one row per
 * slot since 2012, docs/upstream-apis.md), weather 23 hours back.
 */
export function withBackfill(sources: readonly SourceConfig[], fromDate: string): SourceConfig[] {
  const firstSlot = kstDayStart(fromDate);
  const seed: PowerCheckpoint = { baseMs: firstSlot - SLOT_MS, rn: rnOfSlot(firstSlot) - 1 };
  return sources.map((s): SourceConfig => {
    if (s.kind === 'power') return s.checkpoint ? s : { ...s, checkpoint: seed };
    return { ...s, initialBackfillHours: WEATHER_BACKFILL_HOURS };
  });
}

/** What the catch-up reads of the collectors (SourceTasks has it): how far each has emitted. */
export interface CollectorProgress {
  readonly power: readonly { readonly stopped: boolean; readonly checkpoint: { readonly baseMs: number } | null }[];
  readonly weather: readonly { readonly stopped: boolean; readonly checkpoint: number | null }[];
}

/** Whether every collector has emitted up to what was published when the pipeline started. */
export function collectorsCaughtUp(built: CollectorProgress, startedAt: number): boolean {
  const powerTarget = floorSlot(startedAt - KPX_PUBLISH_DELAY_MS) - SLOT_MS;
  // The newest hour may still answer NO_DATA (published late): one hour of slack.
  const weatherTarget = newestServedHour(startedAt) - HOUR_MS;
  return (
    built.power.every((p) => p.stopped || (p.checkpoint?.baseMs ?? -Infinity) >= powerTarget) &&
    built.weather.every((w) => w.stopped || (w.checkpoint ?? -Infinity) >= weatherTarget)
  );
}

/** The first date (KST) the backfill covers, for the catch-up log line. */
export function backfillSummary(fromDate: string, startedAt: number): Record<string, unknown> {
  return {
    powerFrom: fromDate,
    weatherFrom: new Date(newestServedHour(startedAt) - WEATHER_BACKFILL_HOURS * HOUR_MS).toISOString(),
  };
}
