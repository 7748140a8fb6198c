import { readFileSync } from 'node:fs';
import type { ProgressReporter } from '../k8s/progress-reporter.js';
import { workerProgressReporter } from '../k8s/worker-reporter.js';
import { parse as parseYaml } from 'yaml';
import { glError } from '../errors.js';
import { createObserveServer } from '../observe/http-server.js';
import { createLogger, type Logger } from '../observe/log.js';
import { createRegistry } from '../observe/metrics.js';
import { parseLocationArg } from './cli-commands.js';
import { startCollectors } from './collect-runner.js';
import { DATA_GO_KR, KPX_LEGACY_HOST } from './kpx/kpx-endpoints.js';
import { CallBudget, type Operation } from './shared/budget.js';
import type { ReadingSink } from './shared/reading-sink.js';
import { BusReadingSink } from './shared/bus-reading-sink.js';
import type { Bus } from '../bus/bus.js';
import { KafkaBus } from '../bus/kafka/kafka-bus.js';
import { LocalLogBus } from '../bus/local-log/local-log-bus.js';
import { ServiceKey } from './shared/service-key.js';
import { systemClock } from '../clock.js';
import { StreamSink } from './shared/stdout-sink.js';
import { parseFaults } from './simulator/sim-config.js';
import { parseClockOption, SimClock } from './simulator/sim-clock.js';
import { createSimulator } from './simulator/simulator-server.js';
import type { SourceProgress } from './source-progress.js';
import { withCheckpoints, type SourceConfig } from './source-tasks.js';
import { FileCheckpointStore } from './shared/checkpoint-store.js';

/*
 * The bodies of `gridlake simulate` and `gridlake collect`. cli-commands.ts
 * declares the commands and loads this module only when one of them runs, so
 * the other processes (the controller above all) do not load the simulator's
 * server, the KPX and KMA clients or the Kafka client.
 */

export interface SimulateOpts {
  host: string;
  port: number;
  clock: string;
  config?: string;
  fault?: string[];
  quotaKpx?: number;
  quotaKma?: number;
  allowClient?: string[];
  key?: string[];
  legacyOpen?: boolean;
}

/** `gridlake simulate`: serves the simulated KPX and KMA APIs until SIGINT or SIGTERM. */
export async function runSimulate(opts: SimulateOpts): Promise<void> {
  const logger = createLogger({ name: 'gridlake-simulate' });
  const { startMs, speed } = parseClockOption(opts.clock, Date.now());
  const fileConfig = opts.config ? (parseYaml(readFileSync(opts.config, 'utf8')) as Record<string, unknown>) : {};
  const config = {
    ...fileConfig,
    ...(opts.quotaKpx === undefined ? {} : { quotaKpx: opts.quotaKpx }),
    ...(opts.quotaKma === undefined ? {} : { quotaKma: opts.quotaKma }),
    ...(opts.allowClient ? { allowClients: opts.allowClient } : {}),
    ...(opts.key ? { keys: opts.key } : {}),
    ...(opts.legacyOpen ? { legacyDenied: false } : {}),
    ...(opts.fault ? { faults: parseFaults(opts.fault.map((f) => JSON.parse(f) as unknown)) } : {}),
  };
  const { app } = createSimulator({ clock: new SimClock(startMs, speed), config });
  const address = await app.listen({ host: opts.host, port: opts.port });
  logger.info({ address, start: new Date(startMs).toISOString(), speed }, 'simulator listening');
  const stop = (): void => void app.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export interface CollectOpts {
  kind: 'power' | 'weather';
  source: string;
  api: 'gateway' | 'legacy';
  endpoint?: string;
  serviceKeyEnv: string;
  location?: string[];
  brokers?: string;
  spoolDir?: string;
  topic?: string;
  deadletterTopic?: string;
  pollInterval?: number;
  budgetKpxLatest?: number;
  budgetKpxHistory?: number;
  budgetKma?: number;
  timeoutMs: number;
  stateFile?: string;
  clock?: string;
  metricsPort: number;
  metricsHost: string;
  reportStatus?: boolean;
  kubeconfig?: string;
}

/** The reporter that writes this collector's progress into its PowerSource or WeatherSource status. */
export function sourceProgressReporter(
  opts: Pick<CollectOpts, 'kind' | 'source' | 'kubeconfig'>,
  progress: () => readonly SourceProgress[],
  logger: Logger,
): Promise<ProgressReporter> {
  return workerProgressReporter({
    plural: opts.kind === 'power' ? 'powersources' : 'weathersources',
    target: opts.source,
    kubeconfig: opts.kubeconfig,
    flag: '--source',
    snapshot: () => {
      const mine = progress().find((p) => p.source === opts.source);
      return mine ? { ...mine.progress } : null;
    },
    logger,
  });
}

/** The bus `collect` produces to: Kafka (`--brokers`), the local log (`--spool-dir`), or none (stdout). */
export function collectBus(opts: Pick<CollectOpts, 'brokers' | 'spoolDir' | 'source'>): Bus | null {
  if (opts.brokers && opts.spoolDir) {
    throw glError('GL_SOURCES_CONFIG_INVALID', 'give --brokers or --spool-dir, not both');
  }
  if (opts.brokers) {
    return new KafkaBus({
      brokers: opts.brokers.split(',').map((b) => b.trim()),
      clientId: `gridlake-collect-${opts.source.replace('/', '-')}`,
    });
  }
  if (opts.spoolDir) return new LocalLogBus({ dir: opts.spoolDir });
  return null;
}

/** `gridlake collect`: runs one collector until SIGINT or SIGTERM. */
export async function runCollect(opts: CollectOpts): Promise<void> {
  // Records may go to stdout: logs then go to stderr.
  const logger = createLogger({
    name: 'gridlake-collect',
    ...(opts.brokers || opts.spoolDir ? {} : { destination: process.stderr }),
  });
  const simulated = opts.clock ? parseClockOption(opts.clock, Date.now()) : null;
  const timing = simulated ? { clock: new SimClock(simulated.startMs, simulated.speed) } : {};
  const rawKey = process.env[opts.serviceKeyEnv];
  if (rawKey === undefined || rawKey.trim() === '') {
    throw glError('GL_SOURCES_CONFIG_INVALID', `no service key: set ${opts.serviceKeyEnv} (from the source's Secret)`);
  }
  const key = new ServiceKey(rawKey);
  const endpoint = opts.endpoint ?? (opts.kind === 'power' && opts.api === 'legacy' ? KPX_LEGACY_HOST : DATA_GO_KR);
  const common = {
    source: opts.source,
    endpoint,
    key,
    ...(opts.topic ? { topic: opts.topic } : {}),
    ...(opts.deadletterTopic ? { deadLetterTopic: opts.deadletterTopic } : {}),
  };
  const declared: SourceConfig[] =
    opts.kind === 'power'
      ? [
          {
            kind: 'power',
            api: opts.api,
            pollIntervalMs: opts.pollInterval ? opts.pollInterval * 60_000 : null,
            ...common,
          },
        ]
      : [{ kind: 'weather', locations: (opts.location ?? []).map(parseLocationArg), ...common }];
  if (opts.kind === 'weather' && declared.length > 0 && (opts.location ?? []).length === 0) {
    throw glError('GL_SOURCES_CONFIG_INVALID', 'a weather collector needs at least one --location');
  }
  const limits: Partial<Record<Operation, number>> = {
    ...(opts.budgetKpxLatest === undefined
      ? {}
      : { 'kpx.latest': opts.budgetKpxLatest, 'kpx.legacy': opts.budgetKpxLatest }),
    ...(opts.budgetKpxHistory === undefined ? {} : { 'kpx.history': opts.budgetKpxHistory }),
    ...(opts.budgetKma === undefined ? {} : { 'kma.ncst': opts.budgetKma }),
  };
  // The budget's counts live in the checkpoint, so a restart the same KST day goes on counting.
  const budget = new CallBudget(limits);
  const sources = opts.stateFile
    ? withCheckpoints(
        declared,
        new FileCheckpointStore(opts.stateFile, (err) => logger.error({ err: String(err) }, 'checkpoint not saved')),
        { budget, clock: timing.clock ?? systemClock },
      )
    : declared;
  const bus = collectBus(opts);
  const sink: ReadingSink = bus ? new BusReadingSink(bus) : new StreamSink(process.stdout);
  const registry = createRegistry();
  const abort = new AbortController();
  const clock = timing.clock ?? systemClock;
  // Before any collector starts: a bad --source or kubeconfig fails here, with nothing to undo.
  let progressOf: () => readonly SourceProgress[] = () => [];
  const reporter = opts.reportStatus ? await sourceProgressReporter(opts, () => progressOf(), logger) : null;
  const run = startCollectors({
    sources,
    sink,
    registry,
    logger,
    limits,
    budget,
    signal: abort.signal,
    timeoutMs: opts.timeoutMs,
    ...timing,
  });
  progressOf = () => run.built.progress(clock.now());
  const server = createObserveServer({
    registry,
    logger,
    readiness: [
      () => {
        const stopped = Object.values(run.built.conditions())
          .flat()
          .find((c) => c.type === 'AuthFailed' || c.type === 'BadRequest');
        return stopped ? stopped.message : null;
      },
    ],
  });
  try {
    await server.listen({ host: opts.metricsHost, port: opts.metricsPort });
  } catch (err) {
    // The port is taken (or the like): stop what started, so the process can exit with the error.
    abort.abort();
    await run.done;
    await sink.close();
    await bus?.close();
    throw err;
  }
  reporter?.start();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await run.done;
  await reporter?.stop();
  await sink.close();
  await bus?.close();
  await server.close();
}
