import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { startForwarder, type ForwarderOptions } from '../../../src/agent/forwarder.js';
import type { Forwarder } from '../../../src/agent/ports.js';
import { openSpool, type LocalSpool } from '../../../src/agent/spool.js';
import type { Bus, OutgoingRecord, SendResult } from '../../../src/bus/bus.js';
import { LocalLogBus } from '../../../src/bus/local-log/local-log-bus.js';
import { glError } from '../../../src/errors.js';
import { createLogger } from '../../../src/observe/log.js';
import { eventually } from '../../eventually.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'fwd-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Hub Kafka as a local log, which can be told to refuse (all topics or some). */
class FakeHub implements Bus {
  readonly log: LocalLogBus;
  refuse: ((topic: string) => Error | undefined) | undefined;
  sends = 0;
  constructor(dir: string) {
    this.log = new LocalLogBus({ dir, fsync: 'never' });
  }
  async send(topic: string, records: readonly OutgoingRecord[]): Promise<SendResult[]> {
    this.sends++;
    const err = this.refuse?.(topic);
    if (err) throw err;
    return this.log.send(topic, records);
  }
  consumer = (): never => {
    throw new Error('not used');
  };
  endOffsets(topic: string) {
    return this.log.endOffsets(topic);
  }
  ensureTopic(topic: string, partitions: number) {
    return this.log.ensureTopic(topic, partitions);
  }
  close() {
    return this.log.close();
  }
  read(topic: string): { key: string | null; value: string }[] {
    if (!this.log.hasTopic(topic)) return [];
    return this.log
      .partitions(topic)
      .flatMap((p) => p.read(0, 1_000_000, 1 << 30))
      .map((r) => ({ key: r.key, value: r.value.toString() }));
  }
}

function logLines(): { lines: Record<string, unknown>[]; log: ForwarderOptions['log'] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, log: createLogger({ level: 'info', destination, format: 'json' }) };
}

const POWER = 'gridlake.power.kpx.v1';
const WEATHER = 'gridlake.weather.kma.v1';
const DEAD = 'gridlake.deadletter.v1';
const kindOfTopic: ForwarderOptions['kindOfTopic'] = (t) =>
  t === POWER ? 'PowerSource' : t === WEATHER ? 'WeatherSource' : undefined;

const power = (i: number, source = 'gridlake-site-naver/kpx'): OutgoingRecord => {
  const baseTime = new Date(Date.UTC(2025, 0, 1, 0, 5 * i)).toISOString();
  return { key: `p${i}`, value: JSON.stringify({ v: 1, source, baseTime, currentDemandMw: 60000 + i }) };
};

function setup(
  options: Partial<ForwarderOptions> = {},
  dir = tempDir(),
): {
  spool: LocalSpool;
  hub: FakeHub;
  start: () => Forwarder;
  lines: Record<string, unknown>[];
} {
  const spool = openSpool({ dir: join(dir, 'spool'), limitBytes: 1 << 30, site: 'naver' });
  const hub = new FakeHub(join(dir, 'hub'));
  const { lines, log } = logLines();
  cleanups.push(
    () => hub.close(),
    () => spool.close(),
  );
  const start = (): Forwarder => {
    const f = startForwarder({
      spool,
      hub,
      kindOfTopic,
      log,
      site: 'naver',
      backoff: { baseMs: 20, maxMs: 50, jitter: 'none' },
      batchRecords: 7,
      ...options,
    });
    cleanups.push(() => f.stop());
    return f;
  };
  return { spool, hub, start, lines };
}

describe('forwarder', () => {
  it('copies every topic in spool order with keys and values unchanged, then empties the spool', async () => {
    const { spool, hub, start } = setup();
    const sent = Array.from({ length: 50 }, (_, i) => power(i));
    await spool.bus.send(POWER, sent.slice(0, 20));
    const f = start();
    await spool.bus.send(POWER, sent.slice(20));
    await spool.bus.send(DEAD, [{ key: 'gridlake-site-naver/kpx', value: '{"v":1,"stage":"parse"}' }]);
    await eventually('drained', () => spool.usage().records === 0, { timeoutMs: 5000 });
    expect(hub.read(POWER)).toEqual(sent.map((r) => ({ key: r.key, value: r.value })));
    expect(hub.read(DEAD)).toEqual([{ key: 'gridlake-site-naver/kpx', value: '{"v":1,"stage":"parse"}' }]);
    expect(spool.usage().bytes).toBe(0);
    expect(f.linked()).toBe(true);
    // Batches of 7: 50 records take 8 sends, and one for the dead letter.
    expect(hub.sends).toBe(9);
  });

  it('moves each source watermark to its newest acknowledged baseTime; dead letters move none', async () => {
    const { spool, start } = setup();
    await spool.bus.send(POWER, [power(3), power(9), power(5), power(2, 'gridlake-site-naver/other')]);
    await spool.bus.send(WEATHER, [
      {
        key: 'w',
        value: JSON.stringify({ v: 1, source: 'gridlake-site-naver/cities', baseTime: '2025-01-01T12:00:00+09:00' }),
      },
    ]);
    await spool.bus.send(DEAD, [
      {
        key: 'x',
        value: JSON.stringify({ v: 1, source: 'gridlake-site-naver/kpx', baseTime: '2030-01-01T00:00:00Z' }),
      },
    ]);
    const f = start();
    await eventually('drained', () => spool.usage().records === 0, { timeoutMs: 5000 });
    expect(f.watermarks()).toEqual({
      'PowerSource/kpx': Date.UTC(2025, 0, 1, 0, 45),
      'PowerSource/other': Date.UTC(2025, 0, 1, 0, 10),
      'WeatherSource/cities': Date.UTC(2025, 0, 1, 3),
    });
  });

  it('keeps the spool while hub Kafka refuses, says so once, and drains in order when it accepts again', async () => {
    const { spool, hub, start, lines } = setup();
    hub.refuse = () =>
      glError('GL_BUS_UNAVAILABLE', 'kafka send failed', { cause: new Error('Connection error: ECONNREFUSED') });
    const f = start();
    const sent = Array.from({ length: 30 }, (_, i) => power(i));
    await spool.bus.send(POWER, sent.slice(0, 10));
    await eventually('unlinked', () => !f.linked(), { timeoutMs: 5000 });
    await eventually('a few retries', () => hub.sends >= 4, { timeoutMs: 5000 });
    await spool.bus.send(POWER, sent.slice(10));
    expect(spool.usage().records).toBe(30);
    expect(f.watermarks()).toEqual({});
    const warnings = lines.filter((l) => l['level'] === 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ topic: POWER, error: 'kafka send failed: Connection error: ECONNREFUSED' });

    hub.refuse = () => new Error('Not authorized to access topics: [Topic authorization failed]');
    const before = hub.sends;
    await eventually('retried with the new error', () => hub.sends > before + 1, { timeoutMs: 5000 });
    expect(lines.filter((l) => l['level'] === 'warn')).toHaveLength(2);

    hub.refuse = undefined;
    await eventually('drained', () => spool.usage().records === 0, { timeoutMs: 5000 });
    expect(hub.read(POWER)).toEqual(sent.map((r) => ({ key: r.key, value: r.value })));
    expect(f.linked()).toBe(true);
    expect(lines.filter((l) => l['msg'] === 'hub Kafka accepts again; the spool drains')).toHaveLength(1);
    expect(f.watermarks()['PowerSource/kpx']).toBe(Date.UTC(2025, 0, 1, 0, 5 * 29));
  });

  it('lets the other topics flow while one is refused', async () => {
    const { spool, hub, start } = setup();
    hub.refuse = (t) => (t === DEAD ? new Error('Not authorized to access topics') : undefined);
    await spool.bus.send(DEAD, [{ key: 'd', value: '{}' }]);
    const f = start();
    await spool.bus.send(POWER, [power(1), power(2)]);
    await eventually('power forwarded', () => hub.read(POWER).length === 2, { timeoutMs: 5000 });
    expect(f.linked()).toBe(false);
    expect(spool.usage().records).toBe(1);
  });

  it('keeps its watermarks across a restart', async () => {
    const dir = tempDir();
    const first = setup({}, dir);
    await first.spool.bus.send(POWER, [power(4)]);
    const f = first.start();
    await eventually('drained', () => first.spool.usage().records === 0, { timeoutMs: 5000 });
    await f.stop();
    await first.spool.close();
    await first.hub.close();
    const second = setup({}, dir);
    expect(second.start().watermarks()).toEqual({ 'PowerSource/kpx': Date.UTC(2025, 0, 1, 0, 20) });
  });
});
