import type { DailyJoinRunSpec } from '../src/api/daily-join-run.js';
import type { ControllerOptions } from '../src/k8s/controller.js';
import { controllerOwnerKeys } from '../src/k8s/controller.js';
import type { Informer } from '../src/k8s/informer.js';
import { splitKey } from '../src/k8s/object-cache.js';
import { planRun } from './daily-join-run-plan.js';
import { enactPlan, type ControllerDeps } from './deps.js';
import { DAILY_JOIN_RUNS, RUN_LABEL } from './resources.js';

/**
 * CRD: DailyJoinRun (gridlake.io/v1alpha1, dailyjoinruns).
 * Child: Job `<run name>` running `gridlake join --join <ns/join> --date <date>`
 * (backoffLimit and activeDeadlineSeconds from the DailyJoin), owned by the run.
 * Status: state, attempts, start/completion time, duration from the Job;
 * outcome, rows and quality from the run report in the join container's
 * termination message (src/api/run-report.ts). Conditions: Succeeded, Running.
 * Planning: daily-join-run-plan.ts.
 */
export interface RunInformers {
  readonly runs: Informer;
  readonly joins: Informer;
  readonly jobs: Informer;
  /** pods labelled gridlake.io/daily-join-run */
  readonly pods: Informer;
}

export function dailyJoinRunController(deps: ControllerDeps, inf: RunInformers): ControllerOptions {
  return {
    name: 'dailyjoinrun',
    for: inf.runs,
    watches: [
      { informer: inf.jobs, keys: controllerOwnerKeys('DailyJoinRun') },
      // Pods belong to the Job; their label names the run.
      {
        informer: inf.pods,
        keys: (p) =>
          p.metadata.labels?.[RUN_LABEL] ? [`${p.metadata.namespace}/${p.metadata.labels[RUN_LABEL]}`] : [],
      },
      // A run waiting for its DailyJoin starts once it appears.
      {
        informer: inf.joins,
        keys: (j) =>
          inf.runs
            .list(j.metadata.namespace)
            .filter(
              (r) =>
                (r['spec'] as DailyJoinRunSpec).joinRef.name === j.metadata.name &&
                !(r['status'] as { jobName?: string } | undefined)?.jobName,
            )
            .map((r) => `${r.metadata.namespace}/${r.metadata.name}`),
      },
    ],
    maxConcurrency: 4,
    reconcile: async (key, ctx) => {
      const run = inf.runs.get(key);
      // Deleted: garbage collection removes the Job and its pods.
      if (!run || run.metadata.deletionTimestamp) return { kind: 'done' };
      const { namespace, name } = splitKey(key);
      const spec = run['spec'] as DailyJoinRunSpec;
      const plan = planRun(
        {
          run,
          join: inf.joins.get(`${namespace}/${spec.joinRef.name}`),
          job: inf.jobs.get(key),
          pods: inf.pods.list(namespace).filter((p) => p.metadata.labels?.[RUN_LABEL] === name),
        },
        deps.workload,
        deps.clock.now(),
      );
      const hadOutcome = (run['status'] as { outcome?: string } | undefined)?.outcome !== undefined;
      return enactPlan(deps, DAILY_JOIN_RUNS, run, { ...plan, requeueAfterMs: null }, ctx.signal, (written) => {
        // Counted by the write that first stored an outcome: once per run, whichever controller made it.
        if (!hadOutcome && plan.status['outcome'] !== undefined) deps.joinRunFinished?.(written, plan.status);
      });
    },
  };
}
