import { CronExpressionParser } from 'cron-parser';
import { assertNever } from '../errors.js';
import type { DailyJoinSpec } from '../api/daily-join.js';
import { todayIn } from '../api/daily-join-semantics.js';
import { addDays } from '../kst.js';

/**
 * Pure DailyJoin schedule planning, shared by the embedded scheduler and the
 * Kubernetes controller: which logical dates are due now, which missed dates
 * the catch-up policy drops, and when the next firing is. A firing at time T
 * joins the logical date before T's calendar date in the spec's time zone.
 * No I/O and no clock: `now` and what is done/active come in as arguments.
 */

/** The parts of a DailyJoin spec the plan reads. */
export type ScheduleSpec = Pick<
  DailyJoinSpec,
  'schedule' | 'timeZone' | 'catchUp' | 'maxActiveRuns' | 'concurrencyPolicy' | 'suspend'
> &
  Partial<Pick<DailyJoinSpec, 'startDate' | 'startingDeadlineSeconds'>>;

/** What the world looks like to the planner. */
export interface ScheduleState {
  /** epoch ms */
  readonly now: number;
  /** Logical dates already joined (any finished outcome): never started again by the schedule. */
  readonly done: ReadonlySet<string>;
  /** Logical dates with a run in progress. */
  readonly active: ReadonlySet<string>;
  /** Firings at or before this instant were already considered (status.lastScheduleTime); null: none yet. */
  readonly lastScheduleTime: number | null;
  /** First logical date when the spec has no startDate (the day the DailyJoin was created). */
  readonly createdDate?: string;
}

/** A logical date the schedule wants joined. */
export interface DueDate {
  readonly date: string;
  /** the firing that made it due (epoch ms) */
  readonly scheduledAt: number;
  /** on-time: the newest firing, within the starting deadline; catch-up: a missed firing */
  readonly trigger: 'on-time' | 'catch-up';
}

/** Why a date after the watermark is not started. */
export type SkipReason = 'catch-up-none' | 'catch-up-latest' | 'beyond-max-dates';

/** The planner's answer. */
export interface SchedulePlan {
  /** Dates the policy selects, oldest first (before the concurrency limit). */
  readonly due: readonly DueDate[];
  /** The prefix of `due` to start now, within maxActiveRuns. */
  readonly start: readonly DueDate[];
  /** Active dates to abort first (concurrencyPolicy Replace). */
  readonly replace: readonly string[];
  /** Missed dates dropped for good by the catch-up policy. */
  readonly skipped: readonly { readonly date: string; readonly reason: SkipReason }[];
  /** New lastScheduleTime to store (unchanged when nothing could be started). */
  readonly lastScheduleTime: number | null;
  /** Next firing after now, and the date it joins; null while suspended. */
  readonly nextScheduleTime: number | null;
  readonly nextDate: string | null;
  /** Why nothing starts although dates are due. */
  readonly blocked: 'suspended' | 'max-active-runs' | null;
}

/** Upper bound of firings walked in one plan (an @hourly schedule over ~5 years). */
const MAX_FIRINGS = 50_000;

/** The logical date a firing at `instant` joins: the day before its calendar date in `timeZone`. */
export function logicalDateOf(instant: number, timeZone: string): string {
  return addDays(todayIn(timeZone, new Date(instant)), -1);
}

/** The next firing strictly after `after` (epoch ms). */
export function nextFiring(spec: Pick<ScheduleSpec, 'schedule' | 'timeZone'>, after: number): number {
  const expr = CronExpressionParser.parse(spec.schedule, { tz: spec.timeZone, currentDate: new Date(after) });
  return expr.next().getTime();
}

/** Firings in (from, to], oldest first; `from` null starts at the newest firing only. */
function firingsBetween(spec: ScheduleSpec, from: number | null, to: number): number[] {
  if (from === null) {
    const expr = CronExpressionParser.parse(spec.schedule, { tz: spec.timeZone, currentDate: new Date(to + 1) });
    return [expr.prev().getTime()];
  }
  const out: number[] = [];
  const expr = CronExpressionParser.parse(spec.schedule, { tz: spec.timeZone, currentDate: new Date(from) });
  for (let i = 0; i < MAX_FIRINGS; i++) {
    const t = expr.next().getTime();
    if (t > to) break;
    out.push(t);
  }
  return out;
}

/** The first logical date the schedule may join, if any. */
function firstDate(spec: ScheduleSpec, state: ScheduleState): string | null {
  return spec.startDate ?? state.createdDate ?? null;
}

/**
 * Plans one scheduling pass: the firings after the watermark (or since the
 * first date) become candidate dates; done and active dates are not
 * candidates; the newest firing is on time unless older than the starting
 * deadline; the catch-up policy decides about the others.
 */
export function planSchedule(spec: ScheduleSpec, state: ScheduleState): SchedulePlan {
  const { now } = state;
  const next = nextFiring(spec, now);
  const nextInfo = { nextScheduleTime: next, nextDate: logicalDateOf(next, spec.timeZone) };
  if (spec.suspend) {
    return {
      due: [],
      start: [],
      replace: [],
      skipped: [],
      lastScheduleTime: state.lastScheduleTime,
      nextScheduleTime: null,
      nextDate: null,
      blocked: 'suspended',
    };
  }
  const first = firstDate(spec, state);
  // Without a watermark, walk from the first date's first firing (a day before it, to be safe with zones).
  const from =
    state.lastScheduleTime ?? (first === null ? null : Date.parse(`${addDays(first, -1)}T00:00:00Z`) - 86_400_000);
  const firings = firingsBetween(spec, from, now);
  // One candidate per logical date: the newest firing for it.
  const byDate = new Map<string, number>();
  for (const t of firings) {
    const date = logicalDateOf(t, spec.timeZone);
    if (first !== null && date < first) continue;
    byDate.set(date, t);
  }
  const newest = firings[firings.length - 1];
  const deadlineMs = spec.startingDeadlineSeconds === undefined ? Infinity : spec.startingDeadlineSeconds * 1000;
  const onTimeDate = newest !== undefined && now - newest <= deadlineMs ? logicalDateOf(newest, spec.timeZone) : null;
  const candidates = [...byDate.entries()]
    .filter(([date]) => !state.done.has(date) && !state.active.has(date))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([date, scheduledAt]): DueDate => ({
      date,
      scheduledAt,
      trigger: date === onTimeDate ? 'on-time' : 'catch-up',
    }));
  const onTime = candidates.filter((c) => c.trigger === 'on-time');
  const missed = candidates.filter((c) => c.trigger === 'catch-up');
  let due: DueDate[];
  const skipped: { date: string; reason: SkipReason }[] = [];
  switch (spec.catchUp.policy) {
    case 'None':
      due = onTime;
      for (const m of missed) skipped.push({ date: m.date, reason: 'catch-up-none' });
      break;
    case 'Latest': {
      const latest = candidates[candidates.length - 1];
      due = latest === undefined ? [] : [latest];
      for (const m of missed) if (m !== latest) skipped.push({ date: m.date, reason: 'catch-up-latest' });
      break;
    }
    case 'All': {
      const kept = missed.slice(Math.max(0, missed.length - spec.catchUp.maxDates));
      for (const m of missed.slice(0, missed.length - kept.length))
        skipped.push({ date: m.date, reason: 'beyond-max-dates' });
      due = [...kept, ...onTime];
      break;
    }
    default:
      return assertNever(spec.catchUp.policy);
  }
  const replacing = spec.concurrencyPolicy === 'Replace' && state.active.size > 0 && due.length > 0;
  const capacity = replacing ? spec.maxActiveRuns : Math.max(0, spec.maxActiveRuns - state.active.size);
  // Replace keeps one run: the newest due date replaces whatever is active.
  const start = replacing ? due.slice(-capacity) : due.slice(0, capacity);
  const lastStarted = start[start.length - 1];
  let lastScheduleTime = state.lastScheduleTime;
  if (start.length === due.length) lastScheduleTime = newest ?? state.lastScheduleTime;
  else if (lastStarted !== undefined) lastScheduleTime = lastStarted.scheduledAt;
  return {
    due,
    start,
    replace: replacing ? [...state.active].sort() : [],
    skipped: start.length === due.length || lastStarted !== undefined ? skipped : [],
    lastScheduleTime,
    ...nextInfo,
    blocked: due.length > 0 && start.length === 0 ? 'max-active-runs' : null,
  };
}
