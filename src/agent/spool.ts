import { Gauge, type Registry } from 'prom-client';
import type {
  Bus,
  BusConsumer,
  ConsumerOptions,
  OutgoingRecord,
  SendResult,
  TopicPartitionOffset,
} from '../bus/bus.js';
import { LocalLogBus } from '../bus/local-log/local-log-bus.js';
import { registerSpoolMetrics } from '../bus/local-log/spool-metrics.js';
import type { Clock } from '../clock.js';
import { glError } from '../errors.js';
import type { AgentSpool, SpoolUsage } from './ports.js';

/** The spool's reader: the forwarder commits here, and what it committed is deleted from disk. */
export const FORWARDER_GROUP = 'gridlake-forwarder';

export interface SpoolOptions {
  /** folder on the site's volume; one process owns it at a time */
  readonly dir: string;
  /** bound of the bytes on disk; `bus.send` refuses once they reach it */
  readonly limitBytes: number;
  /** site name, the `site` label of the metrics */
  readonly site: string;
  /** registers `gridlake_spool_bytes`, `gridlake_spool_records`, `gridlake_spool_limit_bytes` when given */
  readonly registry?: Registry;
  /** segment roll size; default limitBytes/16 within 64 KiB … 16 MiB (below) */
  readonly segmentBytes?: number;
  readonly clock?: Clock;
}

/**
 * The agent's spool: the local durable log on the site's volume, bounded.
 * Every topic has one partition, so the spool's order is the order readings
 * were collected in, and the forwarder's commit point is a watermark.
 * docs/remote-sites.md, "Spool and forwarding", is the behaviour as built.
 */
export class LocalSpool implements AgentSpool {
  /** the raw log, for the forwarder: it reads and commits as group FORWARDER_GROUP */
  readonly log: LocalLogBus;
  readonly bus: Bus;
  readonly limitBytes: number;
  readonly dir: string;
  /** live list of topics (the metrics read it at scrape time, so it grows in place) */
  private readonly topicList: string[];
  private readonly oldestCache = new Map<string, { offset: number; baseMs: number | undefined }>();

  constructor(options: SpoolOptions) {
    if (!(options.limitBytes > 0))
      throw glError('GL_CONFIG_INVALID', 'spool limit must be a positive number of bytes', {
        context: { limitBytes: options.limitBytes },
      });
    this.limitBytes = options.limitBytes;
    this.dir = options.dir;
    this.log = new LocalLogBus({
      dir: options.dir,
      defaultPartitions: 1,
      // Small segments next to the bound: forwarded records leave the disk a segment at a time.
      segmentBytes: options.segmentBytes ?? clamp(Math.floor(options.limitBytes / 16), 64 * 1024, 16 * 1024 * 1024),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
    this.topicList = this.log.topicNames();
    // What a crash left behind after a commit but before the deletion.
    this.log.deleteCommitted(FORWARDER_GROUP);
    this.bus = new BoundedSpoolBus(this, options.site);
    if (options.registry) {
      registerSpoolMetrics(options.registry, options.site, this.log, FORWARDER_GROUP, this.topicList);
      const limit = this.limitBytes;
      new Gauge({
        name: 'gridlake_spool_limit_bytes',
        help: 'Bound of the spool on disk; collecting pauses when the spool reaches it.',
        labelNames: ['site'],
        registers: [options.registry],
        collect() {
          this.set({ site: options.site }, limit);
        },
      });
    }
  }

  /** Topics in the spool, in the order they first appeared. */
  topics(): readonly string[] {
    return this.topicList;
  }

  /** Bytes the spool holds on disk (forwarded segments are deleted, so this is about what is still unsent). */
  bytesOnDisk(): number {
    let bytes = 0;
    for (const t of this.topicList) bytes += this.log.backlog(FORWARDER_GROUP, t).bytes;
    return bytes;
  }

  usage(): SpoolUsage {
    let records = 0;
    let bytes = 0;
    let oldestMs: number | undefined;
    for (const topic of this.topicList) {
      const b = this.log.backlog(FORWARDER_GROUP, topic);
      records += b.records;
      bytes += b.bytes;
      const oldest = this.oldestBaseTime(topic);
      if (oldest !== undefined && (oldestMs === undefined || oldest < oldestMs)) oldestMs = oldest;
    }
    return { records, bytes, limitBytes: this.limitBytes, ...(oldestMs === undefined ? {} : { oldestMs }) };
  }

  /** Deletes what the forwarder committed; called by it after each commit. */
  release(): void {
    this.log.deleteCommitted(FORWARDER_GROUP);
  }

  async close(): Promise<void> {
    await this.log.close();
  }

  /** @internal the bounded bus's hook: makes a topic known (one partition) */
  async ensure(topic: string): Promise<void> {
    if (this.log.hasTopic(topic)) return;
    await this.log.ensureTopic(topic, 1);
    this.topicList.push(topic);
  }

  /** baseTime of the first record not yet forwarded in `topic`, when it has one (a dead letter has none). */
  private oldestBaseTime(topic: string): number | undefined {
    const offsets = this.log.startOffsets(topic);
    const group = this.log.group(FORWARDER_GROUP);
    let oldest: number | undefined;
    for (const { partition, offset: start } of offsets) {
      const next = Math.max(group.get({ topic, partition }) ?? start, start);
      const key = `${topic}\u0000${partition}`;
      let cached = this.oldestCache.get(key);
      if (cached?.offset !== next) {
        const [first] = this.log.partitions(topic)[partition]!.read(next, 1, 1);
        cached = { offset: next, baseMs: first === undefined ? undefined : baseTimeOf(first.value) };
        this.oldestCache.set(key, cached);
      }
      if (cached.baseMs !== undefined && (oldest === undefined || cached.baseMs < oldest)) oldest = cached.baseMs;
    }
    return oldest;
  }
}

/** Opens (or creates) the spool in `dir`. */
export function openSpool(options: SpoolOptions): LocalSpool {
  return new LocalSpool(options);
}

/**
 * What collectors write to: the spool's log, refusing once the bound is
 * reached. The collectors keep a refused reading pending (not marked emitted)
 * and try again, so a full spool pauses collecting instead of losing data.
 */
class BoundedSpoolBus implements Bus {
  constructor(
    private readonly spool: LocalSpool,
    private readonly site: string,
  ) {}

  async send(topic: string, records: readonly OutgoingRecord[]): Promise<SendResult[]> {
    const bytes = this.spool.bytesOnDisk();
    if (bytes >= this.spool.limitBytes)
      throw glError('GL_AGENT_SPOOL_FULL', 'the spool is full; readings wait at their source until it drains', {
        retryable: true,
        context: { site: this.site, topic, bytes, limitBytes: this.spool.limitBytes },
      });
    await this.spool.ensure(topic);
    // One partition per topic: a key must not pick another one.
    return this.spool.log.send(
      topic,
      records.map((r) => ({ key: r.key, value: r.value, partition: 0 })),
    );
  }

  consumer(options: ConsumerOptions): BusConsumer {
    return this.spool.log.consumer(options);
  }

  endOffsets(topic: string): Promise<TopicPartitionOffset[]> {
    return this.spool.log.endOffsets(topic);
  }

  /** The spool has one partition per topic whatever is asked: its order is the forwarded watermark. */
  async ensureTopic(topic: string): Promise<void> {
    await this.spool.ensure(topic);
  }

  /** The spool owns the log and closes it. */
  async close(): Promise<void> {}
}

/** `baseTime` (epoch ms) of a reading's JSON value, undefined when it has none. */
export function baseTimeOf(value: Buffer): number | undefined {
  try {
    const v = JSON.parse(value.toString('utf8')) as { baseTime?: unknown };
    if (typeof v.baseTime !== 'string') return undefined;
    const ms = Date.parse(v.baseTime);
    return Number.isNaN(ms) ? undefined : ms;
  } catch {
    return undefined;
  }
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}
