import type { Registry } from 'prom-client';
import type { Logger } from '../observe/log.js';
import { CallBudget, type Operation } from './common/budget.js';
import { systemClock, type Clock } from '../clock.js';
import type { Rng } from '../random.js';
import type { ReadingSink } from './common/reading-sink.js';
import { runTasks } from './common/run-loop.js';
import { createSourceMetrics, initPollSeries } from './common/source-metrics.js';
import { OUTCOMES } from './common/outcome.js';
import { createFetchTransport, type Transport } from './common/transport.js';
import { buildSourceTasks, type SourceConfig, type SourceTasks } from './source-tasks.js';

/** Everything a running collector process needs. */
export interface CollectRunOptions {
  readonly sources: readonly SourceConfig[];
  readonly sink: ReadingSink;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly limits?: Partial<Record<Operation, number>>;
  /** The call budget (e.g. restored by `withCheckpoints`); default: a new one from `limits`. */
  readonly budget?: CallBudget;
  readonly transport?: Transport;
  readonly clock?: Clock;
  readonly rng?: Rng;
  readonly signal?: AbortSignal;
  /** Stop at this instant (simulations); default: run until aborted. */
  readonly until?: number;
  /** Per-request timeout of the default transport (ms). */
  readonly timeoutMs?: number;
}

/** A started collector: its tasks (for status) and the promise of the loop. */
export interface CollectRun {
  readonly built: SourceTasks;
  readonly done: Promise<void>;
}

/** Wires budget, metrics, transport and sink to the source tasks and starts the loop. */
export function startCollectors(options: CollectRunOptions): CollectRun {
  const clock = options.clock ?? systemClock;
  const metrics = createSourceMetrics(options.registry);
  const built = buildSourceTasks(options.sources, {
    clock,
    rng: options.rng ?? Math.random,
    transport: options.transport ?? createFetchTransport({ timeoutMs: options.timeoutMs ?? 10_000 }),
    sink: options.sink,
    budget: options.budget ?? new CallBudget(options.limits ?? {}),
    metrics,
    logger: options.logger,
    ...(options.signal ? { stop: options.signal } : {}),
  });
  for (const s of options.sources) initPollSeries(metrics, s.kind, s.source, OUTCOMES);
  const done = runTasks(built.tasks, {
    clock,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.until === undefined ? {} : { until: options.until }),
  });
  return { built, done };
}
