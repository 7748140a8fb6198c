import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaBus } from '../../../src/bus/kafka/kafka-bus.js';
import { createLogger } from '../../../src/observe/log.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import { startCollectors } from '../../../src/sources/collect-runner.js';
import { BusReadingSink } from '../../../src/sources/common/bus-reading-sink.js';
import { ManualClock } from '../../../src/clock.js';
import { seededRng } from '../../../src/random.js';
import type { Operation } from '../../../src/sources/common/budget.js';
import { createSimulator } from '../../../src/sources/simulator/simulator-server.js';
import type { SourceConfig } from '../../../src/sources/source-tasks.js';

export const HOUR = 3_600_000;
export const START = Date.parse('2026-11-23T00:00:00+09:00');

export const suffix = (): string => randomBytes(4).toString('hex');

/** Reads every record of a topic from the beginning (a plain kafkajs consumer, independent of the Bus port). */
export async function readTopic(
  brokers: readonly string[],
  topic: string,
  expected: number,
  timeoutMs = 30_000,
): Promise<{ key: string; value: string }[]> {
  const client = new Kafka({ brokers: [...brokers], clientId: 'sources-test', logLevel: logLevel.NOTHING });
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

export interface ScenarioTopics {
  readonly power: string;
  readonly weather: string;
  readonly dead: string;
}

/**
 * A simulator on 127.0.0.1:0 and collectors on one fake clock, producing to
 * real Kafka through the Bus port (KafkaBus + BusReadingSink), as `collect --brokers` does.
 */
export async function scenario(
  brokers: readonly string[],
  simConfig: unknown,
  hours: number,
  sources: (base: string, topics: ScenarioTopics) => SourceConfig[],
  limits: Partial<Record<Operation, number>> = {},
) {
  const clock = new ManualClock(START - 2 * 60_000, { autoAdvance: true });
  const { app } = createSimulator({ clock, config: simConfig, sleep: async () => {} });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const id = suffix();
  const topics: ScenarioTopics = { power: `it.power.${id}`, weather: `it.weather.${id}`, dead: `it.dead.${id}` };
  const bus = new KafkaBus({ brokers, clientId: `sources-it-${id}` });
  for (const topic of Object.values(topics)) await bus.ensureTopic(topic, 1);
  const sink = new BusReadingSink(bus);
  const registry = createRegistry({ defaultMetrics: false });
  const run = startCollectors({
    sources: sources(base, topics),
    sink,
    registry,
    logger: createLogger({ level: 'error' }),
    limits,
    clock,
    rng: seededRng(1),
    until: START + hours * HOUR + 15 * 60_000,
  });
  await run.done;
  await sink.close();
  await bus.close();
  await app.close();
  return { topics, registry, built: run.built, sent: sink.byTopic() };
}
