import type { Admin, Consumer, Kafka } from 'kafkajs';
import { glError } from '../../errors.js';
import {
  type BusConsumer,
  type BusRecord,
  type ConsumerHandlers,
  type ConsumerOptions,
  type TopicPartition,
  type TopicPartitionOffset,
} from '../bus.js';

/**
 * A fetched message as a BusRecord. Key and timestamp are decoded only when
 * read: the sink reads neither, and at a million records that is a string and
 * a number parse per record saved.
 */
class KafkaRecord implements BusRecord {
  readonly offset: number;
  readonly value: Buffer;

  constructor(
    readonly topic: string,
    readonly partition: number,
    offset: string,
    private readonly rawKey: Buffer | null,
    value: Buffer | null,
    private readonly rawTimestamp: string,
  ) {
    this.offset = Number(offset);
    this.value = value ?? EMPTY;
  }

  get key(): string | null {
    return this.rawKey === null ? null : this.rawKey.toString('utf8');
  }

  get timestamp(): number {
    return Number(this.rawTimestamp);
  }
}

const EMPTY = Buffer.alloc(0);

/** Consumer settings that matter for failover speed and memory. */
export interface KafkaConsumerTuning {
  /** default 10 s: how long a dead member keeps its partitions */
  readonly sessionTimeoutMs?: number;
  readonly heartbeatIntervalMs?: number;
  /** default max(2 × session timeout, 20 s): how long a rebalance waits for members */
  readonly rebalanceTimeoutMs?: number;
  /** default 1 MiB */
  readonly maxBytesPerPartition?: number;
}

/**
 * A consumer-group member on kafkajs with manual commits. kafkajs has no
 * pre-revocation hook: a member learns of a rebalance when it has already
 * happened, so every GROUP_JOIN is reported as "all old partitions lost, the
 * new set assigned" and handlers must resume from their own durable record.
 * Processing position is kept with resolveOffset (not committed), so records a
 * handler does not take are fetched again.
 */
export class KafkaConsumer implements BusConsumer {
  private consumer: Consumer | undefined;
  private handlers: ConsumerHandlers | undefined;
  private owned: TopicPartition[] = [];
  /** a rebalance's revoke/assign callbacks; batches wait for it */
  private rebalancing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ConsumerOptions,
    private readonly admin: () => Promise<Admin>,
    private readonly tuning: KafkaConsumerTuning,
  ) {}

  async start(handlers: ConsumerHandlers): Promise<void> {
    this.handlers = handlers;
    const sessionTimeout = this.tuning.sessionTimeoutMs ?? 10_000;
    const c = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout,
      rebalanceTimeout: this.tuning.rebalanceTimeoutMs ?? Math.max(sessionTimeout * 2, 20_000),
      heartbeatInterval: this.tuning.heartbeatIntervalMs ?? Math.floor(sessionTimeout / 5),
      maxBytesPerPartition: this.tuning.maxBytesPerPartition ?? 1024 * 1024,
      retry: { retries: 20, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
    this.consumer = c;
    c.on(c.events.GROUP_JOIN, (e) => {
      const assigned: TopicPartition[] = [];
      for (const [topic, partitions] of Object.entries(e.payload.memberAssignment))
        for (const partition of partitions) assigned.push({ topic, partition });
      const previous = this.owned;
      this.owned = assigned;
      const prior = this.rebalancing;
      this.rebalancing = (async () => {
        await prior;
        if (previous.length > 0) await this.handlers?.onRevoke?.(previous, true);
        await this.handlers?.onAssign?.(assigned);
      })().catch((err: unknown) => this.options.onError?.(err));
    });
    await c.connect();
    await c.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning ?? true });
    const max = this.options.maxBatchRecords ?? 2000;
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        await this.rebalancing;
        const { topic, partition } = batch;
        const highWatermark = Number(batch.highWatermark);
        for (let i = 0; i < batch.messages.length; i += max) {
          if (!isRunning() || isStale() || this.stopped) return;
          const records: BusRecord[] = batch.messages
            .slice(i, i + max)
            .map((m) => new KafkaRecord(topic, partition, m.offset, m.key, m.value, m.timestamp));
          let taken: number;
          try {
            taken = (await this.handlers!.onBatch({ topic, partition, records, highWatermark })) ?? records.length;
          } catch (err) {
            this.options.onError?.(err);
            throw err;
          }
          if (taken > 0 && !isStale()) resolveOffset(records[taken - 1]!.offset.toString());
          await heartbeat();
          if (taken < records.length) return;
        }
      },
    });
  }

  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    if (!this.consumer) throw glError('GL_BUS_INVALID', 'consumer not started');
    if (offsets.length === 0) return;
    try {
      await this.consumer.commitOffsets(
        offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: String(o.offset) })),
      );
    } catch (err) {
      throw glError('GL_BUS_UNAVAILABLE', 'kafka commit failed', {
        retryable: true,
        cause: err,
        context: { groupId: this.options.groupId },
      });
    }
  }

  async committed(tp: TopicPartition): Promise<number | null> {
    const admin = await this.admin();
    const res = await admin.fetchOffsets({ groupId: this.options.groupId, topics: [tp.topic] });
    const entry = res[0]?.partitions.find((p) => p.partition === tp.partition);
    if (!entry || Number(entry.offset) < 0) return null;
    return Number(entry.offset);
  }

  seek(tpo: TopicPartitionOffset): void {
    this.consumer?.seek({ topic: tpo.topic, partition: tpo.partition, offset: String(tpo.offset) });
  }

  pause(tps: readonly TopicPartition[]): void {
    this.consumer?.pause(group(tps));
  }

  resume(tps: readonly TopicPartition[]): void {
    this.consumer?.resume(group(tps));
  }

  assignment(): readonly TopicPartition[] {
    return this.owned;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.consumer?.disconnect();
  }
}

function group(tps: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  const byTopic = new Map<string, number[]>();
  for (const tp of tps) {
    const list = byTopic.get(tp.topic) ?? [];
    list.push(tp.partition);
    byTopic.set(tp.topic, list);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}
