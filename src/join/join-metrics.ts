import type { Registry } from 'prom-client';
import { kstDayStart } from '../kst.js';
import { metricMakers } from '../observe/metric-kit.js';
import type { RunReport } from './manifest.js';

/**
 * The daily-join metrics (docs/metrics.md). Labels stay low-cardinality:
 * join name, outcome, table; never the date.
 */
export interface JoinMetrics {
  observe(report: RunReport): void;
}

/** A run's outcome as the metrics label it. */
export const JOIN_OUTCOME_LABELS = ['succeeded', 'partial', 'no_input', 'failed'] as const;
export type JoinOutcomeLabel = (typeof JOIN_OUTCOME_LABELS)[number];

/**
 * The two run metrics (runs by outcome, run duration): the join registers them
 * when it runs in-process; on a cluster the controller does, from each
 * DailyJoinRun's status (controllers/daily-join-metrics.ts), as nobody scrapes
 * the join's Job.
 */
export function createJoinRunMetrics(registry: Registry): {
  finished(join: string, outcome: JoinOutcomeLabel, seconds: number | undefined): void;
  /** makes the join's run counters exist at 0: `increase()` sees nothing in a series born at 1 (its first failure) */
  known(join: string): void;
} {
  const { counter, histogram } = metricMakers(registry);
  const runs = counter(
    'gridlake_join_runs_total',
    'Daily join runs by outcome (succeeded, partial, no_input, failed).',
    ['join', 'outcome'],
  );
  const duration = histogram(
    'gridlake_join_run_duration_seconds',
    'Wall time of one daily join run.',
    ['join'],
    [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  );
  const known = (join: string): void => {
    for (const outcome of JOIN_OUTCOME_LABELS) runs.inc({ join, outcome }, 0);
  };
  return {
    finished(join, outcome, seconds) {
      known(join);
      runs.inc({ join, outcome });
      if (seconds !== undefined) duration.observe({ join }, seconds);
    },
    known,
  };
}

/** Registers the join metrics on a registry (reusing them when already there). */
export function createJoinMetrics(registry: Registry): JoinMetrics {
  const { counter, gauge } = metricMakers(registry);
  const run = createJoinRunMetrics(registry);
  const rows = counter('gridlake_join_rows_total', 'Warehouse rows written by daily join runs.', ['join', 'table']);
  const lastSuccess = gauge(
    'gridlake_join_last_success_timestamp_seconds',
    'When the last successful (succeeded or partial) run of the join finished.',
    ['join'],
  );
  const lastSuccessDate = gauge(
    'gridlake_join_last_success_date_timestamp_seconds',
    'Logical date (00:00 KST) of the last successful run of the join.',
    ['join'],
  );
  const latestDate = new Map<string, number>();
  return {
    observe(report: RunReport): void {
      const join = report.join;
      run.finished(join, report.outcome === 'no-input' ? 'no_input' : report.outcome, report.durationSeconds);
      for (const [table, n] of Object.entries(report.rowsOut)) if (n > 0) rows.inc({ join, table }, n);
      if (report.outcome === 'succeeded' || report.outcome === 'partial') {
        lastSuccess.set({ join }, Date.parse(report.finishedAt) / 1000);
        // A newer logical date only moves the gauge forward (a backfill of an old date does not).
        const dateSeconds = kstDayStart(report.date) / 1000;
        const latest = Math.max(dateSeconds, latestDate.get(join) ?? -Infinity);
        latestDate.set(join, latest);
        lastSuccessDate.set({ join }, latest);
      }
    },
  };
}
