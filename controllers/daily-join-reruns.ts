import type { DailyJoinRunSpec, DailyJoinRunStatus, RunTrigger } from '../src/api/daily-join-run.js';
import type { DailyJoinStatus, RerunReason } from '../src/api/daily-join.js';
import { todayIn } from '../src/api/daily-join-semantics.js';
import { emptyInputsOfRows } from '../src/join/no-input.js';
import { addDays } from '../src/kst.js';
import type { KubeObject } from '../src/k8s/object-cache.js';

/**
 * Which finished dates of a DailyJoin run again, and when (pure). Two causes:
 * - Deleted: a person deleted a run. The join's status remembers the runs the
 *   controller saw (`knownRuns`) and it drops from there every run it deletes
 *   itself (history limits, Replace, late-data reruns), so a known run missing
 *   from the cache was deleted by someone else. This survives controller
 *   restarts, unlike watching delete events; a delete made while the join's
 *   status was never written (a brand-new join) is not seen.
 * - LateData: a run's late-data pass (`gridlake join --late-data-days`) found
 *   earlier dates whose lake inputs its manifest does not list
 *   (DailyJoinRun `status.lateData`). Each run's list is read once, when the run
 *   is first seen finished, and only dates within `lateDataDays` of today count;
 *   a date without a manifest (NeverJoined) counts within the rejoin window
 *   (`--rejoin-days`: the catch-up window) when it was scheduled: a run of it
 *   exists or existed, or it is among the join's `noInputDates`.
 * - SiteCaughtUp: a date that ran flagged site_late (a remote site had not
 *   forwarded it within the grace) once the sites' watermarks pass its end
 *   (the plan adds it, see daily-join-sites.ts); a run of the date not flagged
 *   site_late already has it.
 * Pending reruns are kept in `pendingReruns` until they start: a run of the
 * date still there is deleted first (its name is the date's only name), then
 * the date is created again within maxActiveRuns, after the schedule's own
 * due dates.
 */

export type KnownRun = NonNullable<DailyJoinStatus['knownRuns']>[number];
export type PendingRerun = NonNullable<DailyJoinStatus['pendingReruns']>[number];
export type NoInputEntry = NonNullable<DailyJoinStatus['noInputDates']>[number];

/** A run of the join as the plan sees it. */
export interface RerunRun {
  readonly obj: KubeObject;
  readonly date: string;
  readonly finished: boolean;
}

export const MAX_KNOWN_RUNS = 2100;
export const MAX_PENDING_RERUNS = 64;

/** The reruns pending after this observation: those already pending plus new ones. */
export function collectReruns(o: {
  readonly lateDataDays: number;
  /** NeverJoined dates count this far back (rejoinWindowDays; 0: as lateDataDays) */
  readonly rejoinDays?: number;
  /** dates whose last run found no rows (the join's noInputDates) */
  readonly noInputDates?: ReadonlySet<string>;
  readonly timeZone: string;
  readonly runs: readonly RerunRun[];
  readonly prevKnown: readonly KnownRun[] | undefined;
  readonly prevPending: readonly PendingRerun[] | undefined;
  /**
   * Dates whose run this controller deleted itself while `prevKnown` may not
   * show it yet (the status write after the delete conflicted, or the cache
   * has not seen it): never read as a person's delete.
   */
  readonly deletedBySelf?: ReadonlySet<string>;
  readonly now: number;
}): Map<string, PendingRerun> {
  const pending = new Map((o.prevPending ?? []).map((p) => [p.date, p]));
  const live = new Map(o.runs.map((r) => [r.date, r]));
  const known = new Map((o.prevKnown ?? []).map((k) => [k.date, k]));
  for (const k of known.values())
    if (!live.has(k.date) && !pending.has(k.date) && !o.deletedBySelf?.has(k.date))
      pending.set(k.date, { date: k.date, reason: 'Deleted' });
  const rejoinDays = Math.max(o.lateDataDays, o.rejoinDays ?? 0);
  if (rejoinDays > 0) {
    // The newest joined date is yesterday; the window reaches lateDataDays (rejoinDays) before it.
    const today = todayIn(o.timeZone, new Date(o.now));
    const oldestLate = addDays(today, -(o.lateDataDays + 1));
    const oldestRejoin = addDays(today, -(rejoinDays + 1));
    for (const r of o.runs) {
      if (!r.finished || known.get(r.date)?.finished === true) continue;
      const st = r.obj['status'] as DailyJoinRunStatus | undefined;
      for (const late of st?.lateData ?? []) {
        if (late.date >= r.date || pending.has(late.date)) continue;
        if (late.reason === 'NeverJoined') {
          if (late.date < oldestRejoin) continue;
          // A date with inputs but no manifest reruns only if it was scheduled (a run of it exists or existed).
          if (!live.has(late.date) && !known.has(late.date) && o.noInputDates?.has(late.date) !== true) continue;
        } else if (o.lateDataDays === 0 || late.date < oldestLate) continue;
        pending.set(late.date, {
          date: late.date,
          reason: 'LateData',
          ...(st?.completionTime ? { since: st.completionTime } : {}),
        });
      }
    }
  }
  return pending;
}

/** What to do now about the pending reruns. */
export interface RerunSteps {
  /** runs to delete first (a LateData rerun of a date whose older run is still there) */
  readonly deletes: readonly KubeObject[];
  /** dates to create again, oldest first */
  readonly starts: readonly { readonly date: string; readonly trigger: RunTrigger }[];
  /** still pending after this plan */
  readonly remaining: readonly PendingRerun[];
}

const TRIGGER: Record<RerunReason, RunTrigger> = { LateData: 'LateData', Deleted: 'Manual', SiteCaughtUp: 'LateData' };

export function stepReruns(
  pending: ReadonlyMap<string, PendingRerun>,
  o: {
    readonly runs: readonly RerunRun[];
    readonly terminatingDates: ReadonlySet<string>;
    /** dates the schedule starts in this plan (a rerun of one is already done by it) */
    readonly scheduled: ReadonlySet<string>;
    /** runs that may still start within maxActiveRuns; 0 while suspended or invalid */
    readonly capacity: number;
  },
): RerunSteps {
  const live = new Map(o.runs.map((r) => [r.date, r]));
  const deletes: KubeObject[] = [];
  const starts: { date: string; trigger: RunTrigger }[] = [];
  const remaining: PendingRerun[] = [];
  let capacity = o.capacity;
  for (const p of [...pending.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))) {
    if (o.scheduled.has(p.date)) continue;
    const run = live.get(p.date);
    if (run) {
      // Deleted: the date has a run again (someone re-created it, or our create landed).
      if (p.reason === 'Deleted') continue;
      if (p.reason === 'SiteCaughtUp') {
        // A run not flagged site_late started after the sites had forwarded the date. The flag decides, not
        // timestamps: `since` is the controller's clock, creationTimestamp the API server's.
        if ((run.obj['spec'] as DailyJoinRunSpec | undefined)?.siteLate !== true) continue;
      } else {
        // LateData: a run created after the late data was found has it.
        const created = run.obj.metadata['creationTimestamp'];
        if (p.since !== undefined && typeof created === 'string' && Date.parse(created) >= Date.parse(p.since))
          continue;
      }
      // An active run is left to finish; a finished one makes way (same name), when there is room to rerun.
      if (run.finished && capacity > 0) deletes.push(run.obj);
      remaining.push(p);
      continue;
    }
    if (o.terminatingDates.has(p.date) || capacity <= 0) {
      remaining.push(p);
      continue;
    }
    starts.push({ date: p.date, trigger: TRIGGER[p.reason] });
    capacity--;
  }
  return { deletes, starts, remaining: remaining.slice(-MAX_PENDING_RERUNS) };
}

/** The runs to remember: those left after the plan's deletes, plus those it creates. */
export function knownRunsAfter(
  runs: readonly RerunRun[],
  deleted: ReadonlySet<string>,
  created: readonly string[],
): KnownRun[] {
  const known = new Map<string, KnownRun>();
  for (const r of runs) if (!deleted.has(r.date)) known.set(r.date, { date: r.date, finished: r.finished });
  for (const d of created) known.set(d, { date: d, finished: false });
  return [...known.values()].sort((a, b) => (a.date < b.date ? -1 : 1)).slice(-MAX_KNOWN_RUNS);
}

export const MAX_NO_INPUT_DATES = 366;

/**
 * The join's dates without input after this observation: a finished run that
 * found no rows adds its date (with the inputs that were empty), one that
 * found rows removes it; dates older than the rejoin window drop out.
 */
export function noInputDatesAfter(
  prev: readonly NoInputEntry[] | undefined,
  runs: readonly RerunRun[],
  oldest: string,
): NoInputEntry[] {
  const out = new Map((prev ?? []).map((d) => [d.date, d]));
  for (const r of runs) {
    if (!r.finished) continue;
    const st = r.obj['status'] as DailyJoinRunStatus | undefined;
    if (st?.outcome === 'NoInput') {
      out.set(r.date, { date: r.date, emptyInputs: emptyInputsOfRows(st.rows) });
    } else if (st?.outcome === 'Succeeded' || st?.outcome === 'Partial') out.delete(r.date);
  }
  return [...out.values()]
    .filter((d) => d.date >= oldest)
    .sort((a, b) => (a.date < b.date ? -1 : 1))
    .slice(-MAX_NO_INPUT_DATES);
}
