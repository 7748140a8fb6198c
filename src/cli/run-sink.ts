import { readFileSync } from 'node:fs';
import type { SinkCommandConfig, SinkSettings } from '../config.js';
import { DEAD_LETTER_TOPIC } from '../lake/dead-letters.js';
import { startSink, type SinkConfig } from '../lake/sink-runtime.js';
import { commandLogger } from '../observe/log.js';
import { createRegistry } from '../observe/metrics.js';
import { startObserveServer, statusReporter, stopSignal } from './process.js';
import { flagsFromLakeSink } from './sink-flags.js';

/** The LakeSink given with `--config`, as settings under the command line's. */
export function readSinkResource(file: string): Partial<SinkSettings> {
  return flagsFromLakeSink(readFileSync(file, 'utf8'), file);
}

/** The sink runtime's config: the bus, the store and the flush policy the settings name. */
export function sinkRuntimeConfig(c: SinkCommandConfig): SinkConfig {
  return {
    name: c.name,
    groupId: c.group,
    topics: c.topics
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '' && t !== DEAD_LETTER_TOPIC),
    bus:
      c.brokers !== undefined ? { kind: 'kafka', brokers: c.brokers.split(',') } : { kind: 'local', dir: c.localLog! },
    store:
      c.bucket !== undefined
        ? {
            kind: 's3',
            region: c.region,
            bucket: c.bucket,
            prefix: c.prefix,
            ...(c.endpoint === undefined ? {} : { endpoint: c.endpoint }),
            ...(c.credentials === undefined ? {} : { credentials: c.credentials }),
            createBucket: c.createBucket ?? false,
          }
        : { kind: 'folder', dir: c.lakeDir! },
    maxRecords: c.maxRecords,
    maxBytes: c.maxBytes,
    maxAgeMs: c.maxAgeMs,
    maxBufferedBytes: c.maxBufferedBytes,
  };
}

/** `gridlake sink`'s body: a running sink, served on the metrics port, until SIGINT or SIGTERM. */
export async function runSink(c: SinkCommandConfig): Promise<void> {
  const log = commandLogger('gridlake-sink', c);
  const config = sinkRuntimeConfig(c);
  const registry = createRegistry();
  // Before the sink starts: a bad --sink or kubeconfig fails here, with nothing to undo.
  let snapshot: () => Record<string, unknown> | null = () => null;
  const reporter = await statusReporter({
    enabled: c.reportStatus === true,
    plural: 'lakesinks',
    target: c.sink,
    kubeconfig: c.kubeconfig,
    flag: '--sink',
    snapshot: () => snapshot(),
    logger: log,
    reporter: c.podName,
    env: c.env,
  });
  const runtime = await startSink(config, { log, registry });
  snapshot = () => runtime.sink.progress.snapshot();
  reporter.start();
  const server = await startObserveServer({
    registry,
    logger: log,
    host: '0.0.0.0',
    port: c.metricsPort,
    readiness: [() => (runtime.sink.inOutage ? 'lake store unavailable' : null)],
    // The sink's buffers flush, so the process exits with the error.
    undo: async () => {
      await reporter.stop();
      await runtime.stop();
    },
  });
  log.info({ topics: config.topics, store: runtime.store.location }, 'sink started');
  void stopSignal().then(async () => {
    log.info('sink stopping');
    await runtime.stop();
    await reporter.stop();
    await server.close();
    process.exit(0);
  });
}
