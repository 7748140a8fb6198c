import { afterAll, describe, expect, it } from 'vitest';
import type { BusRecord, TopicPartition } from '../../../src/bus/bus.js';
import { KafkaBus } from '../../../src/bus/kafka/kafka-bus.js';
import { seededRng } from '../../../src/random.js';
import { kafka } from '../../infra/index.js';

const rand = (): string => Math.random().toString(36).slice(2, 10);

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

describe('Kafka consumer fetching ahead of the handler', () => {
  it(
    'delivers every partition in order from where the handler left it, through partial takes, seeks, pauses and errors',
    { timeout: 180_000 },
    async () => {
      const { brokers } = await kafka();
      // Tiny fetches and a small prefetch: many batches of a partition are queued at once.
      const bus = new KafkaBus({
        brokers,
        consumer: {
          sessionTimeoutMs: 6000,
          heartbeatIntervalMs: 500,
          maxBytesPerPartition: 4096,
          prefetchBytes: 24_000,
        },
      });
      closers.push(() => bus.close());
      const topic = `c-prefetch-${rand()}`;
      const partitions = 3;
      await bus.ensureTopic(topic, partitions);
      for (let i = 0; i < 6000; i += 1000)
        await bus.send(
          topic,
          Array.from({ length: 1000 }, (_, j) => ({ key: null, value: `v${i + j}`, partition: (i + j) % partitions })),
        );
      const ends = new Map((await bus.endOffsets(topic)).map((e) => [e.partition, e.offset]));

      const seed = Math.floor(Math.random() * 2 ** 31);
      const random = seededRng(seed);
      const expected = new Map<number, number>(); // next offset each partition must be delivered from
      const done = new Map<number, number>(); // highest offset taken so far per partition
      const problems: string[] = [];
      const counts = { batches: 0, partial: 0, seeks: 0, pauses: 0, errors: 0 };
      const c = bus.consumer({ groupId: `g-${rand()}`, topics: [topic], maxBatchRecords: 50 });
      const check = (b: { partition: number; records: readonly BusRecord[] }): void => {
        const want = expected.get(b.partition) ?? 0;
        const offsets = b.records.map((r) => r.offset);
        if (offsets[0] !== want) problems.push(`p${b.partition}: got ${offsets[0]}, expected ${want} (seed ${seed})`);
        offsets.forEach((o, i) => {
          if (i > 0 && o !== offsets[i - 1]! + 1) problems.push(`p${b.partition}: gap before ${o} (seed ${seed})`);
        });
        for (const r of b.records)
          if (r.value.toString() !== `v${r.offset * partitions + b.partition}`)
            problems.push(`p${b.partition}/${r.offset}: wrong value ${r.value.toString()} (seed ${seed})`);
      };
      await c.start({
        onBatch: async (b) => {
          counts.batches++;
          check(b);
          const first = b.records[0]!.offset;
          const last = b.records.at(-1)!.offset;
          const tp: TopicPartition = { topic, partition: b.partition };
          const roll = random();
          const take = (n: number): number => {
            expected.set(b.partition, first + n);
            if (n > 0) done.set(b.partition, Math.max(done.get(b.partition) ?? -1, first + n - 1));
            return n;
          };
          if (roll < 0.12) {
            counts.partial++;
            return take(Math.floor(random() * b.records.length));
          }
          if (roll < 0.16 && last > 20) {
            counts.seeks++;
            const to = Math.max(0, first - 1 - Math.floor(random() * 20));
            c.seek({ ...tp, offset: to });
            expected.set(b.partition, to);
            return undefined;
          }
          if (roll < 0.2) {
            counts.pauses++;
            c.pause([tp]);
            setTimeout(() => c.resume([tp]), 20 + Math.floor(random() * 150));
            return take(Math.floor(random() * (b.records.length + 1)));
          }
          if (roll < 0.22) {
            counts.errors++;
            throw new Error('handler failed');
          }
          return take(b.records.length);
        },
      });
      const deadline = Date.now() + 150_000;
      while ([...ends].some(([p, end]) => (done.get(p) ?? -1) < end - 1)) {
        if (Date.now() > deadline) throw new Error(`not done: ${JSON.stringify([...done])} (seed ${seed})`);
        if (problems.length > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await c.stop();
      expect(problems.slice(0, 5)).toEqual([]);
      expect(counts.partial + counts.seeks + counts.pauses + counts.errors).toBeGreaterThan(10);
    },
  );

  it('stops promptly once caught up, without waiting out a parked fetch', { timeout: 60_000 }, async () => {
    const { brokers } = await kafka();
    const bus = new KafkaBus({ brokers, consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500 } });
    closers.push(() => bus.close());
    const topic = `c-stop-${rand()}`;
    await bus.ensureTopic(topic, 1);
    await bus.send(
      topic,
      Array.from({ length: 10 }, (_, i) => ({ key: null, value: `v${i}` })),
    );
    const c = bus.consumer({ groupId: `g-${rand()}`, topics: [topic] });
    let delivered = 0;
    let caughtUp: () => void = () => undefined;
    const all = new Promise<void>((r) => (caughtUp = r));
    await c.start({
      onBatch: (b) => {
        delivered += b.records.length;
        if (delivered >= 10) caughtUp();
        return Promise.resolve(undefined);
      },
    });
    await all;
    // The next fetch is now parked at the broker until data arrives or its max wait ends;
    // stopping waits for it (kafkajs's default of 5 s made every caught-up stop that long).
    await new Promise((r) => setTimeout(r, 300));
    const t = performance.now();
    await c.stop();
    expect(performance.now() - t).toBeLessThan(3000);
  });
});
