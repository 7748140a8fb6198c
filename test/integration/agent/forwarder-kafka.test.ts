import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startForwarder } from '../../../src/agent/forwarder.js';
import type { Forwarder } from '../../../src/agent/ports.js';
import { openSpool, type LocalSpool } from '../../../src/agent/spool.js';
import { KafkaBus, type KafkaBusOptions } from '../../../src/bus/kafka/kafka-bus.js';
import { createLogger } from '../../../src/observe/log.js';
import { eventually } from '../../eventually.js';
import { addSiteUser, kafka, type KafkaInfo } from '../../infra/index.js';
import { buildChild } from '../../unit/bus/build-child.js';
import type { ForwarderChildConfig } from './forwarder-child.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const id = randomUUID().slice(0, 8);
const user = `site-fwd-${id}`;
const password = `pw-${randomUUID()}`;
let info: KafkaInfo;

beforeAll(async () => {
  info = await kafka();
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'fwd-int-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function makeTopic(topic: string, partitions: number): Promise<void> {
  const admin = new Kafka({ clientId: 'fwd-test', brokers: [...info.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await admin.disconnect();
}

/** Every record of a topic as the hub sees it (internal listener), per partition in offset order. */
async function readAll(topic: string): Promise<{ partition: number; key: string; value: string }[]> {
  const client = new Kafka({ clientId: 'fwd-test-reader', brokers: [...info.brokers], logLevel: logLevel.NOTHING });
  const admin = client.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const total = ends.reduce((n, p) => n + Number(p.high), 0);
  const out: { partition: number; offset: number; key: string; value: string }[] = [];
  if (total === 0) return [];
  const consumer = client.consumer({ groupId: `reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages)
        out.push({
          partition: batch.partition,
          offset: Number(m.offset),
          key: m.key!.toString(),
          value: m.value!.toString(),
        });
    },
  });
  await eventually(`all ${total} records of ${topic} read back`, () => out.length >= total, { timeoutMs: 60_000 });
  await consumer.disconnect();
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

const reading = (i: number): { key: string; value: string } => {
  const base = new Date(Date.UTC(2025, 0, 1) + i * 300_000);
  return {
    key: base.toISOString().replace(/\D/g, '').slice(0, 14),
    value: JSON.stringify({ v: 1, source: 'gridlake-site-naver/kpx', baseTime: base.toISOString(), i }),
  };
};

function siteBus(overrides: Partial<KafkaBusOptions> = {}): KafkaBus {
  const bus = new KafkaBus({
    brokers: info.site.brokers,
    clientId: user,
    ssl: { ca: [info.site.ca] },
    sasl: { mechanism: 'scram-sha-512', username: user, password },
    connection: { connectionTimeout: 1000, retry: { initialRetryTime: 100, retries: 1, maxRetryTime: 500 } },
    ...overrides,
  });
  cleanups.push(() => bus.close());
  return bus;
}

describe('forwarder to hub Kafka over SASL_SSL (real Kafka)', () => {
  it('keeps the spool while the hub is unreachable or refuses the login, then drains it in order with nothing lost', async () => {
    const topic = `fwd-outage-${id}`;
    await makeTopic(topic, 3);
    await addSiteUser(info, { user, password, topics: [topic] });
    const spool: LocalSpool = openSpool({ dir: tempDir(), limitBytes: 64 << 20, site: 'naver' });
    cleanups.push(() => spool.close());
    const lines: Record<string, unknown>[] = [];
    const log = createLogger({
      level: 'info',
      format: 'json',
      destination: new Writable({
        write(chunk: Buffer, _e, cb) {
          for (const l of chunk.toString().split('\n').filter(Boolean))
            lines.push(JSON.parse(l) as Record<string, unknown>);
          cb();
        },
      }),
    });
    const start = (hub: KafkaBus): Forwarder => {
      const f = startForwarder({
        spool,
        hub,
        kindOfTopic: () => 'PowerSource',
        log,
        site: 'naver',
        backoff: { baseMs: 200, maxMs: 1000, jitter: 'none' },
        batchRecords: 300,
      });
      cleanups.push(() => f.stop());
      return f;
    };
    const all = Array.from({ length: 3000 }, (_, i) => reading(i));
    await spool.bus.send(topic, all.slice(0, 1000));

    // 1. A port where nothing listens: the hub cannot be reached.
    const closed = siteBus({ brokers: ['127.0.0.1:1'] });
    const f1 = start(closed);
    await eventually('unlinked (unreachable)', () => !f1.linked(), { timeoutMs: 30_000 });
    await spool.bus.send(topic, all.slice(1000, 2000));
    await f1.stop();
    expect(spool.usage().records).toBe(2000);
    const unreachable = lines.find((l) => l['level'] === 'warn');
    expect(unreachable).toMatchObject({ topic });
    expect(String(unreachable?.['error'])).toMatch(/Connection error|ECONNREFUSED/);

    // 2. The right listener, a wrong password: refused, with a readable reason.
    const f2 = start(siteBus({ sasl: { mechanism: 'scram-sha-512', username: user, password: 'wrong' } }));
    await eventually(
      'unlinked (SASL refused)',
      () =>
        lines.some((l) => l['level'] === 'warn' && /SASL SCRAM SHA512 authentication failed/.test(String(l['error']))),
      { timeoutMs: 30_000 },
    );
    expect(f2.linked()).toBe(false);
    await f2.stop();
    await spool.bus.send(topic, all.slice(2000));
    expect(spool.usage().records).toBe(3000);

    // 3. The link is back: everything drains, in order per key, nothing lost.
    const f3 = start(siteBus());
    await eventually('drained', () => spool.usage().records === 0, { timeoutMs: 60_000 });
    expect(f3.linked()).toBe(true);
    expect(f3.watermarks()).toEqual({ 'PowerSource/kpx': Date.UTC(2025, 0, 1) + 2999 * 300_000 });
    const got = await readAll(topic);
    expect(got).toHaveLength(3000);
    expect(new Set(got.map((r) => r.key)).size).toBe(3000);
    // Within each hub partition, the spool's order.
    for (let p = 0; p < 3; p++) {
      const idx = got.filter((r) => r.partition === p).map((r) => (JSON.parse(r.value) as { i: number }).i);
      expect(idx).toEqual([...idx].sort((a, b) => a - b));
    }
    expect(got.map((r) => r.value).sort()).toEqual(all.map((r) => r.value).sort());
  });

  it('loses nothing when the forwarder process is killed with SIGKILL mid-drain', { timeout: 240_000 }, async () => {
    const topic = `fwd-crash-${id}`;
    const N = 40_000;
    const BATCH = 500;
    const KILLS = 3;
    await makeTopic(topic, 1);
    await addSiteUser(info, { user: `${user}-crash`, password, topics: [topic] });
    const dir = tempDir();
    const spool = openSpool({ dir, limitBytes: 1 << 30, site: 'naver' });
    const all = Array.from({ length: N }, (_, i) => reading(i));
    for (let i = 0; i < N; i += 5000) await spool.bus.send(topic, all.slice(i, i + 5000));
    await spool.close();

    const file = await buildChild(join(import.meta.dirname, 'forwarder-child.ts'), 'forwarder-child');
    const config: ForwarderChildConfig = {
      dir,
      limitBytes: 1 << 30,
      brokers: info.site.brokers,
      ca: info.site.ca,
      user: `${user}-crash`,
      password,
      batchRecords: BATCH,
    };
    const hub = new Kafka({
      clientId: 'fwd-test-ends',
      brokers: [...info.brokers],
      logLevel: logLevel.NOTHING,
    }).admin();
    await hub.connect();
    cleanups.push(() => hub.disconnect());
    const inHub = async (): Promise<number> => Number((await hub.fetchTopicOffsets(topic))[0]!.high);
    const run = (): ChildProcess => {
      const proc = spawn(process.execPath, [file], {
        env: { ...process.env, GRIDLAKE_FORWARDER_CHILD: JSON.stringify(config) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      cleanups.push(() => void proc.kill('SIGKILL'));
      return proc;
    };
    const killedAt: number[] = [];
    for (let k = 0; k < KILLS; k++) {
      const target = Math.round((N * (k + 1)) / (KILLS + 1));
      const proc = run();
      await eventually(`hub holds ${target} records`, async () => (await inHub()) >= target, {
        timeoutMs: 60_000,
        intervalMs: 10,
      });
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
      killedAt.push(await inHub());
    }
    // Mid-drain each time, not before the start nor after the end.
    for (const n of killedAt) expect(n).toBeLessThan(N);
    expect(killedAt[0]).toBeGreaterThan(0);

    const last = run();
    await eventually('hub holds every record', async () => (await inHub()) >= N, { timeoutMs: 60_000 });
    last.kill('SIGTERM');
    await new Promise((r) => last.once('exit', r));
    const reopened = openSpool({ dir, limitBytes: 1 << 30, site: 'naver' });
    cleanups.push(() => reopened.close());
    expect(reopened.usage().records).toBe(0);

    const got = await readAll(topic);
    const keys = new Set(got.map((r) => r.key));
    expect(keys.size).toBe(N);
    for (const r of all) expect(keys.has(r.key)).toBe(true);
    // Copies come only from the batch in flight at each kill.
    expect(got.length - N).toBeLessThanOrEqual(KILLS * BATCH);
    // The first copy of every record comes in spool order (one hub partition).
    const seen = new Set<string>();
    const firsts = got
      .filter((r) => !seen.has(r.key) && seen.add(r.key))
      .map((r) => (JSON.parse(r.value) as { i: number }).i);
    expect(firsts).toEqual(all.map((_, i) => i));
  });
});
