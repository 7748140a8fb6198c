import type { Bus } from '../../bus/bus.js';
import type { ReadingSink, SinkRecord } from './reading-sink.js';

/**
 * The collectors' ReadingSink on the Bus port: records keep their identity as
 * the key, so a topic partition holds every reading of one identity. `send`
 * resolves once the bus has the records (the local log fsyncs before that),
 * which is what the collectors need before marking them emitted.
 */
export class BusReadingSink implements ReadingSink {
  readonly #byTopic = new Map<string, number>();

  constructor(private readonly bus: Bus) {}

  async send(topic: string, records: readonly SinkRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.bus.send(
      topic,
      records.map((r) => ({ key: r.key, value: r.value })),
    );
    this.#byTopic.set(topic, (this.#byTopic.get(topic) ?? 0) + records.length);
  }

  /** Records sent since start, per topic (progress logs). */
  byTopic(): Record<string, number> {
    return Object.fromEntries(this.#byTopic);
  }

  /** The bus is shared and closed by its owner. */
  async close(): Promise<void> {}
}
