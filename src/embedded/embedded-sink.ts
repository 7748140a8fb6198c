import type { Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import { LakeSink } from '../lake/lake-sink.js';
import type { ObjectStore } from '../lake/object-store.js';
import { SinkProgress } from '../lake/sink-progress.js';
import type { Logger } from '../observe/log.js';
import type { EmbeddedSinkConfig } from './embedded-config.js';
import type { WatchedBus } from './watched-bus.js';

/**
 * One LakeSink resource in the embedded default, with a way to flush
 * everything it holds now. LakeSink flushes by size and age only; for the
 * start-up catch-up the pipeline needs the backfill in the lake at once, so
 * `flushNow` stops the sink (which flushes and commits) and starts a new one
 * on the same group: it resumes from the lake's own write records.
 */
export class EmbeddedSink {
  #sink: LakeSink | null = null;
  /** the sink's status.progress, counted across the restarts of `flushNow` */
  readonly progress = new SinkProgress();

  constructor(
    readonly config: EmbeddedSinkConfig,
    private readonly deps: {
      readonly bus: WatchedBus;
      readonly store: ObjectStore;
      readonly registry: Registry;
      readonly logger: Logger;
      readonly clock?: Clock;
    },
  ) {}

  async start(): Promise<void> {
    const c = this.config;
    const sink = new LakeSink({
      name: c.name,
      bus: this.deps.bus,
      store: this.deps.store,
      topics: c.topics,
      groupId: c.groupId,
      maxRecords: c.maxRecords,
      maxBytes: c.maxBytes,
      maxAgeMs: c.maxAgeMs,
      rowGroupSize: c.rowGroupSize,
      log: this.deps.logger,
      registry: this.deps.registry,
      progress: this.progress,
      ...(this.deps.clock === undefined ? {} : { clock: this.deps.clock }),
    });
    await sink.start();
    this.#sink = sink;
  }

  /** Whether the sink has taken every record on its topics so far. */
  caughtUp(): Promise<boolean> {
    return this.deps.bus.caughtUp(this.config.groupId, this.config.topics);
  }

  /** Flushes every buffered record to the lake now (stop, then start again). */
  async flushNow(): Promise<void> {
    await this.#sink?.stop();
    this.#sink = null;
    await this.start();
  }

  /** Whether the lake store is failing (readiness). */
  get inOutage(): boolean {
    return this.#sink?.inOutage ?? false;
  }

  /** Flushes what is buffered and leaves the group. */
  async stop(): Promise<void> {
    await this.#sink?.stop();
    this.#sink = null;
  }
}
