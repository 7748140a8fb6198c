import type { Registry } from 'prom-client';
import type { DailyJoinStatus } from '../src/api/daily-join.js';
import type { DailyJoinRunSpec, RunOutcome } from '../src/api/daily-join-run.js';
import { createJoinRunMetrics, type JoinOutcomeLabel } from '../src/join/join-metrics.js';
import type { KubeObject } from '../src/k8s/object-cache.js';
import type { Informer } from '../src/k8s/informer.js';
import { kstDayStart } from '../src/kst.js';
import { metricMakers } from '../src/observe/metric-kit.js';

/**
 * On a cluster the join runs as a Job nobody scrapes; the controller knows
 * each DailyJoin's newest successful date from its status and exposes it under
 * the join's own metric names (docs/metrics.md), so the dashboard's "last
 * successful date" and the GridlakeJoinDateMissing alert read the same series
 * in both runtimes. Computed at scrape time from the informer cache, where
 * each DailyJoin's run counters are also made to exist at 0 (joinRunCounter
 * below counts them).
 */
export function registerDailyJoinMetrics(registry: Registry, joins: Informer): void {
  const m = metricMakers(registry);
  const runs = createJoinRunMetrics(registry);
  const statusOf = () =>
    joins.list().map((j) => ({
      join: `${j.metadata.namespace ?? ''}/${j.metadata.name ?? ''}`,
      status: (j['status'] ?? {}) as Partial<DailyJoinStatus>,
    }));
  const date = m.gauge(
    'gridlake_join_last_success_date_timestamp_seconds',
    'Logical date (00:00 KST) of the newest successful run of a DailyJoin.',
    ['join'],
    () => {
      date.reset();
      for (const { join, status } of statusOf()) {
        // Every DailyJoin's run counters exist at 0 from its second scrape on (the counter is written out before
        // this collect runs), long before its first Job can finish: so its first failed run is an increase.
        runs.known(join);
        if (status.lastSuccessfulDate) date.set({ join }, kstDayStart(status.lastSuccessfulDate) / 1000);
      }
    },
  );
  const time = m.gauge(
    'gridlake_join_last_success_timestamp_seconds',
    'When the newest successful run of a DailyJoin finished.',
    ['join'],
    () => {
      time.reset();
      for (const { join, status } of statusOf()) {
        const ms = status.lastSuccessfulTime ? Date.parse(status.lastSuccessfulTime) : NaN;
        if (!Number.isNaN(ms)) time.set({ join }, ms / 1000);
      }
    },
  );
}

const OUTCOME_LABEL: Record<RunOutcome, JoinOutcomeLabel> = {
  Succeeded: 'succeeded',
  Partial: 'partial',
  NoInput: 'no_input',
  Failed: 'failed',
};

/**
 * The join's run metrics (`gridlake_join_runs_total`, `gridlake_join_run_duration_seconds`)
 * on a cluster: counted when the controller first writes a DailyJoinRun's
 * outcome (`ControllerDeps.joinRunFinished`), with the Job's duration. After a
 * failover the new leader counts from zero, which Prometheus' `increase` reads
 * as a counter reset.
 */
export function joinRunCounter(registry: Registry): (run: KubeObject, status: Record<string, unknown>) => void {
  const metrics = createJoinRunMetrics(registry);
  return (run, status) => {
    const outcome = OUTCOME_LABEL[status['outcome'] as RunOutcome];
    if (outcome === undefined) return;
    const join = `${run.metadata.namespace ?? ''}/${(run['spec'] as DailyJoinRunSpec).joinRef.name}`;
    const seconds = status['durationSeconds'];
    metrics.finished(join, outcome, typeof seconds === 'number' ? seconds : undefined);
  };
}
