import { mkdir } from 'node:fs/promises';
import { loadResourcesOrThrow } from './api/load.js';
import type { Logger } from './observe/log.js';
import { createRegistry } from './observe/metrics.js';
import { createObserveServer } from './observe/http-server.js';

export interface StandaloneOptions {
  readonly resources: string;
  readonly dataDir: string;
  readonly port: number;
  readonly host: string;
  readonly logger: Logger;
  /** Resolves when the process should stop; defaults to SIGINT/SIGTERM. */
  readonly stopSignal?: Promise<string>;
}

/**
 * The embedded default: one process, the same resource YAML as on a cluster.
 * Today it loads the resources, serves metrics and health, and waits; the
 * collectors, sink and join join this loop as their issues land.
 */
export async function runStandalone(options: StandaloneOptions): Promise<number> {
  const { logger } = options;
  // The same schemas (and CEL rules, mirrored) that the API server applies on a cluster.
  const resources = await loadResourcesOrThrow(options.resources);
  logger.info({ folder: options.resources, count: resources.length }, 'loaded resources');
  for (const r of resources) {
    logger.info({ kind: r.resource.kind, name: r.resource.metadata.name, file: r.file, line: r.line }, 'resource');
  }
  await mkdir(options.dataDir, { recursive: true });

  const registry = createRegistry();
  const server = createObserveServer({ registry, logger });
  const address = await server.listen({ port: options.port, host: options.host });
  logger.info({ address, endpoints: ['/metrics', '/healthz', '/readyz'] }, 'observe server listening');
  logger.warn(
    { notYetBuilt: ['collectors (issue 4)', 'lake sink (issue 5)', 'daily join (issue 6)'] },
    'pipeline stages not built yet; serving metrics and health only',
  );

  const signal = await (options.stopSignal ?? waitForStopSignal());
  logger.info({ signal }, 'stopping');
  await server.close();
  logger.info('stopped cleanly');
  return 0;
}

function waitForStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (sig: NodeJS.Signals) => resolve(sig);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
