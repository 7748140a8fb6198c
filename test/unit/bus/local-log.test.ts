import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/clock.js';
import { LocalLogBus } from '../../../src/bus/local-log/local-log-bus.js';
import { PartitionLog } from '../../../src/bus/local-log/partition-log.js';
import { buildChild } from './build-child.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'gridlake-log-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function segmentFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort()
    .map((f) => join(dir, f));
}

describe('local durable log', () => {
  it('reads back what was appended, across segment rolls and a reopen', async () => {
    const dir = tempDir();
    let bus = new LocalLogBus({ dir, segmentBytes: 4096 });
    await bus.ensureTopic('t', 2);
    const sent = await bus.send(
      't',
      Array.from({ length: 500 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
    );
    await bus.close();
    bus = new LocalLogBus({ dir, segmentBytes: 4096 });
    const ends = await bus.endOffsets('t');
    expect(ends.reduce((n, e) => n + e.offset, 0)).toBe(500);
    const p0 = bus.partitions('t')[0]!;
    const records = p0.read(0, 10_000);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: ends[0]!.offset }, (_, i) => i));
    const first = sent.find((s) => s.partition === 0)!;
    expect(records[first.offset]!.value.toString()).toBe(`v${sent.indexOf(first)}`);
    expect(readdirSync(join(dir, 't', '0')).filter((f) => f.endsWith('.log')).length).toBeGreaterThan(1);
    await bus.close();
  });

  it('truncates a torn record at the tail and keeps every whole record', () => {
    const dir = tempDir();
    const log = new PartitionLog(dir, { segmentBytes: 1 << 20 });
    log.append(Array.from({ length: 10 }, (_, i) => ({ key: null, value: Buffer.from(`r${i}`), timestamp: i })));
    log.close();
    const [seg] = segmentFiles(dir);
    const whole = statSync(seg!).size;
    truncateSync(seg!, whole - 3); // the last frame loses its end
    const reopened = new PartitionLog(dir, { segmentBytes: 1 << 20 });
    expect(reopened.endOffset).toBe(9);
    expect(reopened.recovery.truncatedBytes).toBeGreaterThan(0);
    expect(reopened.append([{ key: null, value: Buffer.from('after'), timestamp: 0 }])).toBe(9);
    expect(reopened.read(8, 10).map((r) => r.value.toString())).toEqual(['r8', 'after']);
    reopened.close();
  });

  it('cuts garbage appended after the last record (checksum mismatch)', () => {
    const dir = tempDir();
    const log = new PartitionLog(dir, { segmentBytes: 1 << 20 });
    log.append([{ key: 'a', value: Buffer.from('one'), timestamp: 1 }]);
    log.close();
    const [seg] = segmentFiles(dir);
    const frame = Buffer.alloc(40, 7);
    frame.writeUInt32BE(32, 0);
    appendFileSync(seg!, frame);
    const reopened = new PartitionLog(dir, { segmentBytes: 1 << 20 });
    expect(reopened.endOffset).toBe(1);
    expect(reopened.recovery.reason).toBe('checksum mismatch');
    reopened.close();
  });

  it('deletes whole old segments by size and by age, never the active one', async () => {
    const dir = tempDir();
    const clock = new ManualClock(1_000_000);
    const bus = new LocalLogBus({ dir, segmentBytes: 1024, retention: { maxBytes: 4096, maxAgeMs: 60_000 }, clock });
    await bus.ensureTopic('t', 1);
    for (let i = 0; i < 100; i++) await bus.send('t', [{ key: null, value: 'x'.repeat(100) }]);
    bus.applyRetention();
    const log = bus.partitions('t')[0]!;
    expect(log.sizeBytes).toBeLessThanOrEqual(4096);
    expect(log.startOffset).toBeGreaterThan(0);
    expect(log.read(0, 1000)[0]!.offset).toBe(log.startOffset);
    clock.advance(120_000);
    bus.applyRetention();
    expect(segmentFiles(join(dir, 't', '0'))).toHaveLength(1);
    expect(log.endOffset).toBe(100);
    await bus.close();
  });

  it('keeps every acknowledged record after kill -9 of the writing process', { timeout: 60_000 }, async () => {
    const dir = tempDir();
    const child = await buildChild(join(import.meta.dirname, 'local-log-writer-child.ts'), 'local-log-writer');
    let acknowledged = -1;
    for (let round = 0; round < 3; round++) {
      const proc = spawn(process.execPath, [child, dir, String(acknowledged + 1)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let buffered = '';
      proc.stdout.on('data', (d: Buffer) => {
        buffered += d.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const l of lines) acknowledged = Math.max(acknowledged, Number(l));
      });
      const start = acknowledged;
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 500));
      while (acknowledged < start + 50) await new Promise((r) => setTimeout(r, 50));
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
      const bus = new LocalLogBus({ dir, segmentBytes: 64 * 1024 });
      const log = bus.partitions('t')[0]!;
      expect(log.endOffset).toBeGreaterThan(acknowledged);
      const all = log.read(0, 10_000_000, 1 << 30);
      expect(all.map((r) => r.offset)).toEqual(Array.from({ length: log.endOffset }, (_, i) => i));
      for (const r of all) expect(r.value.toString()).toMatch(/^value-(\d+)-x*$/);
      // Unacknowledged records may survive; what the next writer appends continues after them.
      acknowledged = log.endOffset - 1;
      await bus.close();
    }
  });
});

describe('spool metrics', () => {
  it('reports the uncommitted backlog and the bytes on disk', async () => {
    const { Registry } = await import('prom-client');
    const { registerSpoolMetrics } = await import('../../../src/bus/local-log/spool-metrics.js');
    const dir = tempDir();
    const bus = new LocalLogBus({ dir, fsync: 'never' });
    await bus.ensureTopic('t', 2);
    await bus.send(
      't',
      Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: 'v' })),
    );
    const registry = new Registry();
    registerSpoolMetrics(registry, 'naver', bus, 'agent', ['t']);
    const c = bus.consumer({ groupId: 'agent', topics: ['t'] });
    await c.commit([{ topic: 't', partition: 0, offset: (await bus.endOffsets('t'))[0]!.offset }]);
    const text = await registry.metrics();
    const records = Number(/gridlake_spool_records\{site="naver"\} (\d+)/.exec(text)![1]);
    expect(records).toBe((await bus.endOffsets('t'))[1]!.offset);
    expect(Number(/gridlake_spool_bytes\{site="naver"\} (\d+)/.exec(text)![1])).toBeGreaterThan(0);
    await bus.close();
  });
});
