import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import { ManualClock } from '../../../src/clock.js';
import { LocalLogBus } from '../../../src/bus/local-log/local-log-bus.js';
import { GridlakeError } from '../../../src/errors.js';
import { checkLake } from '../../../src/lake/lake-check.js';
import { WEATHER_SCHEMA } from '../../../src/lake/lake-schemas.js';
import { LakeSink, type LakeSinkOptions } from '../../../src/lake/lake-sink.js';
import { LocalFolderStore } from '../../../src/lake/local-folder-store.js';
import type { CreateOutcome, ObjectStore } from '../../../src/lake/object-store.js';
import { weatherValue } from './fixtures.js';

const TOPIC = 'gridlake.weather.kma.v1';
const DAY0 = Date.parse('2025-11-20T00:00:00Z');
const dirs: string[] = [];
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'gridlake-sink-'));
  dirs.push(d);
  return d;
}

/** A store that fails on demand, wrapping a real one. */
class FlakyStore implements ObjectStore {
  down = false;
  /** fail the next put whose key matches, once */
  failNext: RegExp | undefined;
  puts = 0;
  constructor(readonly inner: ObjectStore) {}
  get location(): string {
    return this.inner.location;
  }
  private check(key: string): void {
    if (this.down) throw new GridlakeError('GL_LAKE_STORE_UNAVAILABLE', 'down', { retryable: true });
    if (this.failNext?.test(key)) {
      this.failNext = undefined;
      throw new GridlakeError('GL_LAKE_STORE_UNAVAILABLE', 'injected', { retryable: true });
    }
  }
  async putIfAbsent(key: string, body: Uint8Array): Promise<CreateOutcome> {
    this.check(key);
    this.puts++;
    return this.inner.putIfAbsent(key, body);
  }
  async put(key: string, body: Uint8Array): Promise<void> {
    this.check(key);
    return this.inner.put(key, body);
  }
  get(key: string): Promise<Buffer> {
    this.check(key);
    return this.inner.get(key);
  }
  head(key: string): ReturnType<ObjectStore['head']> {
    this.check(key);
    return this.inner.head(key);
  }
  list(prefix: string): ReturnType<ObjectStore['list']> {
    this.check(prefix);
    return this.inner.list(prefix);
  }
  delete(key: string): Promise<void> {
    this.check(key);
    return this.inner.delete(key);
  }
}

async function setup(
  partitions = 2,
): Promise<{ bus: LocalLogBus; store: FlakyStore; clock: ManualClock; lakeDir: string }> {
  const clock = new ManualClock(DAY0);
  const bus = new LocalLogBus({ dir: temp(), fsync: 'never', clock });
  await bus.ensureTopic(TOPIC, partitions);
  const lakeDir = temp();
  const store = new FlakyStore(new LocalFolderStore(lakeDir));
  cleanup.push(() => bus.close());
  return { bus, store, clock, lakeDir };
}

function sink(bus: LocalLogBus, store: ObjectStore, clock: ManualClock, over: Partial<LakeSinkOptions> = {}): LakeSink {
  const s = new LakeSink({
    name: 'test',
    bus,
    store,
    topics: [TOPIC],
    groupId: 'sink',
    clock,
    maxRecords: 1000,
    maxAgeMs: 30_000,
    tickMs: 1000,
    retryInitialMs: 1000,
    retryMaxMs: 4000,
    ...over,
  });
  cleanup.push(() => s.stop());
  return s;
}

/** Readings in time order, `perDay` per KST day over `days` days. */
function readings(n: number, days: number): { key: string; value: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const ms = DAY0 + Math.floor((i * days * 86_400_000) / n);
    return { key: `k${i % 13}`, value: JSON.stringify(weatherValue(i, ms)) };
  });
}

async function expectExactlyOnce(store: ObjectStore, bus: LocalLogBus): Promise<void> {
  const report = await checkLake(store, WEATHER_SCHEMA, TOPIC);
  expect(report.duplicates).toEqual([]);
  expect(report.overlaps).toEqual([]);
  expect(report.misnamed).toEqual([]);
  expect(report.unreadable).toEqual([]);
  for (const end of await bus.endOffsets(TOPIC))
    expect(report.offsets.get(end.partition) ?? []).toEqual(Array.from({ length: end.offset }, (_, i) => i));
}

describe('LakeSink', () => {
  it('writes every offset once, per partition and KST day, and commits after the upload', async () => {
    const { bus, store, clock } = await setup();
    await bus.send(TOPIC, readings(5000, 3));
    const s = sink(bus, store, clock);
    await s.start();
    await eventually(
      '(checkLake(store, WEATHER_SCHEMA, TOPIC)).rows >= 4000',
      async () => (await checkLake(store, WEATHER_SCHEMA, TOPIC)).rows >= 4000,
      { timeoutMs: 15_000, intervalMs: 20 },
    );
    clock.advance(31_000);
    await eventually(
      '(checkLake(store, WEATHER_SCHEMA, TOPIC)).rows === 5000',
      async () => (await checkLake(store, WEATHER_SCHEMA, TOPIC)).rows === 5000,
      { timeoutMs: 15_000, intervalMs: 20 },
    );
    await expectExactlyOnce(store, bus);
    const keys = (await store.list(`raw/${TOPIC}/`)).map((o) => o.key);
    expect(keys.every((k) => /year=2025\/month=11\/day=2[0-3]\//.test(k))).toBe(true);
    const c = bus.consumer({ groupId: 'sink', topics: [TOPIC] });
    for (const end of await bus.endOffsets(TOPIC)) expect(await c.committed(end)).toBe(end.offset);
  });

  it('keeps late readings in their own day: offsets stay unique, only files of different days interleave', async () => {
    const { bus, store, clock } = await setup(1);
    const late = Array.from({ length: 600 }, (_, i) => ({
      key: 'k',
      value: JSON.stringify(weatherValue(i, DAY0 + (i % 2) * 86_400_000 + i * 1000)),
    }));
    await bus.send(TOPIC, late);
    const s = sink(bus, store, clock, { maxRecords: 250 });
    await s.start();
    await eventually(
      '(checkLake(store, WEATHER_SCHEMA, TOPIC)).rows >= 500',
      async () => (await checkLake(store, WEATHER_SCHEMA, TOPIC)).rows >= 500,
      { timeoutMs: 15_000, intervalMs: 20 },
    );
    clock.advance(31_000);
    await eventually(
      '(checkLake(store, WEATHER_SCHEMA, TOPIC)).rows === 600',
      async () => (await checkLake(store, WEATHER_SCHEMA, TOPIC)).rows === 600,
      { timeoutMs: 15_000, intervalMs: 20 },
    );
    await expectExactlyOnce(store, bus);
    const report = await checkLake(store, WEATHER_SCHEMA, TOPIC);
    expect(report.interleavedDays.length).toBeGreaterThan(0);
    expect(report.files).toBe(6);
  });

  it('flushes a quiet partition by age', async () => {
    const { bus, store, clock } = await setup(1);
    const s = sink(bus, store, clock);
    await s.start();
    await bus.send(TOPIC, readings(3, 1));
    await eventually('s.bufferedBytes() > 0', () => s.bufferedBytes() > 0, { timeoutMs: 15_000, intervalMs: 20 });
    // Taken (buffered), not yet in the lake.
    expect(s.positions()).toEqual([{ topic: TOPIC, partition: 0, offset: 3 }]);
    clock.advance(29_000);
    await new Promise((r) => setTimeout(r, 100));
    expect((await checkLake(store, WEATHER_SCHEMA, TOPIC)).rows).toBe(0);
    clock.advance(2_000);
    await eventually(
      '(checkLake(store, WEATHER_SCHEMA, TOPIC)).rows === 3',
      async () => (await checkLake(store, WEATHER_SCHEMA, TOPIC)).rows === 3,
      { timeoutMs: 15_000, intervalMs: 20 },
    );
    // Nothing follows the last records, yet lag reads 0 once they landed (metric and status.progress).
    await eventually('s.progress.snapshot()?.lagRecords === 0', () => s.progress.snapshot()?.lagRecords === 0, {
      timeoutMs: 15_000,
      intervalMs: 20,
    });
    expect((await s.metrics.lag.get()).values.map((v) => v.value)).toEqual([0]);
    expect(s.progress.snapshot()).toMatchObject({ filesTotal: 2, recordsTotal: 3, topics: [{ topic: TOPIC }] });
    expect(s.progress.snapshot()?.lastFlushTime).toBe(new Date(DAY0 + 31_000).toISOString().replace('.000Z', 'Z'));
  });

  it('sends undecodable records to the dead-letter topic with the reason and keeps going', async () => {
    const { bus, store, clock } = await setup(1);
    await bus.send(TOPIC, [
      ...readings(5, 1),
      { key: 'bad', value: '{not json' },
      { key: 'bad2', value: JSON.stringify({ ...weatherValue(1, DAY0), nx: 'x' }) },
      ...readings(5, 1),
    ]);
    const s = sink(bus, store, clock);
    await s.start();
    await eventually(
      "s.bufferedBytes() > 0 && bus.hasTopic('gridlake.deadletter.v1')",
      () => s.bufferedBytes() > 0 && bus.hasTopic('gridlake.deadletter.v1'),
      { timeoutMs: 15_000, intervalMs: 20 },
    );
    clock.advance(31_000);
    await eventually(
      '(checkLake(store, WEATHER_SCHEMA, TOPIC)).rows === 10',
      async () => (await checkLake(store, WEATHER_SCHEMA, TOPIC)).rows === 10,
      { timeoutMs: 15_000, intervalMs: 20 },
    );
    const dl = bus
      .partitions('gridlake.deadletter.v1')[0]!
      .read(0, 10)
      .map((r) => JSON.parse(r.value.toString()) as Record<string, string>);
    expect(dl).toHaveLength(2);
    expect(dl[0]).toMatchObject({ v: 1, stage: 'parse', source: 'test', payload: '{not json' });
    expect(dl[0]!['reason']).toMatch(/^gridlake\.weather\.kma\.v1\+0\+5: value is not JSON/);
    expect(dl[1]).toMatchObject({ stage: 'validate' });
    const report = await checkLake(store, WEATHER_SCHEMA, TOPIC);
    expect(report.offsets.get(0)).toEqual([0, 1, 2, 3, 4, 7, 8, 9, 10, 11]);
  });

  it('redoes an interrupted flush with the same cut, even when the new run would cut elsewhere', async () => {
    const { bus, store, clock } = await setup(1);
    await bus.send(TOPIC, readings(2500, 3));
    // First run: the third day's file of the first flush fails, then the process "dies".
    const first = sink(bus, store, clock, { maxRecords: 1700 });
    store.failNext = /day=22\//;
    await first.start();
    await eventually('first.inOutage', () => first.inOutage, { timeoutMs: 15_000, intervalMs: 20 });
    store.down = true;
    await first.stop().catch(() => undefined);
    store.down = false;
    // Second run with other limits: must finish [0,1699] as recorded, then cut freely.
    const second = sink(bus, store, clock, { maxRecords: 400 });
    await second.start();
    await eventually(
      '(checkLake(store, WEATHER_SCHEMA, TOPIC)).rows >= 2400',
      async () => (await checkLake(store, WEATHER_SCHEMA, TOPIC)).rows >= 2400,
      { timeoutMs: 15_000, intervalMs: 20 },
    );
    clock.advance(31_000);
    await eventually(
      '(checkLake(store, WEATHER_SCHEMA, TOPIC)).rows === 2500',
      async () => (await checkLake(store, WEATHER_SCHEMA, TOPIC)).rows === 2500,
      { timeoutMs: 15_000, intervalMs: 20 },
    );
    await expectExactlyOnce(store, bus);
    const names = (await store.list(`raw/${TOPIC}/`)).map((o) => o.key.split('/').at(-1));
    expect(names.some((n) => n?.endsWith('-00000000000000001699.parquet'))).toBe(true);
  });

  it("uploads in the background but writes a partition's next write record only after the previous files exist", async () => {
    const { bus, store, clock } = await setup(1);
    await bus.send(TOPIC, readings(3000, 4));
    const violations: string[] = [];
    let slowPuts = 0;
    // Slow file uploads: a next flush that did not wait for them would record its range first.
    const checking: ObjectStore = {
      location: store.location,
      putIfAbsent: async (key, body) => {
        if (key.startsWith('raw/_sink/')) {
          const records = (await store.list('raw/_sink/')).map((o) => o.key);
          const latest = records.at(-1);
          if (latest !== undefined) {
            const rec = JSON.parse((await store.get(latest)).toString()) as { files: { key: string }[] };
            for (const f of rec.files) if ((await store.head(f.key)) === null) violations.push(`${key}: ${f.key}`);
          }
        } else {
          slowPuts++;
          await new Promise((r) => setTimeout(r, 30));
        }
        return store.putIfAbsent(key, body);
      },
      put: (key, body) => store.put(key, body),
      get: (key) => store.get(key),
      head: (key) => store.head(key),
      list: (prefix) => store.list(prefix),
      delete: (key) => store.delete(key),
    };
    const s = sink(bus, checking, clock, { maxRecords: 300 });
    await s.start();
    await eventually(
      '(checkLake(store, WEATHER_SCHEMA, TOPIC)).rows === 3000',
      async () => (await checkLake(store, WEATHER_SCHEMA, TOPIC)).rows === 3000,
      { timeoutMs: 15_000, intervalMs: 20 },
    );
    expect(slowPuts).toBeGreaterThanOrEqual(10);
    expect(violations).toEqual([]);
    await expectExactlyOnce(store, bus);
  });

  it('keeps the global buffer under its cap by flushing the oldest partition first', async () => {
    const { bus, store, clock } = await setup(4);
    const s = sink(bus, store, clock, { maxRecords: 1_000_000, maxBufferedBytes: 200_000 });
    await s.start();
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, s.bufferedBytes())), 1);
    await bus.send(TOPIC, readings(6000, 2));
    await eventually(
      '(checkLake(store, WEATHER_SCHEMA, TOPIC)).rows >= 4000',
      async () => (await checkLake(store, WEATHER_SCHEMA, TOPIC)).rows >= 4000,
      { timeoutMs: 15_000, intervalMs: 20 },
    );
    clearInterval(timer);
    expect(peak).toBeLessThanOrEqual(200_000 + 1000);
    clock.advance(31_000);
    await eventually(
      '(checkLake(store, WEATHER_SCHEMA, TOPIC)).rows === 6000',
      async () => (await checkLake(store, WEATHER_SCHEMA, TOPIC)).rows === 6000,
      { timeoutMs: 15_000, intervalMs: 20 },
    );
    await expectExactlyOnce(store, bus);
  });

  it('pauses while the store is down, stays bounded, and recovers by itself', { timeout: 30_000 }, async () => {
    const { bus, store, clock } = await setup(2);
    const s = sink(bus, store, clock, { maxRecords: 500, maxBufferedBytes: 150_000 });
    await s.start();
    store.down = true;
    await bus.send(TOPIC, readings(4000, 2));
    await eventually('s.inOutage', () => s.inOutage, { timeoutMs: 15_000, intervalMs: 20 });
    expect(s.progress.snapshot()?.lastError).toMatchObject({
      class: 'GridlakeError',
      message: expect.stringContaining('lake store failing'),
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(s.bufferedBytes()).toBeLessThanOrEqual(150_000 + 1000);
    for (let i = 0; i < 5; i++) {
      clock.advance(5000);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(s.inOutage).toBe(true);
    store.down = false;
    for (let i = 0; i < 20 && (await checkLake(store, WEATHER_SCHEMA, TOPIC)).rows < 4000; i++) {
      clock.advance(31_000);
      await new Promise((r) => setTimeout(r, 200));
    }
    await eventually(
      '(checkLake(store, WEATHER_SCHEMA, TOPIC)).rows === 4000',
      async () => (await checkLake(store, WEATHER_SCHEMA, TOPIC)).rows === 4000,
      { timeoutMs: 15_000, intervalMs: 20 },
    );
    expect(s.inOutage).toBe(false);
    expect(s.progress.snapshot()?.lastError).toBeUndefined();
    expect(s.progress.snapshot()?.recordsTotal).toBe(4000);
    await expectExactlyOnce(store, bus);
  });
});
