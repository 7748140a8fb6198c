import { mkdir } from 'node:fs/promises';
import { checkDailyJoinSemantics } from '../api/daily-join-semantics.js';
import { summarizeStatus } from '../api/status-summary.js';
import { loadResourcesOrThrow } from '../api/load.js';
import { ofKind } from '../api/resource.js';
import { EMBEDDED_ENV, needsSimulator } from '../embedded/embedded-config.js';
import { startPipeline, type Pipeline, type PipelineOptions } from '../embedded/pipeline.js';
import { glError } from '../errors.js';
import { LocalJoinStore } from '../join/join-store.js';
import { readWarehouseSeries } from '../join/warehouse-series.js';
import type { Logger } from '../observe/log.js';
import type { StatusPageOptions } from '../observe/status-page.js';
import { createRegistry } from '../observe/metrics.js';
import { startObserveServer, stopSignal } from './process.js';
import { resetDataDir, terminalPrompt, type ResetPrompt } from './reset-data-dir.js';

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
  /** --reset: delete the data folder first (after asking; --yes: without asking) */
  readonly reset?: boolean;
  readonly yes?: boolean;
  /** how --reset asks (the terminal by default) */
  readonly prompt?: ResetPrompt;
  /** where the start-up banner goes when a person reads the output; without it the banner is one log line */
  readonly printBanner?: (text: string) => void;
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
  if (options.reset === true) {
    const reset = await resetDataDir(options.dataDir, {
      yes: options.yes === true,
      prompt: options.prompt ?? terminalPrompt(),
    });
    if (reset === 'declined') {
      logger.info({ dataDir: options.dataDir }, 'reset declined; nothing deleted, not started');
      return 1;
    }
    logger.info({ dataDir: options.dataDir, reset }, 'data folder reset');
  }
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
    statusPage: statusPageOf(pipeline),
    status: () => pipeline.status(),
    host: options.host,
    port: options.port,
    undo: () => pipeline.stop(),
  });
  const { address } = server;
  logger.info(
    { address, endpoints: ['/', '/metrics', '/healthz', '/readyz', '/status.json'] },
    'observe server listening',
  );
  logger.info({ dataDir: options.dataDir, lake: `${options.dataDir}/lake` }, 'pipeline running');
  const banner = startBanner({ ...options, address, pipeline, count: resources.length });
  if (options.printBanner) options.printBanner(banner.text);
  else logger.info(banner.fields, 'gridlake standalone running');

  const signal = await (options.stopSignal ?? stopSignal());
  logger.info({ signal }, 'stopping');
  await pipeline.stop();
  await server.close();
  logger.info('stopped cleanly');
  return 0;
}

/** What the status page reads from the embedded runtime: its status rows, and the first join's warehouse folder. */
function statusPageOf(pipeline: Pick<Pipeline, 'zones' | 'status' | 'clock'>): StatusPageOptions {
  // the pipeline's clock: ages on a simulated clock are simulated ages
  const statusSummary = async (): Promise<unknown> => summarizeStatus(pipeline.status(), pipeline.clock.now());
  const folder = pipeline.zones.warehouse[0];
  if (folder === undefined) return { statusSummary };
  const store = new LocalJoinStore(folder);
  return { statusSummary, warehouseSeries: (days) => readWarehouseSeries(store, '', days) };
}

/** The query the banner suggests: the daily table, a few rows. */
export const FIRST_QUERY = 'gridlake query "select * from power_weather_daily limit 5"';

/**
 * What a person needs first, in a few lines: what runs, where the data lands,
 * where to look, how to query. `fields`: the same as one log line.
 */
export function startBanner(o: {
  readonly resources: string;
  readonly count: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly address: string;
  readonly pipeline: Pick<Pipeline, 'zones' | 'simulatorUrl'>;
}): { text: string; fields: Record<string, unknown> } {
  const simulated = needsSimulator(o.env);
  const data = simulated
    ? `simulated KPX and KMA (set ${EMBEDDED_ENV.kpxKey} and ${EMBEDDED_ENV.kmaKey} for live data)`
    : 'live KPX and KMA, service keys from the environment';
  const metrics = `${o.address}/metrics`;
  const page = `${o.address}/`;
  const rows: [string, string][] = [
    ['resources', `${o.count} from ${o.resources}`],
    ['data', data],
    ['raw zone', o.pipeline.zones.raw.join(', ') || '(no LakeSink)'],
    ['warehouse', o.pipeline.zones.warehouse.join(', ') || '(no DailyJoin)'],
    ['status page', page],
    ['metrics', metrics],
    ['query', FIRST_QUERY],
    ['stop', 'Ctrl-C (the next start resumes where this one stopped)'],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const text = [
    'gridlake standalone: the embedded default is running',
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    '',
  ].join('\n');
  return {
    text,
    fields: {
      resources: o.resources,
      simulated,
      raw: o.pipeline.zones.raw,
      warehouse: o.pipeline.zones.warehouse,
      page,
      metrics,
      query: FIRST_QUERY,
    },
  };
}
