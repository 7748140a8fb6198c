import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalLogBus } from '../../../../src/bus/local-log/local-log-bus.js';
import { BusReadingSink } from '../../../../src/sources/common/bus-reading-sink.js';
import { runTasks } from '../../../../src/sources/common/run-loop.js';
import { ServiceKey } from '../../../../src/sources/common/service-key.js';
import { buildSourceTasks, TOPICS } from '../../../../src/sources/source-tasks.js';
import { duplicates, HOUR, missingSlots, world } from '../harness.js';

const START = Date.parse('2026-11-23T00:00:00+09:00');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function keysOn(bus: LocalLogBus, topic: string): string[] {
  return bus.partitions(topic).flatMap((p) => p.read(0, 100_000).map((r) => r.key ?? ''));
}

describe('BusReadingSink', () => {
  it('puts collector readings on the local log (the agent spool), keyed by identity, once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gl-src-spool-'));
    dirs.push(dir);
    const bus = new LocalLogBus({ dir });
    const sink = new BusReadingSink(bus);
    const w = world({ start: START - 2 * 60_000 });
    const built = buildSourceTasks(
      [
        { kind: 'power', source: 'g/kpx', api: 'gateway', endpoint: 'http://sim', key: new ServiceKey('a') },
        {
          kind: 'weather',
          source: 'g/kma',
          endpoint: 'http://sim',
          key: new ServiceKey('b'),
          locations: [{ name: 'seoul', nx: 60, ny: 127 }],
        },
      ],
      { ...w.deps, sink },
    );
    await runTasks(built.tasks, { clock: w.clock, until: START + 2 * HOUR + 15 * 60_000 });
    await w.close();
    const power = keysOn(bus, TOPICS.power);
    const weather = keysOn(bus, TOPICS.weather);
    expect(duplicates(power)).toEqual([]);
    expect(missingSlots(power)).toEqual([]);
    expect(power.filter((k) => k.startsWith('20261123') && k < '20261123020000')).toHaveLength(24);
    expect(weather.filter((k) => k.startsWith('20261123'))).toEqual([
      '202611230000:60:127',
      '202611230100:60:127',
      '202611230200:60:127',
    ]);
    expect(sink.byTopic()).toEqual({ [TOPICS.power]: power.length, [TOPICS.weather]: weather.length });
    await sink.close();
    await bus.close();
  });

  it('sends nothing for an empty batch', async () => {
    const sent: string[] = [];
    const sink = new BusReadingSink({
      send: async (topic: string) => {
        sent.push(topic);
        return [];
      },
    } as unknown as LocalLogBus);
    await sink.send('t', []);
    expect(sent).toEqual([]);
  });
});
