import { beforeAll, describe, expect, it } from 'vitest';
import { ServiceKey } from '../../../src/sources/common/service-key.js';
import type { SourceConfig } from '../../../src/sources/source-tasks.js';
import { kafka } from '../../infra/index.js';
import { readTopic as readFrom, scenario as run, type ScenarioTopics } from './kafka-scenario.js';

let brokers: string[] = [];
beforeAll(async () => {
  brokers = [...(await kafka()).brokers];
});

const readTopic = (topic: string, expected: number, timeoutMs?: number) =>
  readFrom(brokers, topic, expected, timeoutMs);

/** One power source and two weather locations on the simulator, through the Bus port to real Kafka. */
const sources = (base: string, topics: ScenarioTopics): SourceConfig[] => [
  {
    kind: 'power',
    source: 'it/kpx',
    api: 'gateway',
    endpoint: base,
    key: new ServiceKey('it-kpx-key'),
    topic: topics.power,
    deadLetterTopic: topics.dead,
  },
  {
    kind: 'weather',
    source: 'it/kma',
    endpoint: base,
    key: new ServiceKey('it-kma-key'),
    topic: topics.weather,
    deadLetterTopic: topics.dead,
    locations: [
      { name: 'seoul', nx: 60, ny: 127 },
      { name: 'busan', lat: 35.1798, lon: 129.075 },
    ],
  },
];

const scenario = (simConfig: unknown, hours: number) => run(brokers, simConfig, hours, sources);

describe('collectors against the simulator and real Kafka', () => {
  it('puts every slot and hour on the bus once, keyed by identity', async () => {
    const { topics, registry } = await scenario({}, 6);
    const power = await readTopic(topics.power, 6 * 12 + 1);
    const keys = power.map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => k.startsWith('20261123') && k < '20261123060000')).toHaveLength(72);
    const first = JSON.parse(power.find((r) => r.key === '20261123000000')?.value ?? '{}') as Record<string, unknown>;
    expect(first).toMatchObject({
      v: 1,
      source: 'it/kpx',
      baseTime: '2026-11-23T00:00:00+09:00',
      baseDatetimeRaw: '20261123000000',
    });
    const weather = await readTopic(topics.weather, 2 * 7);
    const wkeys = weather.map((r) => r.key);
    expect(new Set(wkeys).size).toBe(wkeys.length);
    expect(wkeys).toContain('202611230500:60:127');
    expect(wkeys).toContain('202611230500:98:76');
    expect(wkeys.filter((k) => k.startsWith('20261123'))).toHaveLength(2 * 7); // 00..06 (06 is out at 06:10)
    const text = await registry.metrics();
    const records = /gridlake_source_records_total\{kind="weather",source="it\/kma"\} (\d+)/.exec(text);
    expect(Number(records?.[1])).toBe(weather.length);
    expect(text).toMatch(/gridlake_weather_temperature_celsius\{location="busan"\} -?\d/);
  });

  it('backs off through 503s and dead-letters truncated answers without losing readings', async () => {
    const { topics, registry } = await scenario(
      {
        faults: [
          { api: 'all', kind: 'http', code: '503', probability: 0.1 },
          { api: 'all', kind: 'truncate', probability: 0.05 },
        ],
      },
      4,
    );
    const power = await readTopic(topics.power, 4 * 12);
    const keys = power.map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => k.startsWith('20261123') && k < '20261123040000')).toHaveLength(48);
    const weather = await readTopic(topics.weather, 2 * 4);
    expect(weather.map((r) => r.key).filter((k) => k.startsWith('20261123'))).toHaveLength(2 * 5);
    const text = await registry.metrics();
    const malformed = /gridlake_source_polls_total\{kind="\w+",source="it\/\w+",outcome="malformed"\} (\d+)/g;
    const count = [...text.matchAll(malformed)].reduce((a, m) => a + Number(m[1]), 0);
    if (count > 0) {
      const dead = await readTopic(topics.dead, count);
      expect(dead.length).toBe(count);
      expect(JSON.parse(dead[0]?.value ?? '{}')).toMatchObject({ v: 1, stage: 'parse' });
    }
    expect(text).toMatch(/outcome="http_error"\} [1-9]/);
  });

  it('stops on a refused key and reports why, producing nothing', async () => {
    const { topics, built } = await scenario({ keys: ['only-this-key'] }, 1);
    const conditions = built.conditions();
    expect(conditions['it/kpx']?.[0]).toMatchObject({ type: 'AuthFailed' });
    expect(conditions['it/kma']?.[0]).toMatchObject({ type: 'AuthFailed' });
    const power = await readTopic(topics.power, 0, 2_000);
    expect(power).toEqual([]);
  });
});
