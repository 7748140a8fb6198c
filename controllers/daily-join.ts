import type { DailyJoinRunSpec } from '../src/api/daily-join-run.js';
import type { ControllerOptions } from '../src/k8s/controller.js';
import type { Informer } from '../src/k8s/informer.js';
import { splitKey } from '../src/k8s/object-cache.js';
import { writeStatus } from '../src/k8s/status-writer.js';
import { applyActions, recordActions } from './apply.js';
import { planDailyJoin } from './daily-join-plan.js';
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
 * LastRunFailed. Planning: daily-join-plan.ts (schedule: src/join/schedule.ts).
 */
export interface JoinInformers {
  readonly joins: Informer;
  readonly runs: Informer;
}

/** How long a reconcile waits for runs it created to show up in the cache before planning without them. */
const EXPECTATION_TIMEOUT_MS = 30_000;

export function dailyJoinController(deps: ControllerDeps, inf: JoinInformers): ControllerOptions {
  // Runs created but not yet seen by the informer (controller-runtime's "expectations"): planning on a cache
  // that misses them would count too few active runs and start more than maxActiveRuns.
  const expected = new Map<string, { names: readonly string[]; at: number }>();
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
    ],
    // Mostly waiting on the API server: a thousand joins must not queue behind one status write at a time.
    maxConcurrency: 8,
    reconcile: async (key, ctx) => {
      const join = inf.joins.get(key);
      if (!join || join.metadata.deletionTimestamp) {
        expected.delete(key);
        return { kind: 'done' };
      }
      const now = deps.clock.now();
      const { namespace } = splitKey(key);
      const waiting = expected.get(key);
      if (waiting) {
        const seen = waiting.names.every((n) => inf.runs.get(`${namespace}/${n}`) !== undefined);
        if (!seen && Date.now() - waiting.at < EXPECTATION_TIMEOUT_MS) return { kind: 'requeue', afterMs: 200 };
        expected.delete(key);
      }
      const plan = planDailyJoin(join, inf.runs.list(namespace), now);
      await applyActions(deps.client, plan.actions, ctx.signal);
      void recordActions(deps.events, join, plan.actions);
      if (plan.creates.length > 0) expected.set(key, { names: plan.creates, at: Date.now() });
      const written = await writeStatus(deps.client, DAILY_JOINS, join, plan.status, ctx.signal);
      return resultAfter(written, plan.requeueAfterMs);
    },
  };
}
