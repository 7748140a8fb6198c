import { readFileSync } from 'node:fs';
import { startSink } from '../lake/sink-runtime.js';
import { createLogger } from '../observe/log.js';
import { createRegistry } from '../observe/metrics.js';
import { startObserveServer, statusReporter, stopSignal } from './process.js';
import { flagsFromLakeSink, sinkConfigFromFlags, type SinkFlags } from './sink-flags.js';

/**
 * `gridlake sink`'s body: flags (over a LakeSink given with `--config`) to a
 * running sink, served on the metrics port, until SIGINT or SIGTERM.
 * `fromCommandLine(key)` says whether a flag was given on the command line
 * (it then wins over the resource).
 */
export async function runSink(given: SinkFlags, fromCommandLine: (key: keyof SinkFlags) => boolean): Promise<void> {
  const log = createLogger({ name: 'gridlake-sink' });
  const fromFile = given.config ? flagsFromLakeSink(readFileSync(given.config, 'utf8'), given.config) : {};
  const flags = { ...given };
  for (const [key, value] of Object.entries(fromFile) as [keyof SinkFlags, string][])
    if (!fromCommandLine(key)) Object.assign(flags, { [key]: value });
  // The metrics label and client id take the name, as in the embedded default.
  if (given.sink !== undefined && !fromCommandLine('name')) flags.name = given.sink.split('/').at(-1) ?? given.sink;
  const config = sinkConfigFromFlags(flags, process.env);
  const registry = createRegistry();
  // Before the sink starts: a bad --sink or kubeconfig fails here, with nothing to undo.
  let snapshot: () => Record<string, unknown> | null = () => null;
  const reporter = await statusReporter({
    enabled: given.reportStatus === true,
    plural: 'lakesinks',
    target: given.sink,
    kubeconfig: given.kubeconfig,
    flag: '--sink',
    snapshot: () => snapshot(),
    logger: log,
  });
  const runtime = await startSink(config, { log, registry });
  snapshot = () => runtime.sink.progress.snapshot();
  reporter.start();
  const server = await startObserveServer({
    registry,
    logger: log,
    host: '0.0.0.0',
    port: Number(flags.metricsPort),
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
