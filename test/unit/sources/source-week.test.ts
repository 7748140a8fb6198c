import { describe, expect, it } from 'vitest';
import { kstDay } from '../../../src/kst.js';
import { ServiceKey } from '../../../src/sources/common/service-key.js';
import { TOPICS, type SourceConfig } from '../../../src/sources/source-tasks.js';
import { duplicates, HOUR, missingSlots, world } from './harness.js';

const START = Date.parse('2026-11-23T00:00:00+09:00');
const WEEK = 7 * 24 * HOUR;

/** Calls per KST day and operation. */
function perDay(urls: readonly string[], times: readonly number[]): Map<string, number> {
  const out = new Map<string, number>();
  urls.forEach((u, i) => {
    const op = u.includes('getUltraSrtNcst') ? 'kma' : u.includes('Sukub5mToday') ? 'kpx.history' : 'kpx.latest';
    const k = `${kstDay(times[i] ?? 0)} ${op}`;
    out.set(k, (out.get(k) ?? 0) + 1);
  });
  return out;
}

describe('a simulated week with 1 power source and 50 locations', () => {
  it('never exceeds the daily budgets, even with late publication and NO_DATA noise', async () => {
    const kmaBudget = 1_300; // 1,200 planned + 100 for retries: tight on purpose
    const w = world({
      start: START - 3 * 60_000,
      limits: { 'kma.ncst': kmaBudget },
      sim: {
        quotaKma: kmaBudget,
        kmaPublishOffsetMs: 14 * 60_000,
        faults: [
          { api: 'kma', kind: 'result', code: '03', probability: 0.05 },
          { api: 'all', kind: 'http', code: '503', probability: 0.01 },
        ],
      },
    });
    const kmaKey = new ServiceKey('kma-key');
    const kpxKey = new ServiceKey('kpx-key');
    const configs: SourceConfig[] = [
      { kind: 'power', source: 'grid/kpx', api: 'gateway', endpoint: 'http://sim', key: kpxKey },
      {
        kind: 'weather',
        source: 'wx/kma',
        endpoint: 'http://sim',
        key: kmaKey,
        locations: Array.from({ length: 50 }, (_, i) => ({ name: `l${i}`, nx: 40 + i, ny: 90 + (i % 30) })),
      },
    ];
    try {
      await w.run(configs, START + WEEK + 20 * 60_000);
      const days = perDay(w.calls, w.callTimes);
      for (const [k, n] of days) {
        const limit = k.endsWith('kma') ? kmaBudget : 100;
        expect(n, k).toBeLessThanOrEqual(limit);
      }
      // The simulator never had to answer 22.
      const text = await w.registry.metrics();
      expect(text).not.toMatch(/outcome="quota"\} [1-9]/);
      const power = w.keys(TOPICS.power);
      expect(duplicates(power)).toEqual([]);
      expect(missingSlots(power)).toEqual([]);
      expect(power.filter((k) => k >= '20261123' && k < '20261130')).toHaveLength(7 * 288);
      const weather = w.keys(TOPICS.weather);
      expect(duplicates(weather)).toEqual([]);
      // With only 100 spare calls a day against 5 % NO_DATA noise, a handful of hours may be given up; never more than 0.5 %.
      const weekHours = weather.filter((k) => k >= '20261123' && k < '20261130').length;
      expect(weekHours).toBeGreaterThanOrEqual(Math.floor(7 * 24 * 50 * 0.995));
      expect(weekHours).toBeLessThanOrEqual(7 * 24 * 50);
    } finally {
      await w.close();
    }
  }, 120_000);
});
