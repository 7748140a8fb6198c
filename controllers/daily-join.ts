import type { DailyJoinRunSpec } from '../src/api/daily-join-run.js';
import type { DailyJoinSpec, DailyJoinStatus } from '../src/api/daily-join.js';
import { siteNamespace } from '../src/api/remote-site.js';
import type { KubeObject } from '../src/k8s/object-cache.js';
import type { ControllerOptions } from '../src/k8s/controller.js';
import type { Informer } from '../src/k8s/informer.js';
import { splitKey } from '../src/k8s/object-cache.js';
import { writeStatus } from '../src/k8s/status-writer.js';
import { applyActions, recordActions } from './apply.js';
import { planDailyJoin } from './daily-join-plan.js';
import { siteInputs } from './daily-join-sites.js';
import { resultAfter, type ControllerDeps } from './deps.js';
import { DAILY_JOINS } from './resources.js';

/**
 * CRD: DailyJoin (gridlake.io/v1alpha1, dailyjoins).
 * Children: one DailyJoinRun per due logical date, named `<join>-<yyyymmdd>`
 * (dailyJoinRunName), owned by the join; created with POST, AlreadyExists
 * counts as done, so two controllers or a restart never make a date twice.
 * concurrencyPolicy Forbid/Allow/Replace and maxActiveRuns bound active runs;
 * history limits delete old finished runs. Requeues at the next firing.
 * Reruns (daily-join-reruns.ts): a run a person deleted, and earlier dates a
 * run's late-data pass reported in its status.lateData, run again within
 * maxActiveRuns; status.knownRuns and status.pendingReruns are the memory.
 * Status: lastScheduleTime, nextScheduleTime, nextDate, lastSuccessfulDate,
 * activeRuns. Conditions: Ready, Scheduling, InvalidSpec (checkDailyJoinSemantics),
 * LastRunFailed, NoInput, WaitingForSites. Planning: daily-join-plan.ts (schedule:
 * src/join/schedule.ts; remote sites' watermarks: daily-join-sites.ts).
 */
export interface JoinInformers {
  readonly joins: Informer;
  readonly runs: Informer;
  /** RemoteSites (cluster-scoped): their forwarded watermarks gate dates whose inputs a site collects */
  readonly sites: Informer;
}

/** How long a reconcile waits for runs it created to show up in the cache before planning without them. */
const EXPECTATION_TIMEOUT_MS = 30_000;

export function dailyJoinController(deps: ControllerDeps, inf: JoinInformers): ControllerOptions {
  // Runs created but not yet seen by the informer (controller-runtime's "expectations"): planning on a cache
  // that misses them would count too few active runs and start more than maxActiveRuns.
  const expected = new Map<string, { names: readonly string[]; at: number }>();
  // Dates whose run this process deleted (prune, Replace, late-data rerun) until the cached join's
  // status.knownRuns stops listing them: a status write that conflicted, or a cache that has not seen it
  // yet, must not turn our own delete into a person's delete (which reruns the date).
  const deletedBySelf = new Map<string, Set<string>>();
  return {
    name: 'dailyjoin',
    for: inf.joins,
    watches: [
      {
        informer: inf.runs,
        // Runs wake their join: by joinRef, which also covers runs a person created for a backfill.
        keys: (r) => {
          const ref = (r['spec'] as DailyJoinRunSpec | undefined)?.joinRef.name;
          return ref ? [`${r.metadata.namespace}/${ref}`] : [];
        },
      },
      {
        informer: inf.sites,
        // A site's watermarks moving may release a date of every join with an input in its namespace.
        keys: (site) => {
          const ns = siteNamespace(site.metadata.name ?? '');
          return inf.joins
            .list()
            .filter((j) =>
              siteInputs(j['spec'] as DailyJoinSpec, j.metadata.namespace ?? '').some((i) => i.namespace === ns),
            )
            .map((j) => `${j.metadata.namespace}/${j.metadata.name}`);
        },
      },
    ],
    // Mostly waiting on the API server: a thousand joins must not queue behind one status write at a time.
    maxConcurrency: 8,
    reconcile: async (key, ctx) => {
      const join = inf.joins.get(key);
      if (!join || join.metadata.deletionTimestamp) {
        expected.delete(key);
        deletedBySelf.delete(key);
        return { kind: 'done' };
      }
      const now = deps.clock.now();
      const { namespace } = splitKey(key);
      const waiting = expected.get(key);
      if (waiting) {
        const seen = waiting.names.every((n) => inf.runs.get(`${namespace}/${n}`) !== undefined);
        if (!seen && deps.clock.now() - waiting.at < EXPECTATION_TIMEOUT_MS) return { kind: 'requeue', afterMs: 200 };
        expected.delete(key);
      }
      const runs = inf.runs.list(namespace);
      const mine = deletedBySelf.get(key);
      if (mine) forgetSettled(mine, join, runs);
      const plan = planDailyJoin(join, runs, now, mine, (site) => inf.sites.get(site));
      await applyActions(deps.client, plan.actions, ctx.signal);
      if (plan.deletes.length > 0) {
        const set = deletedBySelf.get(key) ?? new Set<string>();
        for (const d of plan.deletes) set.add(d);
        deletedBySelf.set(key, set);
      } else if (mine?.size === 0) deletedBySelf.delete(key);
      void recordActions(deps.events, join, plan.actions);
      if (plan.creates.length > 0) expected.set(key, { names: plan.creates, at: deps.clock.now() });
      const written = await writeStatus(deps.client, DAILY_JOINS, join, plan.status, ctx.signal);
      return resultAfter(written, plan.requeueAfterMs);
    },
  };
}

/** Drops the dates the join's cached status no longer lists as known, or that have a run again. */
function forgetSettled(dates: Set<string>, join: KubeObject, runs: readonly KubeObject[]): void {
  const known = new Set(((join['status'] as DailyJoinStatus | undefined)?.knownRuns ?? []).map((k) => k.date));
  const name = join.metadata.name;
  const live = new Set(
    runs
      .filter(
        (r) => (r['spec'] as DailyJoinRunSpec | undefined)?.joinRef.name === name && !r.metadata.deletionTimestamp,
      )
      .map((r) => (r['spec'] as DailyJoinRunSpec).date),
  );
  for (const d of dates) if (!known.has(d) || live.has(d)) dates.delete(d);
}
