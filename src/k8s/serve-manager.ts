import type { EventEmitter } from 'node:events';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { createObserveServer, type ReadinessCheck } from '../observe/http-server.js';
import type { Logger } from '../observe/log.js';
import type { Manager } from './manager.js';

export interface ServeManagerOptions {
  readonly manager: Manager;
  readonly registry: Registry;
  readonly logger: Logger;
  /** port for /metrics, /healthz and /readyz; 0 picks a free one */
  readonly port: number;
  /** default 0.0.0.0 */
  readonly host?: string;
  readonly readiness?: readonly ReadinessCheck[];
  /** default SIGTERM and SIGINT */
  readonly signals?: readonly NodeJS.Signals[];
  /** where signals come from; default `process` (tests pass an EventEmitter) */
  readonly signalSource?: Pick<EventEmitter, 'once' | 'off'>;
}

export interface ServedManager {
  readonly app: FastifyInstance;
  /** e.g. http://127.0.0.1:9443 */
  readonly address: string;
  /** resolves once a signal (or `stop()`) has shut everything down */
  readonly stopped: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs a Manager as the operator process: serves /metrics, /healthz and
 * /readyz (caches synced), starts the manager, and on SIGTERM shuts down in
 * order, within the pod's grace period: drain queues, stop watches, release
 * the Lease, close the HTTP server. It never ends the process itself (a
 * process.exit would cut work in flight and skip the Lease release): once
 * everything is closed the event loop empties and the process ends.
 */
export async function serveManager(options: ServeManagerOptions): Promise<ServedManager> {
  const { manager, logger } = options;
  const app = createObserveServer({
    registry: options.registry,
    logger,
    readiness: [manager.readiness, ...(options.readiness ?? [])],
  });
  const address = await app.listen({ port: options.port, host: options.host ?? '0.0.0.0' });
  manager.start();
  const source = options.signalSource ?? process;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let stopping: Promise<void> | undefined;
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const s of signals) source.off(s, onSignal);
      logger.info({}, 'operator shutting down');
      try {
        await manager.stop();
      } finally {
        await app.close();
        logger.info({}, 'operator stopped');
        resolveStopped();
      }
    })();
    return stopping;
  };
  function onSignal(signal: NodeJS.Signals): void {
    logger.info({ signal }, 'signal received');
    void stop();
  }
  for (const s of signals) source.once(s, onSignal);
  return { app, address, stopped, stop };
}
