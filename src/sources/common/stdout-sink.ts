import type { ReadingSink, SinkRecord } from './reading-sink.js';

/** Writes records as JSON lines (`{topic,key,value}`) to a stream: for trying a collector without Kafka. */
export class StreamSink implements ReadingSink {
  readonly #out: NodeJS.WritableStream;

  constructor(out: NodeJS.WritableStream) {
    this.#out = out;
  }

  async send(topic: string, records: readonly SinkRecord[]): Promise<void> {
    for (const r of records)
      this.#out.write(`${JSON.stringify({ topic, key: r.key, value: JSON.parse(r.value) as unknown })}\n`);
  }

  async close(): Promise<void> {}
}
