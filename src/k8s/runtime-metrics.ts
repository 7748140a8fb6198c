import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { RequestObserver } from './kube-client.js';

/**
 * The controller runtime's metrics, named like controller-runtime's so
 * existing dashboards and alerts work unchanged (docs/metrics.md). One
 * set per registry: every queue, informer and elector labels its own series.
 */
export interface RuntimeMetrics {
  readonly queueDepth: Gauge<'name'>;
  readonly queueAdds: Counter<'name'>;
  readonly queueRetries: Counter<'name'>;
  readonly queueDuration: Histogram<'name'>;
  readonly workDuration: Histogram<'name'>;
  readonly longestRunning: Gauge<'name'>;
  readonly unfinishedWork: Gauge<'name'>;
  readonly reconcileTotal: Counter<'controller' | 'result'>;
  readonly reconcileErrors: Counter<'controller'>;
  readonly reconcileTime: Histogram<'controller'>;
  readonly maxConcurrent: Gauge<'controller'>;
  readonly activeWorkers: Gauge<'controller'>;
  readonly leaderStatus: Gauge<'name'>;
  readonly informerRestarts: Counter<'kind' | 'reason'>;
  /** API requests by method and HTTP status (`<error>` for network failures), as client-go counts them */
  readonly restRequests: Counter<'code' | 'method'>;
  /** Called at scrape time to refresh the gauges that are computed, not counted. */
  readonly collectors: Set<() => void>;
}

const byRegistry = new WeakMap<Registry, RuntimeMetrics>();

// controller-runtime's buckets for reconcile and queue durations (seconds).
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The runtime metrics of `registry`, created on first use. */
export function runtimeMetrics(registry: Registry): RuntimeMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const collectors = new Set<() => void>();
  const registers = [registry];
  const refresh = (): void => {
    for (const c of collectors) c();
  };
  const m: RuntimeMetrics = {
    queueDepth: new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of the work queue',
      labelNames: ['name'],
      registers,
    }),
    queueAdds: new Counter({
      name: 'workqueue_adds_total',
      help: 'Adds handled by the work queue',
      labelNames: ['name'],
      registers,
    }),
    queueRetries: new Counter({
      name: 'workqueue_retries_total',
      help: 'Rate-limited retries handled by the work queue',
      labelNames: ['name'],
      registers,
    }),
    queueDuration: new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long an item stays in the work queue before it is processed',
      labelNames: ['name'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    workDuration: new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long processing an item from the work queue takes',
      labelNames: ['name'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    longestRunning: new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How long the longest running processor of the work queue has been running',
      labelNames: ['name'],
      registers,
      collect: refresh,
    }),
    unfinishedWork: new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help: 'Seconds of work in progress that has not been observed by work_duration yet',
      labelNames: ['name'],
      registers,
      collect: refresh,
    }),
    reconcileTotal: new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Reconciliations per controller and result',
      labelNames: ['controller', 'result'],
      registers,
    }),
    reconcileErrors: new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    }),
    reconcileTime: new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    maxConcurrent: new Gauge({
      name: 'controller_runtime_max_concurrent_reconciles',
      help: 'Maximum number of concurrent reconciles per controller',
      labelNames: ['controller'],
      registers,
    }),
    activeWorkers: new Gauge({
      name: 'controller_runtime_active_workers',
      help: 'Number of reconciles running now per controller',
      labelNames: ['controller'],
      registers,
    }),
    leaderStatus: new Gauge({
      name: 'leader_election_master_status',
      help: '1 while this process holds the leader Lease, 0 while it is a standby',
      labelNames: ['name'],
      registers,
    }),
    informerRestarts: new Counter({
      name: 'gridlake_informer_restarts_total',
      help: 'Informer list/watch restarts by kind and reason',
      labelNames: ['kind', 'reason'],
      registers,
    }),
    restRequests: new Counter({
      name: 'rest_client_requests_total',
      help: 'Kubernetes API requests by HTTP status code and method (watches count when they open)',
      labelNames: ['code', 'method'],
      registers,
    }),
    collectors,
  };
  byRegistry.set(registry, m);
  return m;
}

/** A kube-client request observer that counts into `rest_client_requests_total`. */
export function countRequests(metrics: RuntimeMetrics): RequestObserver {
  return ({ method, status }) =>
    metrics.restRequests.inc({ method, code: status === undefined ? '<error>' : String(status) });
}
