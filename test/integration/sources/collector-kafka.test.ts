import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observe/log.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import { startCollectors } from '../../../src/sources/collect-runner.js';
import { ManualClock, seededRng } from '../../../src/sources/shared/clock.js';
import { KafkaReadingSink } from '../../../src/sources/shared/reading-sink.js';
import { ServiceKey } from '../../../src/sources/shared/service-key.js';
import { createSimulator } from '../../../src/sources/simulator/simulator-server.js';
import type { SourceConfig } from '../../../src/sources/source-tasks.js';
import { kafka } from '../../infra/index.js';

const HOUR = 3_600_000;
const START = Date.parse('2026-11-23T00:00:00+09:00');

let brokers: string[] = [];
beforeAll(async () => {
  brokers = [...(await kafka()).brokers];
});

const suffix = () => randomBytes(4).toString('hex');

/** Reads every record of a topic from the beginning. */
async function readTopic(
  topic: string,
  expected: number,
  timeoutMs = 30_000,
): Promise<{ key: string; value: string }[]> {
  const client = new Kafka({ brokers, clientId: 'sources-test', logLevel: logLevel.NOTHING });
  const consumer = client.consumer({ groupId: `sources-test-${suffix()}` });
  const out: { key: string; value: string }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      out.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (out.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  // A moment more, to see any duplicate that would follow.
  await new Promise((r) => setTimeout(r, 1_000));
  await consumer.disconnect();
  return out;
}

/** A simulator on 127.0.0.1:0 and collectors on one fake clock, producing to real Kafka. */
async function scenario(simConfig: unknown, hours: number) {
  const clock = new ManualClock(START - 2 * 60_000);
  const { app } = createSimulator({ clock, config: simConfig, sleep: async () => {} });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const id = suffix();
  const topics = { power: `it.power.${id}`, weather: `it.weather.${id}`, dead: `it.dead.${id}` };
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  await admin.createTopics({
    topics: Object.values(topics).map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })),
  });
  await admin.disconnect();
  const sink = new KafkaReadingSink({ brokers });
  const registry = createRegistry({ defaultMetrics: false });
  const sources: SourceConfig[] = [
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
  const run = startCollectors({
    sources,
    sink,
    registry,
    logger: createLogger({ level: 'error' }),
    clock,
    sleep: clock.sleep,
    rng: seededRng(1),
    until: START + hours * HOUR + 15 * 60_000,
  });
  await run.done;
  await sink.close();
  await app.close();
  return { topics, registry, built: run.built };
}

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
