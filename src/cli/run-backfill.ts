import { existsSync } from 'node:fs';
import { loadResourcesOrThrow } from '../api/load.js';
import type { BackfillConfig } from '../config.js';
import { embeddedJoins, type EmbeddedJoinConfig } from '../embedded/embedded-config.js';
import { joinDate, localJoinDateDeps } from '../embedded/join-date.js';
import { glError } from '../errors.js';
import { createJoinMetrics } from '../join/join-metrics.js';
import { emptyInputs } from '../join/no-input.js';
import { createKubeClient } from '../k8s/kube-client.js';
import { loadKubeConfig } from '../k8s/kubeconfig.js';
import { commandLogger, type Logger } from '../observe/log.js';
import { createRegistry } from '../observe/metrics.js';
import { runClusterBackfill } from './backfill-cluster.js';
import type { BackfillCommandDeps } from './backfill-command.js';
import { startProgress, type BackfillProgress } from './backfill-progress.js';
import { formatSummary, type BackfillSummary, type DateResult } from './backfill-summary.js';
import { stopSignal } from './process.js';

/**
 * `gridlake backfill`'s body (backfill-command.ts declares the command and
 * loads this when it runs): the dates on the local runtime or on a cluster,
 * progress while they run (a bar on a terminal, a log line per date
 * otherwise), and the summary on stdout. The first Ctrl-C stops after the
 * current date (on a cluster: creates no more runs and stops following) and
 * still prints the summary; a second one ends the process at once.
 */
export async function runBackfillCommand(
  config: BackfillConfig,
  deps: BackfillCommandDeps = {},
): Promise<BackfillSummary> {
  const stderr = deps.stderr ?? process.stderr;
  const logger = deps.logger ?? commandLogger('gridlake-backfill', config, stderr);
  const showBar = deps.bar ?? (stderr as { isTTY?: boolean }).isTTY === true;
  const stop = new AbortController();
  let progress = null as BackfillProgress | null;
  void (deps.stop ?? stopSignal()).then(() => {
    stop.abort();
    progress?.status(config.mode === 'local' ? 'stopping after this date' : 'stopping');
    if (!showBar) logger.info('stopping after the current date');
  });
  // Started once the join is found, so a bad --join is one error line, not a bar and an error.
  const openProgress = async (join: string): Promise<BackfillProgress> =>
    (progress = await startProgress({ join, total: config.dates.length, bar: showBar ? stderr : null, logger }));
  let summary: BackfillSummary;
  try {
    summary =
      config.mode === 'local'
        ? await runLocalBackfill(config, {
            logger,
            openProgress,
            signal: stop.signal,
            version: deps.version ?? '0.1.0',
          })
        : await runClusterBackfill(config, {
            client:
              deps.kubeClient ?? createKubeClient(await loadKubeConfig({ file: config.kubeconfig, env: config.env })),
            logger,
            openProgress,
            signal: stop.signal,
            pollMs: deps.pollMs ?? 2000,
          });
  } finally {
    progress?.stop();
  }
  const stdout = deps.stdout ?? process.stdout;
  stdout.write(
    config.output === 'json'
      ? `${JSON.stringify(summary, null, 2)}\n`
      : formatSummary(summary, config.allowNoInput === true),
  );
  return summary;
}

/** Inputs of the local half. */
export interface LocalBackfillOptions {
  readonly logger: Logger;
  /** starts the progress report once the join is known */
  readonly openProgress: (join: string) => Promise<BackfillProgress>;
  /** aborted: no date after the running one */
  readonly signal: AbortSignal;
  readonly version: string;
}

/**
 * The local half: the DailyJoin from the resources folder, its lake in the
 * data folder (`<data-dir>/lake/<bucket>`), each date joined as the embedded
 * scheduler joins it (joinDate: same store, retries and per-date lock, so a
 * standalone on the same data folder and this never join one date at once).
 */
export async function runLocalBackfill(config: BackfillConfig, o: LocalBackfillOptions): Promise<BackfillSummary> {
  const began = Date.now();
  const resources = await loadResourcesOrThrow(config.resources);
  const j = pickJoin(embeddedJoins({ resources, dataDir: config.dataDir, env: config.env }), config);
  if (!existsSync(j.lakeDir))
    o.logger.warn(
      { join: j.id, lake: j.lakeDir },
      `no lake folder at ${j.lakeDir}: every date will have no input (is --data-dir the one gridlake standalone uses?)`,
    );
  const joinDeps = localJoinDateDeps(j, config.dataDir, {
    wallClock: Date.now,
    logger: o.logger,
    metrics: createJoinMetrics(createRegistry({ defaultMetrics: false })),
    version: o.version,
  });
  // One line a date is the progress (no-input and failures included); each run's own lines only at debug level.
  const runLogger = o.logger.isLevelEnabled('debug') ? o.logger : o.logger.child({}, { level: 'error' });
  const progress = await o.openProgress(j.id);
  const results: DateResult[] = [];
  const queue = [...config.dates];
  while (queue.length > 0 && !o.signal.aborted) {
    const date = queue.shift()!;
    progress.status(`joining ${date}`);
    const r = await joinDate(joinDeps, j, date, { runLogger, signal: o.signal });
    const empty = r.outcome === 'no-input' ? emptyInputs(r.inputs) : [];
    const result: DateResult = {
      date,
      outcome: r.outcome,
      hourlyRows: r.rowsOut.power_weather_hourly,
      dailyRows: r.rowsOut.power_weather_daily,
      ...(r.outcome === 'failed' && r.reason !== undefined ? { reason: r.reason } : {}),
      ...(empty.length > 0 ? { reason: `no ${empty.join(', ')} rows` } : {}),
    };
    results.push(result);
    progress.done(result);
  }
  return {
    join: j.id,
    mode: 'local',
    where: j.lakeDir,
    from: config.dates[0]!,
    to: config.dates.at(-1)!,
    results,
    notRun: queue,
    unfinished: [],
    stopped: o.signal.aborted,
    durationSeconds: (Date.now() - began) / 1000,
  };
}

/** The DailyJoin `--join` names (with `--namespace`, or `ns/name`), or a GL_CONFIG_INVALID listing those there are. */
function pickJoin(joins: readonly EmbeddedJoinConfig[], config: BackfillConfig): EmbeddedJoinConfig {
  const hits = joins.filter(
    (j) =>
      j.resource.metadata.name === config.joinName &&
      (config.namespace === undefined || (j.resource.metadata.namespace ?? 'default') === config.namespace),
  );
  const there = joins.map((j) => j.id).join(', ') || 'none';
  if (hits.length === 1) return hits[0]!;
  throw glError(
    'GL_CONFIG_INVALID',
    hits.length === 0
      ? `no DailyJoin ${config.join} in ${config.resources} (there: ${there}): check --join and -f`
      : `more than one DailyJoin named ${config.joinName} in ${config.resources} (${there}): give --join namespace/name`,
    { context: { option: '--join', join: config.join, folder: config.resources } },
  );
}
