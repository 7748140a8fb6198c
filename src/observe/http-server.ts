import { fastify, LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Logger } from './log.js';
import { registerStatusPage, type StatusPageOptions } from './status-page.js';

/** A readiness check: returns null when ready, or the reason it is not. */
export type ReadinessCheck = () => string | null | Promise<string | null>;

export interface ObserveServerOptions {
  readonly registry: Registry;
  readonly logger: Logger;
  readonly readiness?: readonly ReadinessCheck[];
  /** the status page at `/` (src/observe/status-page.ts); absent: no page */
  readonly statusPage?: StatusPageOptions;
  /**
   * the process's resources with their status, served at /status.json when given (the caller's shape,
   * StatusView in src/api/status-view.ts: this shared layer knows no domain type)
   */
  readonly status?: () => object | Promise<object>;
}

/**
 * Every worker serves `/metrics`, `/healthz` and `/readyz` (docs/metrics.md);
 * a process that knows its resources' status serves it at `/status.json`.
 * Liveness only says the event loop answers; readiness runs the worker's checks.
 */
export function createObserveServer(options: ObserveServerOptions): FastifyInstance {
  // pino's Logger is wider than fastify's base logger type; fastify accepts it at run time.
  const loggerInstance = options.logger.child({ component: 'http' }) as unknown as FastifyBaseLogger;
  const app = fastify({ loggerInstance, logController: new LogController({ disableRequestLogging: true }) });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', options.registry.contentType);
    return options.registry.metrics();
  });
  const { status } = options;
  // Computed per request: the snapshot is cheap, and a cache would show a person stale numbers.
  if (status)
    app.get('/status.json', async (_req, reply) => {
      reply.header('cache-control', 'no-store');
      return status();
    });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const reasons: string[] = [];
    for (const check of options.readiness ?? []) {
      const reason = await check();
      if (reason !== null) reasons.push(reason);
    }
    if (reasons.length > 0) reply.code(503);
    return { status: reasons.length === 0 ? 'ready' : 'not ready', reasons };
  });
  if (options.statusPage) registerStatusPage(app, options.statusPage);
  return app;
}
