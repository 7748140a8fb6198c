import { Kafka, logLevel, type Producer } from 'kafkajs';

/** One record for the bus: key = identity, value = JSON text. */
export interface SinkRecord {
  readonly key: string;
  readonly value: string;
}

/**
 * Where readings go. A thin port of our own until the Bus port (src/bus)
 * arrives; `send` resolves only when the records are durable (acks from all
 * in-sync replicas), so a failed send is retried and nothing is marked emitted.
 */
export interface ReadingSink {
  send(topic: string, records: readonly SinkRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** Keeps records in memory, per topic (tests, the bench). */
export class MemorySink implements ReadingSink {
  readonly topics = new Map<string, SinkRecord[]>();
  /** When set, the next sends fail (to test retry paths). */
  failNext = 0;

  async send(topic: string, records: readonly SinkRecord[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('memory sink: injected failure');
    }
    const list = this.topics.get(topic) ?? [];
    list.push(...records);
    this.topics.set(topic, list);
  }

  records(topic: string): readonly SinkRecord[] {
    return this.topics.get(topic) ?? [];
  }

  async close(): Promise<void> {}
}

/** Options of the Kafka sink. */
export interface KafkaSinkOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
}

/**
 * kafkajs producer: idempotent (so a retried send cannot duplicate), acks -1,
 * one request in flight to keep order.
 */
export class KafkaReadingSink implements ReadingSink {
  readonly #producer: Producer;
  #connected: Promise<void> | null = null;

  constructor(options: KafkaSinkOptions) {
    const kafka = new Kafka({
      clientId: options.clientId ?? 'gridlake-collector',
      brokers: [...options.brokers],
      logLevel: logLevel.WARN,
    });
    this.#producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
  }

  async send(topic: string, records: readonly SinkRecord[]): Promise<void> {
    if (records.length === 0) return;
    this.#connected ??= this.#producer.connect();
    await this.#connected;
    await this.#producer.send({
      topic,
      acks: -1,
      messages: records.map((r) => ({ key: r.key, value: r.value })),
    });
  }

  async close(): Promise<void> {
    if (this.#connected !== null) await this.#producer.disconnect();
  }
}
