import type { Registry } from 'prom-client';
import { metricMakers } from '../observe/metric-kit.js';
import type { RequestObserver } from './kube-client.js';

/**
 * The controller runtime's metrics, named like controller-runtime's so
 * existing dashboards and alerts work unchanged (docs/metrics.md). One
 * set per registry: every queue, informer and elector labels its own series.
 */
export type RuntimeMetrics = Readonly<ReturnType<typeof createRuntimeMetrics>>;

const byRegistry = new WeakMap<Registry, RuntimeMetrics>();

// controller-runtime's buckets for reconcile and queue durations (seconds).
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The runtime metrics of `registry`, created on first use. */
export function runtimeMetrics(registry: Registry): RuntimeMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const m = createRuntimeMetrics(registry);
  byRegistry.set(registry, m);
  return m;
}

function createRuntimeMetrics(registry: Registry) {
  const { counter, gauge, histogram } = metricMakers(registry);
  const collectors = new Set<() => void>();
  const refresh = (): void => {
    for (const c of collectors) c();
  };
  const byName = ['name'] as const;
  const byController = ['controller'] as const;
  return {
    queueDepth: gauge('workqueue_depth', 'Current depth of the work queue', byName),
    queueAdds: counter('workqueue_adds_total', 'Adds handled by the work queue', byName),
    queueRetries: counter('workqueue_retries_total', 'Rate-limited retries handled by the work queue', byName),
    queueDuration: histogram(
      'workqueue_queue_duration_seconds',
      'How long an item stays in the work queue before it is processed',
      byName,
      DURATION_BUCKETS,
    ),
    workDuration: histogram(
      'workqueue_work_duration_seconds',
      'How long processing an item from the work queue takes',
      byName,
      DURATION_BUCKETS,
    ),
    longestRunning: gauge(
      'workqueue_longest_running_processor_seconds',
      'How long the longest running processor of the work queue has been running',
      byName,
      refresh,
    ),
    unfinishedWork: gauge(
      'workqueue_unfinished_work_seconds',
      'Seconds of work in progress that has not been observed by work_duration yet',
      byName,
      refresh,
    ),
    reconcileTotal: counter('controller_runtime_reconcile_total', 'Reconciliations per controller and result', [
      'controller',
      'result',
    ]),
    reconcileErrors: counter(
      'controller_runtime_reconcile_errors_total',
      'Reconciliation errors per controller',
      byController,
    ),
    reconcileTime: histogram(
      'controller_runtime_reconcile_time_seconds',
      'Time per reconciliation per controller',
      byController,
      DURATION_BUCKETS,
    ),
    maxConcurrent: gauge(
      'controller_runtime_max_concurrent_reconciles',
      'Maximum number of concurrent reconciles per controller',
      byController,
    ),
    activeWorkers: gauge(
      'controller_runtime_active_workers',
      'Number of reconciles running now per controller',
      byController,
    ),
    leaderStatus: gauge(
      'leader_election_master_status',
      '1 while this process holds the leader Lease, 0 while it is a standby',
      byName,
    ),
    informerRestarts: counter('gridlake_informer_restarts_total', 'Informer list/watch restarts by kind and reason', [
      'kind',
      'reason',
    ]),
    /** API requests by method and HTTP status (`<error>` for network failures), as client-go counts them */
    restRequests: counter(
      'rest_client_requests_total',
      'Kubernetes API requests by HTTP status code and method (watches count when they open)',
      ['code', 'method'],
    ),
    /** Called at scrape time to refresh the gauges that are computed, not counted. */
    collectors,
  };
}

/** A kube-client request observer that counts into `rest_client_requests_total`. */
export function countRequests(metrics: RuntimeMetrics): RequestObserver {
  return ({ method, status }) =>
    metrics.restRequests.inc({ method, code: status === undefined ? '<error>' : String(status) });
}
