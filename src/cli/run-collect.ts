import type { Bus } from '../bus/bus.js';
import { openBus } from '../bus/open-bus.js';
import { commandLogger, type Logger } from '../observe/log.js';
import { createRegistry } from '../observe/metrics.js';
import { startCollectors } from '../sources/collect-runner.js';
import { DATA_GO_KR, KPX_LEGACY_HOST } from '../sources/kpx/kpx-endpoints.js';
import { parseLocationArg } from '../sources/location-arg.js';
import { CallBudget } from '../sources/common/budget.js';
import { collectorLimits, sourceConfigOf, type CollectorSettings } from '../sources/collector-settings.js';
import { BusReadingSink } from '../sources/common/bus-reading-sink.js';
import { FileCheckpointStore } from '../sources/common/checkpoint-store.js';
import { systemClock } from '../clock.js';
import type { ReadingSink } from '../sources/common/reading-sink.js';
import { ServiceKey } from '../sources/common/service-key.js';
import { StreamSink } from '../sources/common/stdout-sink.js';
import { parseClockOption, SimClock } from '../sources/simulator/sim-clock.js';
import type { SourceProgress } from '../sources/source-progress.js';
import { withCheckpoints, type SourceConfig } from '../sources/source-tasks.js';
import type { CollectConfig } from '../config.js';
import { startObserveServer, statusReporter, stopSignal, type StatusReporter } from './process.js';

/** The bus `collect` produces to: Kafka (`--brokers`), the local log (`--spool-dir`), or none (stdout). */
export function collectBus(opts: Pick<CollectConfig, 'brokers' | 'spoolDir' | 'source'>): Bus | null {
  if (opts.brokers)
    return openBus(
      { kind: 'kafka', brokers: opts.brokers.split(',').map((b) => b.trim()) },
      { clientId: `gridlake-collect-${opts.source.replace('/', '-')}` },
    );
  if (opts.spoolDir) return openBus({ kind: 'local', dir: opts.spoolDir });
  return null;
}

/** The reporter that writes this collector's progress into its PowerSource or WeatherSource status. */
function sourceProgressReporter(
  opts: Pick<CollectConfig, 'kind' | 'source' | 'kubeconfig' | 'reportStatus' | 'podName' | 'env'>,
  progress: () => readonly SourceProgress[],
  logger: Logger,
): Promise<StatusReporter> {
  return statusReporter({
    enabled: opts.reportStatus === true,
    plural: opts.kind === 'power' ? 'powersources' : 'weathersources',
    target: opts.source,
    kubeconfig: opts.kubeconfig,
    flag: '--source',
    snapshot: () => {
      const mine = progress().find((p) => p.source === opts.source);
      return mine ? { ...mine.progress } : null;
    },
    logger,
    reporter: opts.podName,
    env: opts.env,
  });
}

function commonSettings(opts: CollectConfig) {
  return {
    source: opts.source,
    endpoint: opts.endpoint ?? (opts.kind === 'power' && opts.api === 'legacy' ? KPX_LEGACY_HOST : DATA_GO_KR),
    topic: opts.topic,
    deadLetterTopic: opts.deadletterTopic,
    timeoutMs: opts.timeoutMs,
  };
}

/** `gridlake collect`: runs one collector until SIGINT or SIGTERM. */
export async function runCollect(opts: CollectConfig): Promise<void> {
  // Records may go to stdout: logs then go to stderr.
  const logger = commandLogger('gridlake-collect', opts, opts.brokers || opts.spoolDir ? undefined : process.stderr);
  const simulated = opts.clock ? parseClockOption(opts.clock, Date.now()) : null;
  const timing = simulated ? { clock: new SimClock(simulated.startMs, simulated.speed) } : {};
  const key = new ServiceKey(opts.serviceKey);
  // The flags are the settings the controller renders from a source's spec (src/sources/collector-settings.ts).
  const settings: CollectorSettings =
    opts.kind === 'power'
      ? {
          kind: 'power',
          ...commonSettings(opts),
          api: opts.api,
          pollIntervalMinutes: opts.pollInterval,
          budgetKpxLatest: opts.budgetKpxLatest,
          budgetKpxHistory: opts.budgetKpxHistory,
        }
      : {
          kind: 'weather',
          ...commonSettings(opts),
          locations: (opts.location ?? []).map(parseLocationArg),
          budgetKma: opts.budgetKma,
        };
  const declared: SourceConfig[] = [sourceConfigOf(settings, key)];
  const limits = collectorLimits(settings);
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
  const reporter = await sourceProgressReporter(opts, () => progressOf(), logger);
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
  const server = await startObserveServer({
    registry,
    logger,
    host: opts.metricsHost,
    port: opts.metricsPort,
    readiness: [
      () => {
        const stopped = Object.values(run.built.conditions())
          .flat()
          .find((c) => c.type === 'AuthFailed' || c.type === 'BadRequest');
        return stopped ? stopped.message : null;
      },
    ],
    undo: async () => {
      abort.abort();
      await run.done;
      await sink.close();
      await bus?.close();
    },
  });
  reporter.start();
  void stopSignal().then(() => abort.abort());
  await run.done;
  await reporter.stop();
  await sink.close();
  await bus?.close();
  await server.close();
}
