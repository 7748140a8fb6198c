import {
  dailyJoinRunName,
  type DailyJoinRunSpec,
  type DailyJoinRunStatus,
  type RunTrigger,
} from '../src/api/daily-join-run.js';
import type { DailyJoinSpec, DailyJoinStatus } from '../src/api/daily-join.js';
import { checkDailyJoinSemantics, todayIn } from '../src/api/daily-join-semantics.js';
import { planSchedule, type SchedulePlan } from '../src/join/schedule.js';
import { conditionTime, type Condition, type ConditionInput } from '../src/k8s/conditions.js';
import type { KubeObject } from '../src/k8s/object-cache.js';
import { controllerReference, isControlledBy } from '../src/k8s/ownership.js';
import type { Action } from './apply.js';
import { COND, REASON, conditionsFor, invalidSpecCondition } from './conditions.js';
import { runFinished } from './daily-join-run-plan.js';
import { joinNoInputMessage, rejoinWindowDays } from '../src/join/no-input.js';
import { addDays } from '../src/kst.js';
import {
  collectReruns,
  knownRunsAfter,
  noInputDatesAfter,
  stepReruns,
  type NoInputEntry,
  type RerunRun,
} from './daily-join-reruns.js';
import { DAILY_JOIN_RUNS, GL_API_VERSION } from './resources.js';
import {
  dateEndIn,
  lagText,
  siteInputs,
  sitesBehind,
  type SiteInput,
  type SiteLag,
  type SiteLookup,
} from './daily-join-sites.js';

/**
 * Pure planning of a DailyJoin: which DailyJoinRuns to create (due dates from
 * the schedule planner in src/join/schedule.ts), which to delete (Replace,
 * history limits), and the status. Input is the join and its runs as they
 * are; `now` comes from the injected clock.
 */

/** Label on every run the schedule creates. */
export const JOIN_LABEL = 'gridlake.io/daily-join';

export interface JoinPlan {
  readonly actions: readonly Action[];
  readonly status: Record<string, unknown>;
  /** requeue at the next firing (null while suspended or invalid) */
  readonly requeueAfterMs: number | null;
  /** names of runs this plan creates (for the reconciler's expectations) */
  readonly creates: readonly string[];
  /** dates whose run this plan deletes (the reconciler remembers them: see collectReruns' deletedBySelf) */
  readonly deletes: readonly string[];
}

interface Run {
  readonly obj: KubeObject;
  readonly name: string;
  readonly date: string;
  readonly state: DailyJoinRunStatus['state'];
}

function runsOf(join: KubeObject, runs: readonly KubeObject[]): Run[] {
  return runs
    .filter(
      (r) =>
        (r['spec'] as DailyJoinRunSpec | undefined)?.joinRef.name === join.metadata.name &&
        !r.metadata.deletionTimestamp,
    )
    .map((r) => ({
      obj: r,
      name: r.metadata.name ?? '',
      date: (r['spec'] as DailyJoinRunSpec).date,
      state: (r['status'] as DailyJoinRunStatus | undefined)?.state,
    }))
    .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/** Finished runs beyond the history limits, oldest first; only runs this join created (a person's backfill stays). */
export function pruneRuns(
  join: KubeObject,
  runs: readonly KubeObject[],
  spec: Pick<DailyJoinSpec, 'successfulRunsHistoryLimit' | 'failedRunsHistoryLimit'>,
): KubeObject[] {
  const owned = runsOf(join, runs).filter((r) => isControlledBy(r.obj, join));
  const over = (state: 'Succeeded' | 'Failed', limit: number) => {
    const list = owned.filter((r) => r.state === state);
    return list.slice(0, Math.max(0, list.length - limit)).map((r) => r.obj);
  };
  return [...over('Succeeded', spec.successfulRunsHistoryLimit), ...over('Failed', spec.failedRunsHistoryLimit)];
}

/** Dates of this join's runs that are being deleted (their name is taken until they are gone). */
function terminatingDates(join: KubeObject, runs: readonly KubeObject[]): string[] {
  return runs
    .filter(
      (r) =>
        (r['spec'] as DailyJoinRunSpec | undefined)?.joinRef.name === join.metadata.name &&
        r.metadata.deletionTimestamp,
    )
    .map((r) => (r['spec'] as DailyJoinRunSpec).date);
}

/** The DailyJoinRun the schedule creates for a date; `siteLate`: a remote site has not forwarded the whole date. */
export function renderRun(join: KubeObject, date: string, trigger: RunTrigger, siteLate = false): KubeObject {
  const namespace = join.metadata.namespace ?? '';
  const joinName = join.metadata.name ?? '';
  return {
    apiVersion: GL_API_VERSION,
    kind: DAILY_JOIN_RUNS.kind,
    metadata: {
      name: dailyJoinRunName(joinName, date),
      namespace,
      labels: { [JOIN_LABEL]: joinName },
      ownerReferences: [controllerReference(join, { metadata: { namespace } })],
    },
    spec: { joinRef: { name: joinName }, date, trigger, ...(siteLate ? { siteLate: true } : {}) },
  };
}

export function planDailyJoin(
  join: KubeObject,
  allRuns: readonly KubeObject[],
  now: number,
  /** dates whose run this controller deleted and the join's status may not show yet (see collectReruns) */
  deletedBySelf?: ReadonlySet<string>,
  /** RemoteSites by name: inputs in a site namespace wait for its forwarded watermarks (daily-join-sites.ts) */
  sites: SiteLookup = () => undefined,
): JoinPlan {
  const spec = join['spec'] as DailyJoinSpec;
  const prev = join['status'] as (DailyJoinStatus & { conditions?: Condition[] }) | undefined;
  const generation = join.metadata.generation ?? 0;
  const namespace = join.metadata.namespace ?? '';
  const runs = runsOf(join, allRuns);
  const succeeded = runs.filter((r) => r.state === 'Succeeded');
  const lastSucceeded = succeeded[succeeded.length - 1];
  const finished = runs.filter((r) => runFinished(r.obj));
  const lastFinished = [...finished].sort((a, b) => (completion(a) < completion(b) ? -1 : 1))[finished.length - 1];
  // Monotone: pruning a run must not move lastSuccessfulDate back.
  const lastSuccessfulDate = max(prev?.lastSuccessfulDate, lastSucceeded?.date);
  const lastSuccessfulTime =
    lastSucceeded && lastSucceeded.date === lastSuccessfulDate
      ? completion(lastSucceeded) || prev?.lastSuccessfulTime
      : prev?.lastSuccessfulTime;
  const problems = checkDailyJoinSemantics(spec, new Date(now));
  const invalid = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
  const actions: Action[] = [];
  const creates: string[] = [];
  const deleted = new Set<string>();
  const del = (r: KubeObject) => {
    const date = (r['spec'] as DailyJoinRunSpec).date;
    if (deleted.has(date)) return;
    deleted.add(date);
    actions.push({
      op: 'delete',
      ref: { resource: DAILY_JOIN_RUNS, name: r.metadata.name ?? '', namespace },
      ...(r.metadata.uid ? { uid: r.metadata.uid } : {}),
    });
  };
  // Inputs collected by a remote site's agent: a date waits for their forwarded watermarks (never asked when invalid).
  const inputs = siteInputs(spec, namespace);
  const behind = (date: string): SiteLag[] => sitesBehind(inputs, sites, date, spec.timeZone);
  const lateDates = new Map((prev?.siteLateDates ?? []).map((d) => [d.date, d]));
  const create = (date: string, trigger: RunTrigger) => {
    // Any run started while a site is behind on its date is flagged, whatever started it, and rerun later.
    const late = behind(date).length > 0;
    if (late) lateDates.set(date, { date, since: conditionTime(now) });
    else lateDates.delete(date);
    const body = renderRun(join, date, trigger, late);
    creates.push(body.metadata.name ?? '');
    actions.push({ op: 'create', ref: { resource: DAILY_JOIN_RUNS, name: body.metadata.name ?? '', namespace }, body });
  };
  const rerunRuns: RerunRun[] = runs.map((r) => ({ obj: r.obj, date: r.date, finished: runFinished(r.obj) }));
  // Dates joined without input are kept (for the NoInput condition and their rerun) within the rejoin window.
  const noInputDates = invalid
    ? (prev?.noInputDates ?? [])
    : noInputDatesAfter(
        prev?.noInputDates,
        rerunRuns,
        addDays(todayIn(spec.timeZone, new Date(now)), -(rejoinWindowDays(spec) + 1)),
      );
  // An invalid spec (e.g. an unknown time zone) plans nothing: the rerun memory is carried over as it is.
  const pending = invalid
    ? new Map((prev?.pendingReruns ?? []).map((p) => [p.date, p]))
    : collectReruns({
        lateDataDays: spec.lateDataDays,
        rejoinDays: rejoinWindowDays(spec),
        noInputDates: new Set(noInputDates.map((d) => d.date)),
        timeZone: spec.timeZone,
        runs: rerunRuns,
        prevKnown: prev?.knownRuns,
        prevPending: prev?.pendingReruns,
        ...(deletedBySelf ? { deletedBySelf } : {}),
        now,
      });
  // A date run site_late whose sites have caught up is joined again.
  for (const d of [...lateDates.keys()].sort()) {
    if (invalid || behind(d).length > 0) continue;
    lateDates.delete(d);
    if (!pending.has(d)) pending.set(d, { date: d, reason: 'SiteCaughtUp', since: conditionTime(now) });
  }
  let plan: SchedulePlan | null = null;
  const rerunStarts: string[] = [];
  let scheduledStarts: string[] = [];
  let held: Held[] = [];
  let siteWaits: SiteWait[] = invalid ? [...(prev?.siteWaits ?? [])] : [];
  let remaining = [...pending.values()];
  if (!invalid) {
    const created = join.metadata['creationTimestamp'];
    plan = planSchedule(spec, {
      now,
      done: new Set(finished.map((r) => r.date)),
      active: new Set(runs.filter((r) => !runFinished(r.obj)).map((r) => r.date)),
      lastScheduleTime: prev?.lastScheduleTime ? Date.parse(prev.lastScheduleTime) : null,
      ...(typeof created === 'string' ? { createdDate: todayIn(spec.timeZone, new Date(created)) } : {}),
    });
    const terminating = new Set(terminatingDates(join, allRuns));
    const gate = gateSites(plan, prev?.siteWaits, runs, behind, spec.siteGraceSeconds * 1000, now);
    held = gate.held;
    // Replace makes way only for a date that starts now.
    if (gate.startNow.length > 0)
      for (const date of plan.replace) {
        const r = runs.find((x) => x.date === date);
        if (r) del(r.obj);
      }
    for (const w of gate.startNow) {
      create(w.date, w.trigger);
      scheduledStarts.push(w.date);
    }
    // Dates released from an earlier wait start within maxActiveRuns (none while suspended).
    let room = spec.suspend
      ? 0
      : Math.max(
          0,
          spec.maxActiveRuns -
            runs.filter((r) => !runFinished(r.obj) && !deleted.has(r.date)).length -
            scheduledStarts.length,
        );
    const stillWaiting: SiteWait[] = held.map((h) => h.wait);
    for (const w of gate.released) {
      if (room > 0 && !terminating.has(w.date)) {
        create(w.date, w.trigger);
        scheduledStarts.push(w.date);
        room--;
      } else stillWaiting.push(w);
    }
    siteWaits = stillWaiting.sort((a, b) => (a.date < b.date ? -1 : 1)).slice(-MAX_SITE_WAITS);
    // Reruns take what room the schedule leaves (none while suspended).
    const activeNow = runs.filter((r) => !runFinished(r.obj) && !deleted.has(r.date)).length + scheduledStarts.length;
    const steps = stepReruns(pending, {
      runs: rerunRuns,
      terminatingDates: terminating,
      scheduled: new Set([...scheduledStarts, ...siteWaits.map((w) => w.date)]),
      capacity: spec.suspend ? 0 : Math.max(0, spec.maxActiveRuns - activeNow),
    });
    for (const r of steps.deletes) del(r);
    for (const s of steps.starts) {
      create(s.date, s.trigger);
      rerunStarts.push(s.date);
    }
    remaining = [...steps.remaining];
  }
  for (const r of pruneRuns(join, allRuns, spec)) del(r);
  const replaced = new Set(plan?.replace ?? []);
  scheduledStarts = scheduledStarts.sort();
  const active = [
    ...runs.filter((r) => !runFinished(r.obj) && !replaced.has(r.date)).map((r) => ({ name: r.name, date: r.date })),
    ...[...scheduledStarts, ...rerunStarts].map((date) => ({
      name: dailyJoinRunName(join.metadata.name ?? '', date),
      date,
    })),
  ].sort((a, b) => (a.date < b.date ? -1 : 1));
  const knownRuns = invalid
    ? (prev?.knownRuns ?? []).filter((k) => !deleted.has(k.date))
    : knownRunsAfter(rerunRuns, deleted, [...scheduledStarts, ...rerunStarts]);
  const conditions = conditionsFor(
    prev?.conditions,
    generation,
    [
      ...joinConditions(spec, invalid, plan, lastFinished),
      noInputCondition(spec, noInputDates),
      // Only on joins with an input at a site (or that had one: the condition then turns False).
      ...(inputs.length > 0 || prev?.conditions?.some((c) => c.type === COND.WaitingForSites) === true
        ? [waitingForSitesCondition(spec, inputs, held, lateDates.size)]
        : []),
    ],
    now,
  );
  const lastScheduleTime =
    plan?.lastScheduleTime ?? (prev?.lastScheduleTime ? Date.parse(prev.lastScheduleTime) : null);
  const status: Record<string, unknown> = {
    observedGeneration: generation,
    conditions,
    ...(lastScheduleTime !== null ? { lastScheduleTime: conditionTime(lastScheduleTime) } : {}),
    ...(plan?.nextScheduleTime != null ? { nextScheduleTime: conditionTime(plan.nextScheduleTime) } : {}),
    ...(plan?.nextDate != null ? { nextDate: plan.nextDate } : {}),
    ...(lastSuccessfulDate ? { lastSuccessfulDate } : {}),
    ...(lastSuccessfulTime ? { lastSuccessfulTime } : {}),
    ...(active.length > 0 ? { activeRuns: active.slice(0, 64) } : {}),
    ...(knownRuns.length > 0 ? { knownRuns } : {}),
    ...(remaining.length > 0 ? { pendingReruns: remaining } : {}),
    ...(noInputDates.length > 0 ? { noInputDates } : {}),
    ...(siteWaits.length > 0 ? { siteWaits } : {}),
    ...(lateDates.size > 0
      ? {
          siteLateDates: [...lateDates.values()].sort((a, b) => (a.date < b.date ? -1 : 1)).slice(-MAX_SITE_WAITS),
        }
      : {}),
  };
  // Wake at the next firing, or when the first wait's grace ends.
  const wakes = [plan?.nextScheduleTime ?? null, ...held.map((h) => h.graceEnd)].filter((t): t is number => t !== null);
  const next = wakes.length > 0 ? Math.min(...wakes) : null;
  return {
    actions,
    status,
    creates,
    deletes: [...deleted],
    requeueAfterMs: next === null ? null : Math.max(1000, next - now),
  };
}

function joinConditions(
  spec: DailyJoinSpec,
  invalid: string,
  plan: SchedulePlan | null,
  lastFinished: Run | undefined,
): ConditionInput[] {
  const invalidCond = invalidSpecCondition(invalid);
  const ready: ConditionInput = invalid
    ? { type: COND.Ready, status: 'False', reason: REASON.SpecInvalid, message: invalid }
    : spec.suspend
      ? {
          type: COND.Ready,
          status: 'False',
          reason: REASON.Suspended,
          message: 'spec.suspend is true: no new runs are created.',
        }
      : { type: COND.Ready, status: 'True', reason: REASON.Scheduled, message: 'The schedule is running.' };
  const scheduling: ConditionInput = !plan
    ? { type: COND.Scheduling, status: 'False', reason: REASON.SpecInvalid, message: 'The spec is invalid.' }
    : plan.blocked === 'suspended'
      ? { type: COND.Scheduling, status: 'False', reason: REASON.Suspended, message: 'spec.suspend is true.' }
      : plan.blocked === 'max-active-runs' || plan.due.length > plan.start.length
        ? {
            type: COND.Scheduling,
            status: 'True',
            reason: REASON.WaitingForActiveRuns,
            message: `${plan.due.length - plan.start.length} due date(s) wait for active runs (maxActiveRuns ${spec.maxActiveRuns}).`,
          }
        : {
            type: COND.Scheduling,
            status: 'True',
            reason: REASON.UpToDate,
            message: `Next firing joins ${plan.nextDate ?? 'nothing'}.`,
          };
  const lastRun: ConditionInput = !lastFinished
    ? { type: COND.LastRunFailed, status: 'False', reason: REASON.NoRunsYet, message: 'No run has finished yet.' }
    : lastFinished.state === 'Failed'
      ? {
          type: COND.LastRunFailed,
          status: 'True',
          reason: REASON.LastRunFailed,
          message: `Run ${lastFinished.name} (${lastFinished.date}) failed.`,
        }
      : {
          type: COND.LastRunFailed,
          status: 'False',
          reason: REASON.LastRunSucceeded,
          message: `Run ${lastFinished.name} (${lastFinished.date}) succeeded.`,
        };
  return [ready, scheduling, invalidCond, lastRun];
}

/** NoInput: dates in the rejoin window whose last run found no rows, named with their empty inputs. */
function noInputCondition(spec: DailyJoinSpec, dates: readonly NoInputEntry[]): ConditionInput {
  return dates.length > 0
    ? {
        type: COND.NoInput,
        status: 'True',
        reason: REASON.DatesWithoutInput,
        message: joinNoInputMessage(spec, dates),
      }
    : {
        type: COND.NoInput,
        status: 'False',
        reason: REASON.InputsFound,
        message: 'No date in the catch-up window was joined without input.',
      };
}

type SiteWait = NonNullable<DailyJoinStatus['siteWaits']>[number];
const MAX_SITE_WAITS = 366;

/** A due date held back: the sites behind on it, and when its grace ends. */
interface Held {
  readonly wait: SiteWait;
  readonly lags: readonly SiteLag[];
  readonly graceEnd: number;
}

/**
 * The due dates against the sites' watermarks: the schedule's new starts and
 * the dates already waiting (`status.siteWaits`), each started once no site
 * is behind on it or its grace (from when it became due) is over, else held.
 */
function gateSites(
  plan: SchedulePlan,
  prevWaits: readonly SiteWait[] | undefined,
  runs: readonly Run[],
  behind: (date: string) => SiteLag[],
  graceMs: number,
  now: number,
): { startNow: SiteWait[]; released: SiteWait[]; held: Held[] } {
  const live = new Set(runs.map((r) => r.date));
  const waits = new Map<string, SiteWait>();
  // A date that got a run meanwhile (a person's backfill) is no longer waiting.
  for (const w of prevWaits ?? []) if (!live.has(w.date)) waits.set(w.date, w);
  const fresh = new Set(plan.start.map((d) => d.date));
  for (const d of plan.start)
    if (!waits.has(d.date))
      waits.set(d.date, {
        date: d.date,
        since: conditionTime(d.scheduledAt),
        trigger: d.trigger === 'on-time' ? 'Schedule' : 'CatchUp',
      });
  const startNow: SiteWait[] = [];
  const released: SiteWait[] = [];
  const held: Held[] = [];
  for (const w of [...waits.values()].sort((a, b) => (a.date < b.date ? -1 : 1))) {
    const lags = behind(w.date);
    const graceEnd = Date.parse(w.since) + graceMs;
    if (lags.length > 0 && now < graceEnd) held.push({ wait: w, lags, graceEnd });
    // The schedule's own starts are within maxActiveRuns already; earlier waits need room.
    else if (fresh.has(w.date)) startNow.push(w);
    else released.push(w);
  }
  return { startNow, released, held };
}

/** WaitingForSites: the oldest held date with every site, source and watermark it waits for. */
function waitingForSitesCondition(
  spec: DailyJoinSpec,
  inputs: readonly SiteInput[],
  held: readonly Held[],
  lateCount: number,
): ConditionInput {
  const first = held[0];
  if (first === undefined) {
    const late =
      lateCount > 0 ? ` ${lateCount} date(s) ran site_late and are joined again once their sites catch up.` : '';
    return inputs.length === 0
      ? {
          type: COND.WaitingForSites,
          status: 'False',
          reason: REASON.NoSiteInputs,
          message: 'No input is in a site namespace.',
        }
      : {
          type: COND.WaitingForSites,
          status: 'False',
          reason: REASON.SitesCaughtUp,
          message: `No due date waits for a remote site.${late}`,
        };
  }
  const more = held.length > 1 ? ` ${held.length - 1} more date(s) wait too.` : '';
  return {
    type: COND.WaitingForSites,
    status: 'True',
    reason: REASON.WatermarkBehind,
    message:
      `${first.wait.date} waits until the watermarks reach ${conditionTime(dateEndIn(first.wait.date, spec.timeZone))} ` +
      `(end of the date in ${spec.timeZone}): ${first.lags.map(lagText).join('; ')}. ` +
      `At ${conditionTime(first.graceEnd)} (siteGraceSeconds ${spec.siteGraceSeconds}) it runs flagged site_late.${more}`,
  };
}

function completion(r: Run): string {
  return (r.obj['status'] as DailyJoinRunStatus | undefined)?.completionTime ?? '';
}

function max(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}
