import { mkdir } from 'node:fs/promises';
import { checkDailyJoinSemantics } from '../api/daily-join-semantics.js';
import { loadResourcesOrThrow } from '../api/load.js';
import { ofKind } from '../api/resource.js';
import { startPipeline, type PipelineOptions } from '../embedded/pipeline.js';
import { glError } from '../errors.js';
import type { Logger } from '../observe/log.js';
import { createRegistry } from '../observe/metrics.js';
import { startObserveServer, stopSignal } from './process.js';

export interface StandaloneOptions {
  readonly resources: string;
  readonly dataDir: string;
  readonly port: number;
  readonly host: string;
  readonly logger: Logger;
  /** Resolves when the process should stop; defaults to SIGINT/SIGTERM. */
  readonly stopSignal?: Promise<string>;
  /** Service keys and the SQL URL (src/config.ts passes the process's environment). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Pipeline knobs for tests (simulated clock, catch-up wait). */
  readonly pipeline?: Pick<
    PipelineOptions,
    'simulatedClock' | 'catchUpWaitMs' | 'lateCheckEveryMs' | 'progressEveryMs'
  >;
}

/**
 * The embedded default: one process, the same resource YAML as on a cluster.
 * It validates the resources, serves metrics and health, and runs the whole
 * data path (src/embedded/pipeline.ts) until SIGINT/SIGTERM, then stops it in
 * order: collectors, sink flush, running join, log.
 */
export async function runStandalone(options: StandaloneOptions): Promise<number> {
  const { logger } = options;
  // The same schemas (and CEL rules, mirrored) that the API server applies on a cluster.
  const resources = await loadResourcesOrThrow(options.resources);
  logger.info({ folder: options.resources, count: resources.length }, 'loaded resources');
  for (const r of resources) {
    logger.info({ kind: r.resource.kind, name: r.resource.metadata.name, file: r.file, line: r.line }, 'resource');
  }
  // What the controller reports as InvalidSpec, the embedded default refuses.
  const problems = ofKind(
    resources.map((r) => r.resource),
    'DailyJoin',
  ).flatMap((j) =>
    checkDailyJoinSemantics(j.spec, new Date()).map((p) => `DailyJoin ${j.metadata.name}: ${p.path}: ${p.message}`),
  );
  if (problems.length > 0)
    throw glError('GL_CONFIG_INVALID', `invalid resources in ${options.resources}:\n  ${problems.join('\n  ')}`, {
      context: { folder: options.resources, problems },
    });
  await mkdir(options.dataDir, { recursive: true });

  const registry = createRegistry();
  const pipeline = await startPipeline({
    resources,
    dataDir: options.dataDir,
    registry,
    logger,
    env: options.env,
    ...options.pipeline,
  });
  // A running pipeline would keep the process alive behind the error.
  const server = await startObserveServer({
    registry,
    logger,
    readiness: [() => pipeline.readiness()],
    host: options.host,
    port: options.port,
    undo: () => pipeline.stop(),
  });
  const { address } = server;
  logger.info({ address, endpoints: ['/metrics', '/healthz', '/readyz'] }, 'observe server listening');
  logger.info({ dataDir: options.dataDir, lake: `${options.dataDir}/lake` }, 'pipeline running');

  const signal = await (options.stopSignal ?? stopSignal());
  logger.info({ signal }, 'stopping');
  await pipeline.stop();
  await server.close();
  logger.info('stopped cleanly');
  return 0;
}
