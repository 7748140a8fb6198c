import path from 'node:path';
import type { Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import { ProgressReporter } from '../k8s/progress-reporter.js';
import type { KubeClient } from '../k8s/kube-client.js';
import type { Logger } from '../observe/log.js';
import { startCollectors } from '../sources/collect-runner.js';
import { collectorLimits, collectorSettingsOf, sourceConfigOf } from '../sources/collector-settings.js';
import { CallBudget } from '../sources/common/budget.js';
import { FileCheckpointStore } from '../sources/common/checkpoint-store.js';
import type { ReadingSink } from '../sources/common/reading-sink.js';
import type { ServiceKey } from '../sources/common/service-key.js';
import type { Transport } from '../sources/common/transport.js';
import { withCheckpoints } from '../sources/source-tasks.js';
import { SITE_SOURCE_RESOURCES, type RunningCollector, type SiteSource } from './site-sources.js';

/**
 * Runs one site source in the agent's process exactly as a hub collector pod
 * runs it (`gridlake collect --state-file … --report-status`): the settings the
 * controller would render from the spec, `startCollectors` on the spool's
 * sink, a checkpoint file per source, and the same ProgressReporter writing
 * the source's `status.progress` through the agent's hub client.
 */
export interface SourceCollectorOptions {
  /** where readings go: the spool */
  readonly sink: ReadingSink;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly clock: Clock;
  /** the hub client status.progress is written with */
  readonly client: KubeClient;
  /** `<site>/<pod>`: who writes status.progress */
  readonly reporter: string;
  /** folder of the checkpoint files, one per source */
  readonly checkpointDir: string;
  /** how often status.progress is looked at (default the reporter's 15 s) */
  readonly progressIntervalMs?: number;
  /** tests: the collectors' HTTP transport */
  readonly transport?: Transport;
}

/** The checkpoint file of a source: `<dir>/<kind>-<name>.json` (names are DNS labels, so the file name is safe). */
export function checkpointFile(dir: string, source: Pick<SiteSource, 'kind' | 'name'>): string {
  return path.join(dir, `${source.kind.toLowerCase()}-${source.name}.json`);
}

export function startSourceCollector(o: SourceCollectorOptions, source: SiteSource, key: ServiceKey): RunningCollector {
  const settings = collectorSettingsOf(source.kind, source);
  const logger = o.logger.child({ source: settings.source });
  const limits = collectorLimits(settings);
  // As in a pod: the budget's counts live in the checkpoint, so a restart the same KST day goes on counting.
  const budget = new CallBudget(limits);
  const store = new FileCheckpointStore(checkpointFile(o.checkpointDir, source), (err) =>
    logger.error({ err: String(err) }, 'checkpoint not saved'),
  );
  const sources = withCheckpoints([sourceConfigOf(settings, key)], store, { budget, clock: o.clock });
  const abort = new AbortController();
  const run = startCollectors({
    sources,
    sink: o.sink,
    registry: o.registry,
    logger,
    limits,
    budget,
    signal: abort.signal,
    timeoutMs: settings.timeoutMs,
    clock: o.clock,
    ...(o.transport ? { transport: o.transport } : {}),
  });
  const reporter = new ProgressReporter({
    client: o.client,
    target: { resource: SITE_SOURCE_RESOURCES[source.kind], namespace: source.namespace, name: source.name },
    reporter: o.reporter,
    snapshot: () => {
      const mine = run.built.progress(o.clock.now()).find((p) => p.source === settings.source);
      return mine ? { ...mine.progress } : null;
    },
    logger,
    now: () => o.clock.now(),
    ...(o.progressIntervalMs === undefined ? {} : { intervalMs: o.progressIntervalMs }),
  });
  reporter.start();
  run.done.catch((err: unknown) => logger.error({ err }, 'collector loop failed'));
  return {
    async stop(final) {
      abort.abort();
      await run.done.catch(() => undefined);
      await reporter.stop(final);
    },
  };
}
