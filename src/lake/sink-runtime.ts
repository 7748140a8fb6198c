import type { Registry } from 'prom-client';
import type { Bus } from '../bus/bus.js';
import { KafkaBus } from '../bus/kafka/kafka-bus.js';
import { LocalLogBus } from '../bus/local-log/local-log-bus.js';
import { glError } from '../errors.js';
import type { Logger } from '../observe/log.js';
import { LakeSink } from './lake-sink.js';
import { LocalFolderStore } from './local-folder-store.js';
import { deferredStore, s3Location, type ObjectStore } from './object-store.js';

/** Everything `gridlake sink` needs, already validated. */
export interface SinkConfig {
  readonly name: string;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly bus:
    { readonly kind: 'kafka'; readonly brokers: readonly string[] } | { readonly kind: 'local'; readonly dir: string };
  readonly store:
    | {
        readonly kind: 's3';
        readonly endpoint?: string;
        readonly region: string;
        readonly bucket: string;
        readonly prefix: string;
        readonly credentials?: { accessKeyId: string; secretAccessKey: string };
        readonly createBucket?: boolean;
      }
    | { readonly kind: 'folder'; readonly dir: string };
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly maxAgeMs: number;
  readonly maxBufferedBytes: number;
  readonly sessionTimeoutMs?: number;
}

/** A running sink with what it was built from. */
export interface SinkRuntime {
  readonly sink: LakeSink;
  readonly bus: Bus;
  readonly store: ObjectStore;
  stop(): Promise<void>;
}

/** Builds the bus, the store and the sink from a config, and starts it. */
export async function startSink(
  config: SinkConfig,
  deps: { log: Logger; registry: Registry; wrapStore?: (store: ObjectStore) => ObjectStore },
): Promise<SinkRuntime> {
  if (config.topics.length === 0) throw glError('GL_CONFIG_INVALID', 'sink needs at least one topic');
  const bus: Bus =
    config.bus.kind === 'kafka'
      ? new KafkaBus({
          brokers: config.bus.brokers,
          clientId: `gridlake-sink-${config.name}`,
          consumer: {
            sessionTimeoutMs: config.sessionTimeoutMs ?? 30_000,
            ...(config.sessionTimeoutMs === undefined
              ? {}
              : { rebalanceTimeoutMs: config.sessionTimeoutMs, heartbeatIntervalMs: 500 }),
          },
        })
      : new LocalLogBus({ dir: config.bus.dir });
  let store: ObjectStore;
  if (config.store.kind === 's3') {
    const options = config.store;
    // The S3 SDK (~0.2 s of CPU to load) loads while the consumer joins its group: the
    // first store call (the lake's resume point) only comes with the first fetched batch.
    const s3 = import('./s3-store.js').then(
      ({ S3Store }) =>
        new S3Store({
          region: options.region,
          bucket: options.bucket,
          prefix: options.prefix,
          // Short enough that a hung store fails a flush well inside the consumer session.
          attempts: 2,
          requestTimeoutMs: 8_000,
          ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
          ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
        }),
    );
    if (options.createBucket) await (await s3).ensureBucket();
    store = deferredStore(s3Location(options.bucket, options.prefix), s3);
  } else store = new LocalFolderStore(config.store.dir);
  // Fault injection and instrumentation hook (tests); identity in production.
  if (deps.wrapStore) store = deps.wrapStore(store);
  const sink = new LakeSink({
    name: config.name,
    bus,
    store,
    topics: config.topics,
    groupId: config.groupId,
    maxRecords: config.maxRecords,
    maxBytes: config.maxBytes,
    maxAgeMs: config.maxAgeMs,
    maxBufferedBytes: config.maxBufferedBytes,
    log: deps.log,
    registry: deps.registry,
  });
  await sink.start();
  return {
    sink,
    bus,
    store,
    stop: async () => {
      await sink.stop();
      await bus.close();
    },
  };
}
