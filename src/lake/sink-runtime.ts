import type { Registry } from 'prom-client';
import type { Bus } from '../bus/bus.js';
import { openBus, type BusChoice } from '../bus/open-bus.js';
import { glError } from '../errors.js';
import type { Logger } from '../observe/log.js';
import { LakeSink } from './lake-sink.js';
import type { ObjectStore } from './object-store.js';
import { openObjectStore, type StoreChoice } from './open-store.js';

/** Everything `gridlake sink` needs, already validated. */
export interface SinkConfig {
  readonly name: string;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly bus: BusChoice;
  readonly store: StoreChoice;
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
  const bus = openBus(config.bus, {
    clientId: `gridlake-sink-${config.name}`,
    consumer: {
      sessionTimeoutMs: config.sessionTimeoutMs ?? 30_000,
      ...(config.sessionTimeoutMs === undefined
        ? {}
        : { rebalanceTimeoutMs: config.sessionTimeoutMs, heartbeatIntervalMs: 500 }),
    },
  });
  // Short enough that a hung store fails a flush well inside the consumer session.
  let store = await openObjectStore(config.store, { attempts: 2, requestTimeoutMs: 8_000, deferred: true });
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
