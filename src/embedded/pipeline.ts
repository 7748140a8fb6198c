import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { LoadedResource } from '../api/load.js';
import type { StatusView } from '../api/status-view.js';
import { LocalLogBus } from '../bus/local-log/local-log-bus.js';
import { registerSpoolMetrics } from '../bus/local-log/spool-metrics.js';
import { createJoinMetrics } from '../join/join-metrics.js';
import { LocalFolderStore } from '../lake/local-folder-store.js';
import type { Logger } from '../observe/log.js';
import { startCollectors, type CollectRun } from '../sources/collect-runner.js';
import { FileCheckpointStore } from '../sources/common/checkpoint-store.js';
import { systemClock, type Clock } from '../clock.js';
import { SimClock } from '../sources/simulator/sim-clock.js';
import { createSimulator } from '../sources/simulator/simulator-server.js';
import { withCheckpoints, type SourceConfig } from '../sources/source-tasks.js';
import { BusReadingSink } from '../sources/common/bus-reading-sink.js';
import { runCatchUp, type CatchUpReport } from './catch-up-run.js';
import { embeddedConfig, needsSimulator, type EmbeddedConfig } from './embedded-config.js';
import { EmbeddedSink } from './embedded-sink.js';
import { joinStateFile, localJoinDateDeps } from './join-date.js';
import { JoinScheduler } from './join-scheduler.js';
import { embeddedStatus, joinStatusParts } from './status-snapshot.js';
import { oldestCatchUpDate, withBackfill } from './catch-up.js';
import { WatchedBus } from './watched-bus.js';

/** Options of the embedded pipeline. */
export interface PipelineOptions {
  readonly resources: readonly LoadedResource[];
  /** everything lives here: log/, lake/<bucket>/, state/ */
  readonly dataDir: string;
  readonly registry: Registry;
  readonly logger: Logger;
  /** service keys and the SQL URL (the CLI passes the process's environment) */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** run simulator, collectors and the join schedule on a simulated clock (tests) */
  readonly simulatedClock?: { readonly startMs: number; readonly speed: number };
  /** wall ms the catch-up waits for the collectors' backfill to reach the sink (default 45 s) */
  readonly catchUpWaitMs?: number;
  /** ms of the pipeline clock between late-data checks (default 10 min) */
  readonly lateCheckEveryMs?: number;
  /** wall ms between progress log lines (default 60 s) */
  readonly progressEveryMs?: number;
  readonly version?: string;
}

/** A running pipeline. */
export interface Pipeline {
  /** base URL of the in-process simulator, null with real service keys */
  readonly simulatorUrl: string | null;
  readonly clock: Clock;
  /** resolves when the start-up catch-up has run (or was cut short by stop) */
  readonly catchUp: Promise<CatchUpReport>;
  readonly schedulers: readonly JoinScheduler[];
  /** the folders of the raw zone (what the sinks write) and of the warehouse (what the joins write), for the banner */
  readonly zones: { readonly raw: readonly string[]; readonly warehouse: readonly string[] };
  /** null when ready, else why not */
  readiness(): string | null;
  /** every resource with its status as a cluster would show it, computed now (GET /status.json) */
  status(): StatusView;
  /** stop collectors, flush sinks, finish the running join, close the log */
  stop(): Promise<void>;
}

/**
 * The embedded default's data path in one process: simulator (without service
 * keys) → collectors → local durable log → LakeSink → local-folder lake →
 * DailyJoin on its schedule → warehouse files (and SQL when configured).
 */
export async function startPipeline(o: PipelineOptions): Promise<Pipeline> {
  const { env } = o;
  const log = o.logger;
  const sim = o.simulatedClock;
  // Aborted first on stop: ends every collector sleep at once (schedulers end theirs in stop()).
  const abort = new AbortController();
  const clock: Clock = sim ? new SimClock(sim.startMs, sim.speed) : systemClock;
  const startedAt = clock.now();

  const { config, simulator, simulatorUrl } = await configWithSimulator(o, env, clock);
  if (simulatorUrl !== null)
    log.info(
      { url: simulatorUrl, start: new Date(startedAt).toISOString(), speed: sim?.speed ?? 1 },
      'simulator started',
    );

  // What is open so far is closed again when a later start-up step fails, so the process can exit.
  const opened: { close(): Promise<unknown> }[] = simulator === null ? [] : [simulator];
  const closeOpened = async (): Promise<void> => {
    for (const c of opened.reverse()) await c.close().catch(() => undefined);
  };
  let local: LocalLogBus;
  let bus: WatchedBus;
  let sinks: EmbeddedSink[];
  try {
    local = new LocalLogBus({ dir: join(o.dataDir, 'log') });
    bus = new WatchedBus(local);
    opened.push(bus);
    sinks = config.sinks
      .filter((s) => !s.suspended)
      .map(
        (s) =>
          new EmbeddedSink(s, {
            bus,
            store: new LocalFolderStore(s.lakeDir),
            registry: o.registry,
            logger: log.child({ sink: s.name }),
            clock,
          }),
      );
    for (const s of sinks) {
      await s.start();
      opened.push({ close: () => s.stop() });
      log.info({ sink: s.config.name, topics: s.config.topics, lake: s.config.lakeDir }, 'lake sink started');
    }
  } catch (err) {
    await closeOpened();
    throw err;
  }
  const firstSink = sinks[0];
  if (firstSink) registerSpoolMetrics(o.registry, 'embedded', local, firstSink.config.groupId, firstSink.config.topics);

  const readingSink = new BusReadingSink(bus);
  const backfillFrom = oldestCatchUpDate(config.joins, startedAt);
  const sources: SourceConfig[] = config.sources.flatMap((s) => {
    const store = new FileCheckpointStore(
      join(o.dataDir, 'state', 'collectors', `${safe(s.source)}-${s.kind}.json`),
      (err) => log.warn({ err, source: s.source }, 'collector checkpoint not saved'),
    );
    const restored = withCheckpoints([s], store);
    return backfillFrom === null ? restored : withBackfill(restored, backfillFrom);
  });
  const collectors: CollectRun = startCollectors({
    sources,
    sink: readingSink,
    registry: o.registry,
    logger: log,
    limits: config.limits,
    clock,
    signal: abort.signal,
  });
  log.info(
    { sources: config.sources.map((s) => `${s.kind}:${s.source}`), endpoint: simulatorUrl ?? 'service keys from env' },
    'collectors started',
  );

  const metrics = createJoinMetrics(o.registry);
  const schedulers = config.joins.map(
    (j) =>
      new JoinScheduler({
        join: j,
        ...localJoinDateDeps(j, o.dataDir, {
          wallClock: Date.now,
          logger: log,
          metrics,
          version: o.version ?? '0.1.0',
        }),
        clock,
        stateFile: joinStateFile(o.dataDir, j.id),
        lateCheckEveryMs: o.lateCheckEveryMs ?? 600_000,
      }),
  );

  let caughtUp = false;
  const catchUp = runCatchUp({
    collectors,
    sinks,
    schedulers,
    startedAt,
    backfillFrom,
    waitMs: o.catchUpWaitMs ?? 45_000,
    signal: abort.signal,
    logger: log,
  }).finally(() => {
    caughtUp = true;
    if (!abort.signal.aborted) for (const s of schedulers) s.start();
  });

  const progress = setInterval(() => {
    log.info(
      {
        busRecords: readingSink.byTopic(),
        simulatedNow: sim ? new Date(clock.now()).toISOString() : undefined,
        nextJoins: schedulers.map((s) => ({
          join: s.id,
          nextDate: s.plan?.nextDate,
          at: isoOrNull(s.plan?.nextScheduleTime),
        })),
      },
      'pipeline progress',
    );
  }, o.progressEveryMs ?? 60_000);
  progress.unref();

  let stopping: Promise<void> | null = null;
  const stop = async (): Promise<void> => {
    clearInterval(progress);
    abort.abort();
    // Asked now, so a catch-up of many dates stops after the date it is joining, not after all of them.
    const joinsStopped = Promise.all(schedulers.map((s) => s.stop()));
    await collectors.done.catch((err: unknown) => log.error({ err }, 'collectors ended with an error'));
    log.info({ busRecords: readingSink.byTopic() }, 'collectors stopped');
    await catchUp.catch(() => undefined);
    for (const s of sinks) await s.stop();
    log.info({ sinks: sinks.length }, 'lake sinks flushed and stopped');
    await joinsStopped;
    log.info({ joins: schedulers.length }, 'join schedulers stopped');
    await bus.close();
    await simulator?.close();
  };

  return {
    simulatorUrl,
    clock,
    catchUp,
    schedulers,
    zones: {
      raw: [...new Set(sinks.map((s) => join(s.config.lakeDir, 'raw')))],
      warehouse: [...new Set(config.joins.map((j) => join(j.lakeDir, j.config.warehousePrefix)))],
    },
    readiness: () => {
      if (!caughtUp) return 'start-up catch-up in progress';
      const auth = Object.values(collectors.built.conditions())
        .flat()
        .find((c) => c.type === 'AuthFailed' || c.type === 'BadRequest');
      if (auth) return auth.message;
      return sinks.some((s) => s.inOutage) ? 'lake store unavailable' : null;
    },
    status: () =>
      embeddedStatus({
        resources: o.resources.map((r) => r.resource),
        sources: { progress: collectors.built.progress(clock.now()), conditions: collectors.built.conditions() },
        sinks: sinks.map((s) => ({ name: s.config.name, progress: s.progress.snapshot() })),
        joins: schedulers.map(joinStatusParts),
        nowMs: clock.now(),
        reporter: 'embedded',
        dataDir: o.dataDir,
        lake: join(o.dataDir, 'lake'),
        gridlakeVersion: o.version ?? '0.1.0',
      }),
    stop: () => (stopping ??= stop()),
  };
}

/**
 * Builds the configuration, with the in-process simulator when a service key
 * is missing; the simulator is kept only when a source uses it, and closed
 * when the resources are refused (a listening server would keep the process).
 */
async function configWithSimulator(
  o: PipelineOptions,
  env: Readonly<Record<string, string | undefined>>,
  clock: Clock,
): Promise<{ config: EmbeddedConfig; simulator: FastifyInstance | null; simulatorUrl: string | null }> {
  const build = (simulatorUrl: string | null): EmbeddedConfig =>
    embeddedConfig({ resources: o.resources, dataDir: o.dataDir, env, simulatorUrl });
  if (!needsSimulator(env)) return { config: build(null), simulator: null, simulatorUrl: null };
  const simulator = createSimulator({ clock }).app;
  await simulator.listen({ host: '127.0.0.1', port: 0 });
  try {
    const url = `http://127.0.0.1:${(simulator.server.address() as AddressInfo).port}`;
    const config = build(url);
    if (config.usesSimulator) return { config, simulator, simulatorUrl: url };
    await simulator.close();
    return { config, simulator: null, simulatorUrl: null };
  } catch (err) {
    await simulator.close();
    throw err;
  }
}

const safe = (id: string): string => id.replace(/[^A-Za-z0-9._-]/g, '_');
const isoOrNull = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();
