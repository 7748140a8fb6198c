import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadResourcesFromText } from '../api/load.js';
import type { LakeSinkSpec } from '../api/lake-sink.js';
import { glError } from '../errors.js';
import { DEAD_LETTER_TOPIC } from './dead-letters.js';
import type { SinkConfig } from './sink-runtime.js';

interface SinkFlags {
  name: string;
  group: string;
  topics: string;
  brokers?: string;
  localLog?: string;
  lakeDir?: string;
  bucket?: string;
  prefix: string;
  endpoint?: string;
  region: string;
  createBucket?: boolean;
  maxRecords: string;
  maxBytes: string;
  maxAgeMs: string;
  maxBufferedBytes: string;
  metricsPort: string;
  /** a LakeSink resource (the operator's rendered config.json) */
  config?: string;
  /** namespace/name of the LakeSink; the sink's name */
  sink?: string;
  reportStatus?: boolean;
  kubeconfig?: string;
}

/**
 * The flags a LakeSink resource stands for: what the operator renders into the
 * sink Deployment's config.json, so the Deployment's command line stays short
 * and the spec has one reading (the same one as the embedded default's).
 */
export function flagsFromLakeSink(text: string, file: string): Partial<SinkFlags> {
  const loaded = loadResourcesFromText(text, file);
  if (!loaded.ok) {
    const first = loaded.errors[0];
    throw glError(
      'GL_CONFIG_INVALID',
      `${file}: not a valid LakeSink: ${first ? `${first.path || '(root)'}: ${first.message}` : 'no document'}`,
      { context: { file, errors: loaded.errors.length } },
    );
  }
  const doc = loaded.resources[0]?.resource;
  if (doc?.kind !== 'LakeSink' || loaded.resources.length !== 1)
    throw glError('GL_CONFIG_INVALID', `${file}: expected exactly one LakeSink`, { context: { file } });
  const spec = doc.spec as LakeSinkSpec;
  const ns = doc.metadata.namespace ?? 'default';
  return {
    name: doc.metadata.name,
    group: spec.consumerGroup ?? `gridlake-sink-${ns}-${doc.metadata.name}`,
    topics: spec.topics.join(','),
    bucket: spec.lake.bucket,
    prefix: spec.lake.prefix,
    ...(spec.lake.endpoint === undefined ? {} : { endpoint: spec.lake.endpoint }),
    region: spec.lake.region,
    maxRecords: String(spec.flush.maxRecords),
    maxBytes: String(spec.flush.maxBytes),
    maxAgeMs: String(spec.flush.maxAgeSeconds * 1000),
  };
}

const positive = (name: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0)
    throw glError('GL_CONFIG_INVALID', `--${name} must be a positive integer`, { context: { value: v } });
  return n;
};

/** Turns flags and the environment (credentials only) into a SinkConfig. */
export function sinkConfigFromFlags(f: SinkFlags, env: Readonly<Record<string, string | undefined>>): SinkConfig {
  const topics = f.topics
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '' && t !== DEAD_LETTER_TOPIC);
  if ((f.brokers === undefined) === (f.localLog === undefined))
    throw glError('GL_CONFIG_INVALID', 'give exactly one of --brokers and --local-log');
  if ((f.bucket === undefined) === (f.lakeDir === undefined))
    throw glError('GL_CONFIG_INVALID', 'give exactly one of --bucket and --lake-dir');
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  return {
    name: f.name,
    groupId: f.group,
    topics,
    bus:
      f.brokers !== undefined ? { kind: 'kafka', brokers: f.brokers.split(',') } : { kind: 'local', dir: f.localLog! },
    store:
      f.bucket !== undefined
        ? {
            kind: 's3',
            region: f.region,
            bucket: f.bucket,
            prefix: f.prefix,
            ...(f.endpoint === undefined ? {} : { endpoint: f.endpoint }),
            ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
            createBucket: f.createBucket ?? false,
          }
        : { kind: 'folder', dir: f.lakeDir! },
    maxRecords: positive('max-records', f.maxRecords),
    maxBytes: positive('max-bytes', f.maxBytes),
    maxAgeMs: positive('max-age-ms', f.maxAgeMs),
    maxBufferedBytes: positive('max-buffered-bytes', f.maxBufferedBytes),
  };
}

/** `gridlake sink`: Kafka (or the local log) to Parquet on S3 (or a folder). */
export function registerSinkCommand(program: Command): void {
  program
    .command('sink')
    .description('consume topics and write them to the lake as Parquet (raw zone)')
    .option(
      '--config <file>',
      'a LakeSink resource (YAML or JSON) giving topics, lake and flush policy; flags on the command line win',
    )
    .option('--sink <namespace/name>', 'the LakeSink this process serves (its name in metrics and logs)')
    .option('--name <name>', 'sink name (metrics, dead letters)', 'lake')
    .option('--group <id>', 'consumer group', 'gridlake-sink')
    .option('--topics <list>', 'comma-separated topics', 'gridlake.power.kpx.v1,gridlake.weather.kma.v1')
    .option('--brokers <list>', 'Kafka bootstrap brokers, comma-separated')
    .option('--local-log <dir>', 'use the local durable log in this folder instead of Kafka')
    .option('--bucket <name>', 'S3 bucket (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)')
    .option('--lake-dir <dir>', 'write the lake to this folder instead of S3')
    .option('--prefix <prefix>', 'key prefix inside the bucket', '')
    .option('--endpoint <url>', 'S3 endpoint (MinIO etc.; path-style)')
    .option('--region <region>', 'S3 region', 'us-east-1')
    .option('--create-bucket', 'create the bucket when missing')
    .option('--max-records <n>', 'flush a partition at this many records', '25000')
    .option('--max-bytes <n>', 'flush a partition at this many bytes', String(32 * 1024 * 1024))
    .option('--max-age-ms <n>', 'flush a partition this long after its oldest record arrived', '900000')
    .option('--max-buffered-bytes <n>', 'global buffer cap', String(16 * 1024 * 1024))
    .option('--metrics-port <port>', 'port for /metrics, /healthz, /readyz', '9464')
    .option(
      '--report-status',
      "write the sink's progress into its LakeSink's status.progress (needs --sink; in-cluster credentials, or --kubeconfig)",
    )
    .option('--kubeconfig <file>', 'kubeconfig for --report-status (default: KUBECONFIG or in-cluster)')
    .action(async (given: SinkFlags, cmd: Command) => {
      // The sink's libraries (Kafka, S3, Parquet, the Kubernetes client) load only when it runs: every process
      // declares every command.
      const [{ workerProgressReporter }, { createObserveServer }, { createLogger }, { createRegistry }, { startSink }] =
        await Promise.all([
          import('../k8s/worker-reporter.js'),
          import('../observe/http-server.js'),
          import('../observe/log.js'),
          import('../observe/metrics.js'),
          import('./sink-runtime.js'),
        ]);
      const log = createLogger({ name: 'gridlake-sink' });
      const fromFile = given.config ? flagsFromLakeSink(readFileSync(given.config, 'utf8'), given.config) : {};
      const flags = { ...given };
      for (const [key, value] of Object.entries(fromFile) as [keyof SinkFlags, string][])
        if (cmd.getOptionValueSource(key) !== 'cli') Object.assign(flags, { [key]: value });
      // The metrics label and client id take the name, as in the embedded default.
      if (given.sink !== undefined && cmd.getOptionValueSource('name') !== 'cli')
        flags.name = given.sink.split('/').at(-1) ?? given.sink;
      const config = sinkConfigFromFlags(flags, process.env);
      if (given.reportStatus && given.sink === undefined)
        throw glError('GL_CONFIG_INVALID', '--report-status needs --sink namespace/name');
      const registry = createRegistry();
      // Before the sink starts: a bad kubeconfig fails here, with nothing to undo.
      let snapshot: () => Record<string, unknown> | null = () => null;
      const reporter = given.reportStatus
        ? await workerProgressReporter({
            plural: 'lakesinks',
            target: given.sink ?? '',
            kubeconfig: given.kubeconfig,
            flag: '--sink',
            snapshot: () => snapshot(),
            logger: log,
          })
        : null;
      const runtime = await startSink(config, { log, registry });
      snapshot = () => runtime.sink.progress.snapshot();
      reporter?.start();
      const server = createObserveServer({
        registry,
        logger: log,
        readiness: [() => (runtime.sink.inOutage ? 'lake store unavailable' : null)],
      });
      try {
        await server.listen({ port: Number(flags.metricsPort), host: '0.0.0.0' });
      } catch (err) {
        // The port is taken (or the like): stop the sink (its buffers flush), so the process exits with the error.
        await reporter?.stop();
        await runtime.stop();
        throw err;
      }
      log.info({ topics: config.topics, store: runtime.store.location }, 'sink started');
      const shutdown = async (): Promise<void> => {
        log.info('sink stopping');
        await runtime.stop();
        await reporter?.stop();
        await server.close();
        process.exit(0);
      };
      process.once('SIGTERM', () => void shutdown());
      process.once('SIGINT', () => void shutdown());
    });
}
