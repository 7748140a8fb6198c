import type { Bus } from '../bus/bus.js';
import type { ReadingSink, SinkRecord } from '../sources/shared/reading-sink.js';

/**
 * The collectors' ReadingSink on the Bus port: records keep their identity as
 * the key, so a topic partition holds every reading of one identity. `send`
 * resolves once the bus has the records (the local log fsyncs before that),
 * which is what the collectors need before marking them emitted.
 */
export class BusReadingSink implements ReadingSink {
  #records = 0;

  constructor(private readonly bus: Bus) {}

  async send(topic: string, records: readonly SinkRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.bus.send(
      topic,
      records.map((r) => ({ key: r.key, value: r.value })),
    );
    this.#records += records.length;
  }

  /** Records sent since start (progress logs). */
  get records(): number {
    return this.#records;
  }

  /** The bus is shared and closed by its owner. */
  async close(): Promise<void> {}
}
