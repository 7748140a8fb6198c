import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { FORWARDER_GROUP, openSpool, type LocalSpool } from '../../../src/agent/spool.js';

const dirs: string[] = [];
const spools: LocalSpool[] = [];
afterEach(async () => {
  for (const s of spools.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'spool-'));
  dirs.push(d);
  return d;
}

function open(dir: string, limitBytes: number, registry?: Registry): LocalSpool {
  const s = openSpool({ dir, limitBytes, site: 'naver', segmentBytes: 1024, ...(registry ? { registry } : {}) });
  spools.push(s);
  return s;
}

const reading = (i: number): string =>
  JSON.stringify({
    v: 1,
    source: 'gridlake-site-naver/kpx',
    baseTime: new Date(Date.UTC(2025, 0, 1, 0, 5 * i)).toISOString(),
    n: i,
  });

describe('agent spool', () => {
  it('puts every topic in one partition, whatever the key or the ensureTopic call asks', async () => {
    const spool = open(tempDir(), 1 << 20);
    await spool.bus.ensureTopic('power', 6);
    const sent = await spool.bus.send(
      'power',
      Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: reading(i) })),
    );
    expect(new Set(sent.map((s) => s.partition))).toEqual(new Set([0]));
    expect(sent.map((s) => s.offset)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(await spool.bus.endOffsets('power')).toEqual([{ topic: 'power', partition: 0, offset: 50 }]);
    expect(spool.topics()).toEqual(['power']);
  });

  it('refuses with GL_AGENT_SPOOL_FULL once the bytes on disk reach the bound, and accepts again once forwarded records are deleted', async () => {
    const spool = open(tempDir(), 4096);
    let accepted = 0;
    let refusal: unknown;
    for (let i = 0; i < 200 && refusal === undefined; i++) {
      try {
        await spool.bus.send('power', [{ key: `k${i}`, value: reading(i) }]);
        accepted++;
      } catch (err) {
        refusal = err;
      }
    }
    expect(refusal).toMatchObject({
      code: 'GL_AGENT_SPOOL_FULL',
      retryable: true,
      context: { site: 'naver', topic: 'power' },
    });
    const u = spool.usage();
    expect(u.bytes).toBeGreaterThanOrEqual(4096);
    // Refused before writing: the bound is exceeded by at most the last accepted send.
    expect(u.bytes).toBeLessThan(4096 + 200);
    expect(u.records).toBe(accepted);
    expect(u.limitBytes).toBe(4096);
    expect(u.oldestMs).toBe(Date.UTC(2025, 0, 1, 0, 0));

    // The forwarder commits everything: the spool drops it from disk and accepts again.
    spool.log.group(FORWARDER_GROUP).commit([{ topic: 'power', partition: 0, offset: accepted }]);
    spool.release();
    expect(spool.usage()).toEqual({ records: 0, bytes: 0, limitBytes: 4096 });
    await expect(spool.bus.send('power', [{ key: 'again', value: reading(999) }])).resolves.toEqual([
      { topic: 'power', partition: 0, offset: accepted },
    ]);
  });

  it('deletes only whole forwarded segments while records wait, and keeps offsets across a reopen', async () => {
    const dir = tempDir();
    const spool = open(dir, 1 << 20);
    await spool.bus.send(
      'power',
      Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: reading(i) })),
    );
    const segments = (): string[] => readdirSync(join(dir, 'power', '0')).filter((f) => f.endsWith('.log'));
    const before = segments().length;
    expect(before).toBeGreaterThan(3);
    spool.log.group(FORWARDER_GROUP).commit([{ topic: 'power', partition: 0, offset: 60 }]);
    spool.release();
    const u = spool.usage();
    expect(u.records).toBe(40);
    expect(u.oldestMs).toBe(Date.UTC(2025, 0, 1, 0, 5 * 60));
    expect(segments().length).toBeLessThan(before);
    // Record 60 is still readable: its segment stays.
    expect(spool.log.partitions('power')[0]!.read(60, 1)[0]!.offset).toBe(60);
    await spool.close();
    spools.splice(spools.indexOf(spool), 1);

    const again = open(dir, 1 << 20);
    expect(again.usage().records).toBe(40);
    again.log.group(FORWARDER_GROUP).commit([{ topic: 'power', partition: 0, offset: 100 }]);
    again.release();
    await again.close();
    spools.splice(spools.indexOf(again), 1);
    const third = open(dir, 1 << 20);
    expect(third.usage()).toEqual({ records: 0, bytes: 0, limitBytes: 1 << 20 });
    expect(await third.bus.send('power', [{ key: 'next', value: reading(100) }])).toEqual([
      { topic: 'power', partition: 0, offset: 100 },
    ]);
  });

  it('exposes the spool metrics with its bound', async () => {
    const registry = new Registry();
    const spool = open(tempDir(), 8192, registry);
    await spool.bus.send('power', [{ key: 'a', value: reading(1) }]);
    await spool.bus.send('weather', [{ key: 'b', value: reading(2) }]);
    const text = await registry.metrics();
    expect(text).toMatch(/gridlake_spool_records\{site="naver"\} 2/);
    expect(text).toMatch(/gridlake_spool_limit_bytes\{site="naver"\} 8192/);
    expect(text).toMatch(new RegExp(`gridlake_spool_bytes\\{site="naver"\\} ${spool.usage().bytes}`));
  });
});
