import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import type { Bus, BusConsumer, BusRecord, ConsumerHandlers } from '../../../src/bus/bus.js';
import { KafkaBus } from '../../../src/bus/kafka/kafka-bus.js';
import { LocalLogBus } from '../../../src/bus/local-log/local-log-bus.js';
import { kafka } from '../../infra/index.js';

interface Adapter {
  readonly name: string;
  open(): Promise<Bus>;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const adapters: Adapter[] = [
  {
    name: 'local durable log',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gridlake-contract-'));
      const bus = new LocalLogBus({ dir, fsync: 'never' });
      cleanups.push(async () => {
        await bus.close();
        rmSync(dir, { recursive: true, force: true });
      });
      return bus;
    },
  },
  {
    name: 'kafka',
    open: async () => {
      const { brokers } = await kafka();
      const bus = new KafkaBus({ brokers, consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500 } });
      cleanups.push(() => bus.close());
      return bus;
    },
  },
];

const rand = (): string => Math.random().toString(36).slice(2, 10);

function collecting(
  consumer: BusConsumer,
  extra: Partial<ConsumerHandlers> = {},
): { records: BusRecord[]; start: () => Promise<void> } {
  const records: BusRecord[] = [];
  return {
    records,
    start: () =>
      consumer.start({
        onBatch: async (b) => {
          const taken = extra.onBatch ? await extra.onBatch(b) : undefined;
          records.push(...b.records.slice(0, taken ?? b.records.length));
          return taken;
        },
      }),
  };
}

describe.each(adapters)('Bus contract: $name', (adapter) => {
  it('keeps key order within a partition and numbers offsets from zero', { timeout: 60_000 }, async () => {
    const bus = await adapter.open();
    const topic = `c-order-${rand()}`;
    await bus.ensureTopic(topic, 3);
    const sent = await bus.send(
      topic,
      Array.from({ length: 60 }, (_, i) => ({ key: `k${i % 6}`, value: `v${i}` })),
    );
    const byKey = new Map<string, number>();
    sent.forEach((s, i) => {
      const k = `k${i % 6}`;
      if (byKey.has(k)) expect(byKey.get(k)).toBe(s.partition);
      byKey.set(k, s.partition);
    });
    const ends = await bus.endOffsets(topic);
    expect(ends.reduce((n, e) => n + e.offset, 0)).toBe(60);
    const c = bus.consumer({ groupId: `g-${rand()}`, topics: [topic] });
    const got = collecting(c);
    await got.start();
    await eventually('got.records.length >= 60', () => got.records.length >= 60, { timeoutMs: 30_000 });
    for (const e of ends) {
      const offsets = got.records.filter((r) => r.partition === e.partition).map((r) => r.offset);
      expect(offsets).toEqual(Array.from({ length: e.offset }, (_, i) => i));
    }
    const bySent = new Map(sent.map((s, i) => [`${s.partition}/${s.offset}`, `v${i}`]));
    for (const r of got.records) expect(r.value.toString()).toBe(bySent.get(`${r.partition}/${r.offset}`));
    await c.stop();
  });

  it(
    'says where each sent record landed, keyless records spread over the partitions',
    { timeout: 60_000 },
    async () => {
      const bus = await adapter.open();
      const topic = `c-where-${rand()}`;
      await bus.ensureTopic(topic, 3);
      const records = Array.from({ length: 30 }, (_, i) => ({ key: i % 3 === 0 ? null : `k${i % 5}`, value: `w${i}` }));
      const sent = [...(await bus.send(topic, records.slice(0, 15))), ...(await bus.send(topic, records.slice(15)))];
      expect(new Set(sent.filter((_, i) => records[i]!.key === null).map((s) => s.partition)).size).toBe(3);
      const c = bus.consumer({ groupId: `g-${rand()}`, topics: [topic] });
      const got = collecting(c);
      await got.start();
      await eventually('got.records.length >= 30', () => got.records.length >= 30, { timeoutMs: 30_000 });
      const landed = new Map(got.records.map((r) => [`${r.partition}/${r.offset}`, r.value.toString()]));
      expect(sent.map((s) => landed.get(`${s.partition}/${s.offset}`))).toEqual(records.map((r) => r.value));
      await c.stop();
    },
  );

  it('resumes a group from its explicit commit, not from what was only delivered', { timeout: 90_000 }, async () => {
    const bus = await adapter.open();
    const topic = `c-commit-${rand()}`;
    const groupId = `g-${rand()}`;
    await bus.ensureTopic(topic, 1);
    await bus.send(
      topic,
      Array.from({ length: 20 }, (_, i) => ({ key: 'k', value: `v${i}` })),
    );
    const first = bus.consumer({ groupId, topics: [topic] });
    const a = collecting(first);
    await a.start();
    await eventually('a.records.length >= 20', () => a.records.length >= 20, { timeoutMs: 30_000 });
    await first.commit([{ topic, partition: 0, offset: 12 }]);
    expect(await first.committed({ topic, partition: 0 })).toBe(12);
    await first.stop();
    const second = bus.consumer({ groupId, topics: [topic] });
    const b = collecting(second);
    await b.start();
    await eventually('b.records.length >= 8', () => b.records.length >= 8, { timeoutMs: 30_000 });
    expect(b.records[0]!.offset).toBe(12);
    await second.stop();
  });

  it('delivers again the records a handler did not take, and replays after a seek', { timeout: 60_000 }, async () => {
    const bus = await adapter.open();
    const topic = `c-seek-${rand()}`;
    await bus.ensureTopic(topic, 1);
    await bus.send(
      topic,
      Array.from({ length: 10 }, (_, i) => ({ key: 'k', value: `v${i}` })),
    );
    const c = bus.consumer({ groupId: `g-${rand()}`, topics: [topic] });
    let calls = 0;
    let sought = false;
    const got = collecting(c, {
      onBatch: async (b) => {
        calls++;
        if (calls === 1) return Math.min(3, b.records.length);
        if (!sought && b.records.at(-1)!.offset === 9) {
          sought = true;
          c.seek({ topic, partition: 0, offset: 5 });
        }
        return undefined;
      },
    });
    await got.start();
    await eventually(
      'sought && got.records.filter((r) => r.offset === 9).length >= 2',
      () => sought && got.records.filter((r) => r.offset === 9).length >= 2,
      { timeoutMs: 30_000 },
    );
    const offsets = got.records.map((r) => r.offset);
    expect(offsets.slice(0, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(offsets.slice(10, 15)).toEqual([5, 6, 7, 8, 9]);
    await c.stop();
  });

  it('stops delivering a paused partition until it is resumed', { timeout: 60_000 }, async () => {
    const bus = await adapter.open();
    const topic = `c-pause-${rand()}`;
    await bus.ensureTopic(topic, 1);
    const c = bus.consumer({ groupId: `g-${rand()}`, topics: [topic] });
    const got = collecting(c);
    await got.start();
    await bus.send(topic, [{ key: 'k', value: 'a' }]);
    await eventually('got.records.length === 1', () => got.records.length === 1, { timeoutMs: 30_000 });
    c.pause([{ topic, partition: 0 }]);
    await bus.send(topic, [{ key: 'k', value: 'b' }]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(got.records).toHaveLength(1);
    c.resume([{ topic, partition: 0 }]);
    await eventually('got.records.length === 2', () => got.records.length === 2, { timeoutMs: 30_000 });
    await c.stop();
  });
});
