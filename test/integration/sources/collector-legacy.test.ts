import { beforeAll, describe, expect, it } from 'vitest';
import { ServiceKey } from '../../../src/sources/common/service-key.js';
import type { SourceConfig } from '../../../src/sources/source-tasks.js';
import { kafka } from '../../infra/index.js';
import { readTopic, scenario, type ScenarioTopics } from './kafka-scenario.js';

let brokers: string[] = [];
beforeAll(async () => {
  brokers = [...(await kafka()).brokers];
});

/** One power source on KPX's legacy XML operation (the simulator over HTTP), to real Kafka. */
const legacy = (base: string, topics: ScenarioTopics): SourceConfig[] => [
  {
    kind: 'power',
    source: 'it/kpx-legacy',
    api: 'legacy',
    endpoint: base,
    key: new ServiceKey('it-legacy-key'),
    topic: topics.power,
    deadLetterTopic: topics.dead,
  },
];

const slotMs = (key: string): number =>
  Date.parse(
    `${key.slice(0, 4)}-${key.slice(4, 6)}-${key.slice(6, 8)}T${key.slice(8, 10)}:${key.slice(10, 12)}:00+09:00`,
  );

describe('power collector on the legacy KPX endpoint, end to end', () => {
  it('with the operation open (simulate --legacy-open), samples readings onto the bus once each', async () => {
    const hours = 3;
    const { topics, registry, built } = await scenario(brokers, { legacyDenied: false }, hours, legacy);
    // 100 calls a day less a 10 % reserve: a poll every 20 minutes, one slot per poll.
    const power = await readTopic(brokers, topics.power, hours * 3);
    const keys = power.map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
    const today = keys.filter((k) => k.startsWith('20261123')).sort();
    expect(today.length).toBeGreaterThanOrEqual(hours * 3);
    expect(today.length).toBeLessThanOrEqual(hours * 3 + 2);
    for (const [i, k] of today.entries()) {
      if (i > 0) expect(slotMs(k) - slotMs(today[i - 1] ?? k)).toBeGreaterThanOrEqual(15 * 60_000);
    }
    const first = JSON.parse(power[0]?.value ?? '{}') as Record<string, unknown>;
    expect(first).toMatchObject({ v: 1, source: 'it/kpx-legacy' });
    expect(typeof first['baseTime']).toBe('string');
    // Sampling loses slots, and the source says so with the numbers.
    const condition = built.conditions()['it/kpx-legacy']?.find((c) => c.type === 'BudgetExceeded');
    expect(condition?.message).toMatch(/keeps about 72 of 288 slots.*gateway endpoint/);
    const text = await registry.metrics();
    expect(text).toMatch(/gridlake_source_polls_total\{kind="power",source="it\/kpx-legacy",outcome="ok"\} [1-9]/);
  });

  it('by default (code 20 SERVICE ACCESS DENIED) stops with the auth outcome and an actionable condition', async () => {
    const { topics, registry, built } = await scenario(brokers, {}, 1, legacy);
    const auth = built.conditions()['it/kpx-legacy']?.find((c) => c.type === 'AuthFailed');
    expect(auth).toMatchObject({ type: 'AuthFailed', reason: 'KeyRefused' });
    expect(auth?.message).toMatch(/SERVICE ACCESS DENIED/);
    expect(auth?.message).toMatch(/api: gateway/);
    expect(auth?.message).not.toContain('it-legacy-key');
    const text = await registry.metrics();
    expect(text).toMatch(/gridlake_source_polls_total\{kind="power",source="it\/kpx-legacy",outcome="auth"\} 1\b/);
    expect(text).toMatch(/gridlake_source_polls_total\{kind="power",source="it\/kpx-legacy",outcome="ok"\} 0\b/);
    expect(await readTopic(brokers, topics.power, 0, 2_000)).toEqual([]);
  });
});
