import { glError } from '../../errors.js';

/** One record for the bus: key = identity, value = JSON text. */
export interface SinkRecord {
  readonly key: string;
  readonly value: string;
}

/**
 * Where readings go: the Bus port through `BusReadingSink` (Kafka or the local
 * log), or memory and stdout. `send` resolves only when the records are durable
 * (acks from all in-sync replicas; fsync on the local log), so a failed send is
 * retried and nothing is marked emitted.
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
      // What a real bus throws when the broker is down, so callers see the same error shape.
      throw glError('GL_BUS_UNAVAILABLE', 'memory sink: injected failure', { retryable: true, context: { topic } });
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
