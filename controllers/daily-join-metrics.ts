import type { Registry } from 'prom-client';
import type { DailyJoinStatus } from '../src/api/daily-join.js';
import type { Informer } from '../src/k8s/informer.js';
import { kstDayStart } from '../src/kst.js';
import { metricMakers } from '../src/observe/metric-kit.js';

/**
 * On a cluster the join runs as a Job nobody scrapes; the controller knows
 * each DailyJoin's newest successful date from its status and exposes it under
 * the join's own metric names (docs/metrics.md), so the dashboard's "last
 * successful date" and the GridlakeJoinDateMissing alert read the same series
 * in both runtimes. Computed at scrape time from the informer cache.
 */
export function registerDailyJoinMetrics(registry: Registry, joins: Informer): void {
  const m = metricMakers(registry);
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
      for (const { join, status } of statusOf())
        if (status.lastSuccessfulDate) date.set({ join }, kstDayStart(status.lastSuccessfulDate) / 1000);
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
