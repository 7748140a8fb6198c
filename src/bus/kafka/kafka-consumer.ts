import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { glError } from '../../errors.js';
import type { BusConsumer, BusRecord, ConsumerHandlers, ConsumerOptions } from '../bus.js';
import { tpKey, type TopicPartition, type TopicPartitionOffset } from '../bus.js';

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
  /**
   * default 256 KiB. A fetch response stays in memory while any record of it
   * waits, and its records outlive young-generation GC when it is large: at
   * 1 MiB the sink bench peaked ~60 MiB higher (230-245 against 174-185 MiB)
   * and spent more CPU in GC, with no throughput gained.
   */
  readonly maxBytesPerPartition?: number;
  /**
   * default 2 MiB: value bytes fetched ahead of the handler (at least one batch
   * is always taken). Enough for the next fetch to be under way while the
   * handler works; the fetch responses the queued records point into stay in memory.
   */
  readonly prefetchBytes?: number;
  /**
   * default 500 ms (the Java client's fetch.max.wait.ms): how long the broker
   * holds a fetch when there is nothing new. kafkajs's 5 s default made every
   * stop 5 s long once caught up: disconnect waits for the fetch in flight.
   */
  readonly maxWaitTimeMs?: number;
}

/** A fetched batch waiting for the handler. */
interface Fetched {
  readonly topic: string;
  readonly partition: number;
  readonly highWatermark: number;
  readonly messages: readonly KafkaMessage[];
  readonly bytes: number;
  /** the group generation (GROUP_JOIN count) it was fetched in */
  readonly generation: number;
}

/**
 * A consumer-group member on kafkajs with manual commits. kafkajs has no
 * pre-revocation hook: a member learns of a rebalance when it has already
 * happened, so every GROUP_JOIN is reported as "all old partitions lost, the
 * new set assigned" and handlers must resume from their own durable record.
 *
 * kafkajs fetches the next batch only once eachBatch has returned (issues
 * tulios/kafkajs#760, #1211). So eachBatch here only queues the batch (up to
 * `prefetchBytes`, then it waits, heartbeating) and moves kafkajs's fetch
 * position past it; one loop hands the queue to the handlers, in order, one
 * call at a time, while the next fetch is under way. What a handler does not
 * take, a seek, a pause or a rebalance drops the partition's queued batches
 * and, where needed, seeks kafkajs back to the first record not delivered, so
 * they are fetched again. Commits stay explicit (`commit`).
 */
export class KafkaConsumer implements BusConsumer {
  private consumer: Consumer | undefined;
  private handlers: ConsumerHandlers | undefined;
  private owned: TopicPartition[] = [];
  /** a rebalance's revoke/assign callbacks; deliveries wait for it */
  private rebalancing: Promise<void> = Promise.resolve();
  private stopped = false;
  private generation = 0;
  private queue: Fetched[] = [];
  private queuedBytes = 0;
  /** wakes the delivery loop when something is queued or the consumer stops */
  private wakeLoop: (() => void) | undefined;
  /** wakes eachBatch calls waiting for room in the queue */
  private wakeFetch: (() => void)[] = [];
  private loop: Promise<void> | undefined;
  /** partitions seek() was called for since the current handler call began: the handler chose where they go on */
  private readonly sought = new Set<string>();
  /** cuts short the pause after a failed handler call when the consumer stops */
  private wakeRetry: (() => void) | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ConsumerOptions,
    private readonly admin: () => Promise<Admin>,
    private readonly tuning: KafkaConsumerTuning,
  ) {}

  async start(handlers: ConsumerHandlers): Promise<void> {
    this.handlers = handlers;
    const sessionTimeout = this.tuning.sessionTimeoutMs ?? 10_000;
    const heartbeatInterval = this.tuning.heartbeatIntervalMs ?? Math.floor(sessionTimeout / 5);
    const prefetchBytes = this.tuning.prefetchBytes ?? 2 * 1024 * 1024;
    const c = this.kafka.consumer({
      groupId: this.options.groupId,
      sessionTimeout,
      rebalanceTimeout: this.tuning.rebalanceTimeoutMs ?? Math.max(sessionTimeout * 2, 20_000),
      heartbeatInterval,
      maxBytesPerPartition: this.tuning.maxBytesPerPartition ?? 256 * 1024,
      maxWaitTimeInMs: this.tuning.maxWaitTimeMs ?? 500,
      retry: { retries: 20, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
    this.consumer = c;
    c.on(c.events.GROUP_JOIN, (e) => {
      const assigned: TopicPartition[] = [];
      for (const [topic, partitions] of Object.entries(e.payload.memberAssignment))
        for (const partition of partitions) assigned.push({ topic, partition });
      const previous = this.owned;
      this.owned = assigned;
      // Batches fetched for the old assignment are never delivered.
      this.generation++;
      this.drop(() => true);
      const prior = this.rebalancing;
      this.rebalancing = (async () => {
        await prior;
        if (previous.length > 0) await this.handlers?.onRevoke?.(previous, true);
        await this.handlers?.onAssign?.(assigned);
      })().catch((err: unknown) => this.options.onError?.(err));
    });
    await c.connect();
    await c.subscribe({ topics: [...this.options.topics], fromBeginning: this.options.fromBeginning ?? true });
    this.loop = this.deliverLoop();
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        await this.rebalancing;
        const generation = this.generation;
        const current = (): boolean => isRunning() && !isStale() && !this.stopped && generation === this.generation;
        // Room for it: the handler is at most `prefetchBytes` behind (one batch always fits).
        while (this.queuedBytes > 0 && this.queuedBytes >= prefetchBytes && current()) {
          await new Promise<void>((r) => {
            this.wakeFetch.push(r);
            setTimeout(r, heartbeatInterval);
          });
          await heartbeat();
        }
        const messages = batch.messages;
        const last = messages.at(-1);
        if (!current() || last === undefined) return;
        let bytes = 0;
        for (const m of messages) bytes += (m.value?.length ?? 0) + 64;
        this.queue.push({
          topic: batch.topic,
          partition: batch.partition,
          highWatermark: Number(batch.highWatermark),
          messages,
          bytes,
          generation,
        });
        this.queuedBytes += bytes;
        // kafkajs fetches on after it; rewind() brings back whatever is not delivered.
        resolveOffset(last.offset);
        this.wakeLoop?.();
      },
    });
  }

  /** Hands queued batches to the handlers, one call at a time, until stopped. */
  private async deliverLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const item = this.queue.shift();
      if (item === undefined) {
        await new Promise<void>((r) => (this.wakeLoop = r));
        this.wakeLoop = undefined;
        continue;
      }
      this.queuedBytes -= item.bytes;
      for (const wake of this.wakeFetch.splice(0)) wake();
      await this.rebalancing;
      if (item.generation !== this.generation) continue;
      let ok = false;
      try {
        ok = await this.deliver(item);
      } catch (err) {
        // not the handler (deliver catches that): kafkajs refusing a seek; the batch is fetched again
        this.options.onError?.(err);
      }
      failures = ok ? 0 : failures + 1;
      // A handler that keeps failing is retried with a growing pause, as kafkajs's retrier did.
      if (!ok)
        await new Promise<void>((r) => {
          this.wakeRetry = r;
          setTimeout(r, Math.min(10_000, 300 * 2 ** Math.min(failures - 1, 5)));
        });
    }
  }

  /** Delivers one fetched batch in handler-sized chunks; false when the handler threw. */
  private async deliver(item: Fetched): Promise<boolean> {
    const { topic, partition, highWatermark, messages } = item;
    const max = this.options.maxBatchRecords ?? 2000;
    for (let i = 0; i < messages.length; i += max) {
      if (this.stopped || item.generation !== this.generation) return true;
      if (this.consumer?.paused().some((p) => p.topic === topic && p.partitions.includes(partition))) {
        this.rewind(item, Number(messages[i]!.offset));
        return true;
      }
      const records: BusRecord[] = messages
        .slice(i, i + max)
        .map((m) => new KafkaRecord(topic, partition, m.offset, m.key, m.value, m.timestamp));
      let taken: number;
      const key = tpKey(item);
      this.sought.clear();
      try {
        taken = (await this.handlers!.onBatch({ topic, partition, records, highWatermark })) ?? records.length;
      } catch (err) {
        this.options.onError?.(err);
        if (!this.sought.has(key)) this.rewind(item, records[0]!.offset);
        return false;
      }
      if (this.sought.has(key)) return true;
      if (taken < records.length) {
        this.rewind(item, records[taken]!.offset);
        return true;
      }
    }
    return true;
  }

  /**
   * The partition goes on from `offset`: its queued batches are dropped and
   * kafkajs fetches from there (a batch fetched before the seek takes effect is
   * dropped too: kafkajs reports it stale).
   */
  private rewind(tp: TopicPartition & { generation?: number }, offset: number): void {
    this.drop((q) => q.topic === tp.topic && q.partition === tp.partition);
    if (tp.generation !== undefined && tp.generation !== this.generation) return;
    this.consumer?.seek({ topic: tp.topic, partition: tp.partition, offset: String(offset) });
  }

  /** Removes queued batches; returns, per partition, the first offset removed. */
  private drop(which: (q: Fetched) => boolean): TopicPartitionOffset[] {
    const first = new Map<string, TopicPartitionOffset>();
    const keep: Fetched[] = [];
    for (const q of this.queue)
      if (which(q)) {
        this.queuedBytes -= q.bytes;
        const key = tpKey(q);
        if (!first.has(key))
          first.set(key, { topic: q.topic, partition: q.partition, offset: Number(q.messages[0]!.offset) });
      } else keep.push(q);
    this.queue = keep;
    for (const wake of this.wakeFetch.splice(0)) wake();
    return [...first.values()];
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
    this.sought.add(tpKey(tpo));
    this.rewind(tpo, tpo.offset);
  }

  /** Stops delivery of the partitions; what was fetched for them is fetched again on resume. */
  pause(tps: readonly TopicPartition[]): void {
    if (!this.consumer) return;
    this.consumer.pause(group(tps));
    const keys = new Set(tps.map(tpKey));
    for (const first of this.drop((q) => keys.has(tpKey(q))))
      this.consumer.seek({ topic: first.topic, partition: first.partition, offset: String(first.offset) });
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
    this.drop(() => true);
    this.wakeLoop?.();
    this.wakeRetry?.();
    await this.consumer?.disconnect();
    await this.loop;
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
