import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import type { TopicPartition } from '../../../src/bus/bus.js';
import { LocalLogBus } from '../../../src/bus/local-log/local-log-bus.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('local log consumer groups', () => {
  it('splits partitions between members and hands one over only after its revoke finished', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridlake-group-'));
    dirs.push(dir);
    const bus = new LocalLogBus({ dir, fsync: 'never' });
    await bus.ensureTopic('t', 4);
    await bus.send(
      't',
      Array.from({ length: 40 }, (_, i) => ({ key: null, value: `v${i}` })),
    );
    const events: string[] = [];
    const seen = new Map<string, Set<number>>();
    const member = (name: string) => {
      const c = bus.consumer({ groupId: 'g', topics: ['t'] });
      seen.set(name, new Set());
      return {
        c,
        start: () =>
          c.start({
            onBatch: async (b) => {
              seen.get(name)!.add(b.partition);
              return undefined;
            },
            onAssign: async (tps: readonly TopicPartition[]) =>
              void events.push(`${name} +${tps.map((t) => t.partition).join(',')}`),
            onRevoke: async (tps: readonly TopicPartition[], lost: boolean) => {
              events.push(`${name} -${tps.map((t) => t.partition).join(',')} lost=${lost}`);
              await new Promise((r) => setTimeout(r, 50));
            },
          }),
      };
    };
    const a = member('a');
    await a.start();
    await eventually("seen.get('a')!.size === 4", () => seen.get('a')!.size === 4, {
      timeoutMs: 10_000,
      intervalMs: 10,
    });
    const b = member('b');
    await b.start();
    await eventually('b.c.assignment().length === 2', () => b.c.assignment().length === 2, {
      timeoutMs: 10_000,
      intervalMs: 10,
    });
    expect(a.c.assignment().map((t) => t.partition)).toEqual([0, 2]);
    expect(b.c.assignment().map((t) => t.partition)).toEqual([1, 3]);
    expect(events.indexOf('a -1,3 lost=false')).toBeLessThan(events.indexOf('b +1,3'));
    await a.c.stop();
    await eventually('b.c.assignment().length === 4', () => b.c.assignment().length === 4, {
      timeoutMs: 10_000,
      intervalMs: 10,
    });
    await b.c.stop();
    await bus.close();
  });
});
