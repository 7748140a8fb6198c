/**
 * The Bus port: what collectors, the agent and the sink see of Kafka or of the
 * local durable log. Offsets are plain numbers (safe to 2^53), the offset of a
 * commit is the next offset to read, as in Kafka.
 */

/** One record as stored on the bus. */
export interface BusRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: Buffer;
  /** producer timestamp, epoch ms */
  readonly timestamp: number;
}

/** A record to send; without a partition the key decides it. */
export interface OutgoingRecord {
  readonly key: string | null;
  readonly value: Buffer | string;
  readonly partition?: number;
}

/** Where one sent record landed. */
export interface SendResult {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** Next offset to read for a topic partition. */
export interface TopicPartitionOffset extends TopicPartition {
  readonly offset: number;
}

/** Records of one topic partition in offset order. */
export interface RecordBatch extends TopicPartition {
  readonly records: readonly BusRecord[];
  /** end offset (next offset to be written) when the batch was fetched, when known */
  readonly highWatermark?: number;
}

/** What a consumer calls; every callback is awaited before the next batch of that member. */
export interface ConsumerHandlers {
  /**
   * Processes a batch. Returns how many records (a prefix) were taken; the rest
   * is delivered again later. `undefined` means all.
   */
  onBatch(batch: RecordBatch): Promise<number | undefined>;
  /**
   * Partitions this member no longer owns. `lost` is true when another member
   * may already own them (Kafka: kafkajs reports a rebalance only after the
   * fact), so state must be dropped, not flushed.
   */
  onRevoke?(partitions: readonly TopicPartition[], lost: boolean): Promise<void>;
  /** Partitions newly owned by this member. */
  onAssign?(partitions: readonly TopicPartition[]): Promise<void>;
}

export interface ConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** where to start when the group has no commit: earliest (default) or latest */
  readonly fromBeginning?: boolean;
  /** upper bound of records per onBatch call */
  readonly maxBatchRecords?: number;
  /** called when a handler throws; the batch is delivered again */
  readonly onError?: (err: unknown) => void;
}

/** A member of a consumer group. Offsets are committed only when asked. */
export interface BusConsumer {
  start(handlers: ConsumerHandlers): Promise<void>;
  /** Commits next-offsets for the group. */
  commit(offsets: readonly TopicPartitionOffset[]): Promise<void>;
  /** The group's committed next-offset, or null when none. */
  committed(tp: TopicPartition): Promise<number | null>;
  /** Moves the read position of an owned partition (replay or skip). */
  seek(tpo: TopicPartitionOffset): void;
  pause(tps: readonly TopicPartition[]): void;
  resume(tps: readonly TopicPartition[]): void;
  /** Partitions currently owned. */
  assignment(): readonly TopicPartition[];
  stop(): Promise<void>;
}

/** The bus: produce by key, consume as a group. */
export interface Bus {
  send(topic: string, records: readonly OutgoingRecord[]): Promise<SendResult[]>;
  consumer(options: ConsumerOptions): BusConsumer;
  /** End offsets (next offset to be written) of every partition of a topic. */
  endOffsets(topic: string): Promise<TopicPartitionOffset[]>;
  /** Creates a topic if missing (idempotent). */
  ensureTopic(topic: string, partitions: number): Promise<void>;
  close(): Promise<void>;
}

/** Key for maps keyed by topic partition. */
export function tpKey(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}
