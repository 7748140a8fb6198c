import type { Admin, Producer, KafkaConfig } from 'kafkajs';
import { glError } from '../../errors.js';
import type { Bus, BusConsumer, ConsumerOptions, OutgoingRecord, SendResult, TopicPartitionOffset } from '../bus.js';
import { KafkaConsumer, type KafkaConsumerTuning } from './kafka-consumer.js';
import { Kafka, logLevel } from './kafkajs.js';
import { javaCompatiblePartitioner, partitionOfKey } from './partitioner.js';

/** SASL credentials for a listener that asks for them (remote sites: SCRAM-SHA-512). */
export interface KafkaSasl {
  readonly mechanism: 'scram-sha-512';
  readonly username: string;
  readonly password: string;
}

export interface KafkaBusOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  /** TLS to the brokers, trusting these CA certificates (PEM) */
  readonly ssl?: { readonly ca: readonly string[] };
  readonly sasl?: KafkaSasl;
  /** extra kafkajs settings (ssl, sasl) */
  readonly connection?: Pick<KafkaConfig, 'ssl' | 'sasl' | 'connectionTimeout' | 'requestTimeout' | 'retry'>;
  readonly consumer?: KafkaConsumerTuning;
}

/**
 * The Bus on Kafka (kafkajs 2.2.4). The producer is idempotent with acks=all,
 * so a retried send does not duplicate; partitions come from the Java-compatible
 * murmur2 partitioner, so keys land where other Kafka clients put them.
 */
export class KafkaBus implements Bus {
  readonly kafka: Kafka;
  private producer: Producer | undefined;
  private connecting: Promise<Producer> | undefined;
  private admin: Admin | undefined;
  private readonly consumers = new Set<KafkaConsumer>();
  private closed = false;
  private readonly partitionCounts = new Map<string, number>();
  private readonly keylessNext = new Map<string, number>();

  constructor(private readonly options: KafkaBusOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'gridlake',
      brokers: [...options.brokers],
      logLevel: logLevel.NOTHING,
      retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 5_000 },
      ...(options.ssl === undefined ? {} : { ssl: { ca: [...options.ssl.ca] } }),
      ...(options.sasl === undefined ? {} : { sasl: { ...options.sasl } }),
      ...options.connection,
    });
  }

  async send(topic: string, records: readonly OutgoingRecord[]): Promise<SendResult[]> {
    this.assertOpen();
    if (records.length === 0) return [];
    const producer = await this.getProducer();
    // A record without key or partition gets its partition here (round-robin), so its offset can be told below.
    const keyless = records.some((r) => r.key === null && r.partition === undefined);
    const outgoing = keyless ? await this.spreadKeyless(topic, records) : records;
    let meta;
    try {
      meta = await producer.send({
        topic,
        acks: -1,
        // Two fixed shapes, no spread: kafkajs spreads every message again, and that is cheap only on a stable shape.
        messages: outgoing.map((r) =>
          r.partition === undefined
            ? { key: r.key, value: r.value }
            : { key: r.key, value: r.value, partition: r.partition },
        ),
      });
    } catch (err) {
      throw glError('GL_BUS_UNAVAILABLE', 'kafka send failed', { retryable: true, cause: err, context: { topic } });
    }
    // One produce request carries one batch per partition, in message order; the
    // partitioner is deterministic, so the partition of each record is recomputed.
    const base = new Map(meta.map((m) => [m.partition, Number(m.baseOffset)]));
    const counters = new Map<number, number>();
    const parts = await this.partitionCount(topic);
    return outgoing.map((r) => {
      const partition = r.partition ?? partitionOfKey(r.key!, parts);
      const n = counters.get(partition) ?? 0;
      counters.set(partition, n + 1);
      return { topic, partition, offset: (base.get(partition) ?? 0) + n };
    });
  }

  private async spreadKeyless(topic: string, records: readonly OutgoingRecord[]): Promise<OutgoingRecord[]> {
    const parts = await this.partitionCount(topic);
    let next = this.keylessNext.get(topic) ?? 0;
    const spread = records.map((r) =>
      r.key === null && r.partition === undefined ? { ...r, partition: next++ % parts } : r,
    );
    this.keylessNext.set(topic, next % parts);
    return spread;
  }

  consumer(options: ConsumerOptions): BusConsumer {
    this.assertOpen();
    const c = new KafkaConsumer(this.kafka, options, () => this.getAdmin(), this.options.consumer ?? {});
    this.consumers.add(c);
    return c;
  }

  async endOffsets(topic: string): Promise<TopicPartitionOffset[]> {
    const admin = await this.getAdmin();
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets
      .map((o) => ({ topic, partition: o.partition, offset: Number(o.high) }))
      .sort((a, b) => a.partition - b.partition);
  }

  async ensureTopic(topic: string, partitions: number): Promise<void> {
    const admin = await this.getAdmin();
    // A freshly started broker answers "does not host this topic-partition" for a
    // while; the metadata poll below is the real check, so creation errors only retry.
    let lastError: unknown;
    for (let i = 0; i < 100; i++) {
      try {
        if (i === 0 || lastError !== undefined) {
          await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
          lastError = undefined;
        }
        const md = await admin.fetchTopicMetadata({ topics: [topic] });
        const ps = md.topics[0]?.partitions ?? [];
        if (ps.length === partitions && ps.every((p) => p.leader >= 0)) return;
      } catch (err) {
        lastError = err;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw glError('GL_BUS_UNAVAILABLE', 'topic did not become ready', {
      retryable: true,
      cause: lastError,
      context: { topic },
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.stop()));
    await this.producer?.disconnect();
    await this.admin?.disconnect();
  }

  private async partitionCount(topic: string): Promise<number> {
    const cached = this.partitionCounts.get(topic);
    if (cached !== undefined) return cached;
    const admin = await this.getAdmin();
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    const n = md.topics[0]?.partitions.length ?? 1;
    this.partitionCounts.set(topic, n);
    return n;
  }

  private async getProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    if (this.connecting === undefined) {
      const connecting = (async () => {
        const p = this.kafka.producer({
          idempotent: true,
          maxInFlightRequests: 1,
          createPartitioner: javaCompatiblePartitioner,
          allowAutoTopicCreation: true,
        });
        await p.connect();
        this.producer = p;
        return p;
      })();
      // A failed connect must not stick: the next send tries again (the agent's forwarder may start while the hub is down).
      connecting.catch(() => {
        if (this.connecting === connecting) this.connecting = undefined;
      });
      this.connecting = connecting;
    }
    return this.connecting;
  }

  private async getAdmin(): Promise<Admin> {
    if (this.admin) return this.admin;
    const a = this.kafka.admin();
    await a.connect();
    this.admin = a;
    return a;
  }

  private assertOpen(): void {
    if (this.closed) throw glError('GL_BUS_CLOSED', 'kafka bus is closed');
  }
}
