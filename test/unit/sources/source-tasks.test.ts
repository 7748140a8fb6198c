import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileCheckpointStore, MemoryCheckpointStore } from '../../../src/sources/common/checkpoint-store.js';
import { ServiceKey } from '../../../src/sources/common/service-key.js';
import { TOPICS, withCheckpoints, type SourceConfig } from '../../../src/sources/source-tasks.js';
import { duplicates, HOUR, missingSlots, world } from './harness.js';

const START = Date.parse('2026-11-23T00:00:00+09:00');
const configs = (): SourceConfig[] => [
  { kind: 'power', source: 'g/kpx', api: 'gateway', endpoint: 'http://sim', key: new ServiceKey('a') },
  {
    kind: 'weather',
    source: 'g/kma',
    endpoint: 'http://sim',
    key: new ServiceKey('b'),
    locations: [{ name: 'seoul', nx: 60, ny: 127 }],
  },
];

describe('checkpoints across a restart', () => {
  it('resumes where it stopped, backfills the downtime and re-emits at most the last reading', async () => {
    const store = new MemoryCheckpointStore();
    const first = world({ start: START });
    await first.run(withCheckpoints(configs(), store), START + 3 * HOUR);
    const before = { power: first.keys(TOPICS.power), weather: first.keys(TOPICS.weather) };
    await first.close();
    // Down from 03:00 to 08:00; then a new process with the same store.
    const second = world({ start: START + 8 * HOUR });
    await second.run(withCheckpoints(configs(), store), START + 9 * HOUR);
    const after = { power: second.keys(TOPICS.power), weather: second.keys(TOPICS.weather) };
    await second.close();
    const power = [...before.power, ...after.power];
    const weather = [...before.weather, ...after.weather];
    expect(duplicates(power).length).toBeLessThanOrEqual(1);
    expect(duplicates(weather).length).toBeLessThanOrEqual(1);
    expect(missingSlots(power)).toEqual([]);
    expect(weather.filter((k) => k.startsWith('20261123'))).toHaveLength(9); // 00..08
  });

  it('keeps the checkpoint in a file that survives the process', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gl-src-')), 'state', 'checkpoint.json');
    const w = world({ start: START + 15 * 60_000 });
    await w.run(withCheckpoints(configs(), new FileCheckpointStore(path)), START + HOUR);
    await w.close();
    const saved = JSON.parse(readFileSync(path, 'utf8')) as {
      v: number;
      power: { rn: number };
      weather: Record<string, number>;
    };
    expect(saved.v).toBe(1);
    expect(saved.power.rn).toBeGreaterThan(1_000_000);
    expect(saved.weather['seoul']).toBe(START);
    expect(new FileCheckpointStore(path).load()).toEqual(saved);
    expect(new FileCheckpointStore(join(path, 'nope')).load()).toBeNull();
  });
});
