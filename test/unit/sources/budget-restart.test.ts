import { describe, expect, it } from 'vitest';
import { MemoryCheckpointStore } from '../../../src/sources/common/checkpoint-store.js';
import { ServiceKey } from '../../../src/sources/common/service-key.js';
import { withCheckpoints, type SourceConfig } from '../../../src/sources/source-tasks.js';
import { HOUR, world } from './harness.js';

const START = Date.parse('2026-11-23T00:00:00+09:00');
const NEXT_DAY = START + 24 * HOUR;
/** Two locations need 48 calls a day; the key allows 30. */
const LIMIT = 30;
const key = new ServiceKey('budget-restart-key');
const configs = (): SourceConfig[] => [
  {
    kind: 'weather',
    source: 'g/kma',
    endpoint: 'http://sim',
    key,
    locations: [
      { name: 'seoul', nx: 60, ny: 127 },
      { name: 'busan', nx: 98, ny: 76 },
    ],
  },
];

/** Runs one process per [start, end) window on one store; returns the call times of every process. */
async function restarts(windows: readonly (readonly [number, number])[], persistBudget: boolean) {
  const store = new MemoryCheckpointStore();
  const times: number[] = [];
  for (const [start, end] of windows) {
    const w = world({ start, limits: { 'kma.ncst': LIMIT } });
    const sources = withCheckpoints(configs(), store, persistBudget ? { budget: w.budget, clock: w.clock } : undefined);
    await w.run(sources, end);
    times.push(...w.callTimes);
    await w.close();
  }
  return { times, store };
}

const WINDOWS = [
  [START, START + 9 * HOUR],
  [START + 9 * HOUR + 20 * 60_000, START + 15 * HOUR],
  [START + 15 * HOUR + 5 * 60_000, NEXT_DAY],
  [NEXT_DAY + 30 * 60_000, NEXT_DAY + 3 * HOUR],
] as const;

describe('daily call budget across restarts', () => {
  it('a collector restarted mid-day never exceeds the budget over the KST day', async () => {
    const { times, store } = await restarts(WINDOWS, true);
    const today = times.filter((t) => t >= START && t < NEXT_DAY);
    expect(today.length).toBeLessThanOrEqual(LIMIT);
    expect(today.length).toBeGreaterThanOrEqual(LIMIT - 2); // the budget is used, not left idle
    // A new KST day starts from zero: the next day's process calls again.
    expect(times.filter((t) => t >= NEXT_DAY).length).toBeGreaterThan(0);
    const saved = store.load();
    expect(saved?.budget?.day).toBe('2026-11-24');
    expect(saved?.budget?.used[`${key.id}|kma.ncst`]).toBeGreaterThan(0);
  });

  it('without the budget in the checkpoint the same restarts overrun it (the test can fail)', async () => {
    const { times } = await restarts(WINDOWS, false);
    expect(times.filter((t) => t >= START && t < NEXT_DAY).length).toBeGreaterThan(LIMIT);
  });

  it('ignores counts saved on an earlier KST day', async () => {
    const store = new MemoryCheckpointStore();
    store.save({ v: 1, budget: { day: '2026-11-22', used: { [`${key.id}|kma.ncst`]: LIMIT } } });
    const w = world({ start: START, limits: { 'kma.ncst': LIMIT } });
    await w.run(withCheckpoints(configs(), store, { budget: w.budget, clock: w.clock }), START + 2 * HOUR);
    await w.close();
    expect(w.budget.used(key.id, 'kma.ncst', START)).toBeGreaterThan(0);
    expect(w.callTimes.length).toBe(w.budget.used(key.id, 'kma.ncst', START));
  });
});
