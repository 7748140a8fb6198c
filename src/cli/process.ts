import type { EventEmitter } from 'node:events';
import type { Registry } from 'prom-client';
import { glError } from '../errors.js';
import type { StatusView } from '../api/status-view.js';
import type { ReadinessCheck } from '../observe/http-server.js';
import type { Logger } from '../observe/log.js';
import type { StatusPageOptions } from '../observe/status-page.js';

/*
 * What every long-running command does around its work, written once: wait
 * for SIGINT/SIGTERM, serve /metrics /healthz /readyz (and undo what started
 * when the port cannot be had), and report progress into the resource's
 * status with `--report-status`. The run-<command>.ts bodies and the embedded
 * default build their process from these.
 */

/** Where stop signals come from: `process`, or an EventEmitter in tests. */
export type SignalSource = Pick<EventEmitter, 'once' | 'off'>;

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * Resolves with the first SIGINT or SIGTERM, then stops listening for both, so
 * a second Ctrl-C falls back to Node's default (the process ends at once).
 */
export function stopSignal(source: SignalSource = process): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      for (const s of STOP_SIGNALS) source.off(s, onSignal);
      resolve(signal);
    };
    for (const s of STOP_SIGNALS) source.once(s, onSignal);
  });
}

/** A listening observe server. */
export interface ObserveServer {
  /** e.g. http://127.0.0.1:9464 */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * Serves /metrics, /healthz and /readyz on host:port. When it cannot listen
 * (the port is taken), `undo` stops what the command already started, so the
 * process can exit with the error instead of living on behind it.
 */
export async function startObserveServer(o: {
  readonly registry: Registry;
  readonly logger: Logger;
  readonly readiness?: readonly ReadinessCheck[];
  readonly statusPage?: StatusPageOptions;
  /** served at /status.json */
  readonly status?: () => StatusView | Promise<StatusView>;
  readonly host: string;
  readonly port: number;
  readonly undo?: () => Promise<unknown>;
}): Promise<ObserveServer> {
  const { createObserveServer } = await import('../observe/http-server.js');
  const app = createObserveServer({
    registry: o.registry,
    logger: o.logger,
    readiness: o.readiness ?? [],
    statusPage: o.statusPage,
    ...(o.status === undefined ? {} : { status: o.status }),
  });
  try {
    const address = await app.listen({ host: o.host, port: o.port });
    return { address, close: () => app.close() };
  } catch (cause) {
    await o.undo?.();
    throw glError(
      'GL_OBSERVE_LISTEN_FAILED',
      `cannot serve metrics on ${o.host}:${o.port}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause, context: { host: o.host, port: o.port } },
    );
  }
}

/** A started progress reporter, or nothing without `--report-status`. */
export interface StatusReporter {
  start(): void;
  /** a last write with the final counts, then no more */
  stop(): Promise<void>;
}

const NO_REPORTER: StatusReporter = { start: () => undefined, stop: async () => undefined };

/**
 * The `--report-status` reporter: writes `snapshot()` into `status.progress`
 * of the gridlake resource `target` (namespace/name). Built before the work
 * starts, so a bad target or kubeconfig fails with nothing to undo; started
 * once the work runs.
 */
export async function statusReporter(o: {
  readonly enabled: boolean;
  readonly plural: string;
  readonly target: string | undefined;
  /** the option naming the target, for the error message */
  readonly flag: string;
  readonly kubeconfig?: string | undefined;
  readonly snapshot: () => Record<string, unknown> | null;
  readonly logger: Logger;
  /** who writes: the pod name (POD_NAME), else the host name */
  readonly reporter?: string | undefined;
  /** for the kubeconfig loader (KUBECONFIG, HOME, the in-cluster variables) */
  readonly env?: Readonly<Record<string, string | undefined>>;
}): Promise<StatusReporter> {
  if (!o.enabled) return NO_REPORTER;
  if (o.target === undefined) throw glError('GL_CONFIG_INVALID', `--report-status needs ${o.flag} namespace/name`);
  // The Kubernetes client loads only for a worker that reports.
  const { workerProgressReporter } = await import('../k8s/worker-reporter.js');
  return workerProgressReporter({
    plural: o.plural,
    target: o.target,
    kubeconfig: o.kubeconfig,
    flag: o.flag,
    snapshot: o.snapshot,
    logger: o.logger,
    reporter: o.reporter,
    env: o.env ?? {},
  });
}
