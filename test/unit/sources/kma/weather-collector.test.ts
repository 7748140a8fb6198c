import { afterEach, describe, expect, it } from 'vitest';
import type { LocationSpec } from '../../../../src/sources/kma/kma-grid.js';
import { ServiceKey } from '../../../../src/sources/common/service-key.js';
import { TOPICS, type WeatherSourceConfig } from '../../../../src/sources/source-tasks.js';
import { duplicates, HOUR, world } from '../harness.js';

const START = Date.parse('2026-11-23T00:00:00+09:00');
const DAY = 24 * HOUR;
const key = new ServiceKey('weather%2Bkey%2Fsecret%3D%3D');

/** n locations on distinct cells. */
function locations(n: number): LocationSpec[] {
  return Array.from({ length: n }, (_, i) => ({ name: `loc${i}`, nx: 50 + (i % 40), ny: 100 + Math.floor(i / 40) }));
}
const weather = (n: number, extra: Partial<WeatherSourceConfig> = {}): WeatherSourceConfig => ({
  kind: 'weather',
  source: 'wx/kma',
  endpoint: 'http://sim',
  key,
  locations: locations(n),
  ...extra,
});

let w: ReturnType<typeof world> | null = null;
afterEach(async () => {
  await w?.close();
  w = null;
});

/** Identities per KST date prefix. */
const onDay = (keys: string[], day: string) => keys.filter((k) => k.startsWith(day));

describe('weather collector timing', () => {
  it('polls each location once an hour shortly after HH:10 and gets every hour once', async () => {
    w = world({ start: START + 5 * 60_000 });
    await w.run([weather(3)], START + DAY + 15 * 60_000);
    const keys = w.keys(TOPICS.weather);
    expect(duplicates(keys)).toEqual([]);
    expect(onDay(keys, '20261123')).toHaveLength(72);
    // 25 publications (23rd 00..23 and 24th 00) × 3, plus the 23:00 hour of the 22nd fetched at start.
    expect(w.calls.length).toBe(keys.length);
    const polled = w.calls.map((u) => new URL(u).searchParams.get('base_time'));
    expect(polled.every((t) => t?.endsWith('00'))).toBe(true);
  });

  it('retries NO_DATA with backoff inside the hour when publication is late', async () => {
    // The simulated KMA publishes at HH:25 instead of HH:10.
    w = world({ start: START + 5 * 60_000, sim: { kmaPublishOffsetMs: 25 * 60_000 } });
    const built = await w.run([weather(2)], START + 6 * HOUR);
    const keys = w.keys(TOPICS.weather);
    expect(duplicates(keys)).toEqual([]);
    expect(onDay(keys, '20261123')).toHaveLength(2 * 6); // 00..05, each got only from HH:25
    const text = await w.registry.metrics();
    expect(text).toMatch(/outcome="no_data"\} [1-9]/);
    // A few retries per hour, not blind polling.
    expect(w.calls.length).toBeLessThanOrEqual(keys.length * 6);
    expect(built.weather.every((c) => !c.stopped)).toBe(true);
  });

  it('backfills the hours missed during downtime from the ones still served', async () => {
    w = world({ start: START + 12 * HOUR + 20 * 60_000 });
    const checkpoints = { loc0: START + 2 * HOUR, loc1: START + 2 * HOUR };
    await w.run([weather(2, { checkpoints })], START + 12 * HOUR + 30 * 60_000);
    const keys = w.keys(TOPICS.weather);
    expect(onDay(keys, '20261123')).toHaveLength(2 * 10); // 03..12
    expect(duplicates(keys)).toEqual([]);
  });

  it('reads a location given by lat/lon at its LCC cell', async () => {
    w = world({ start: START + 15 * 60_000 });
    await w.run([weather(0, { locations: [{ name: 'seoul', lat: 37.5665, lon: 126.978 }] })], START + 20 * 60_000);
    expect(w.keys(TOPICS.weather)).toEqual(['202611230000:60:127']);
    const value = JSON.parse(w.sink.records(TOPICS.weather)[0]?.value ?? '{}') as Record<string, unknown>;
    expect(value).toMatchObject({
      v: 1,
      source: 'wx/kma',
      location: 'seoul',
      nx: 60,
      ny: 127,
      baseTime: '2026-11-23T00:00:00+09:00',
    });
  });
});

describe('weather collector faults', () => {
  it('stops all locations on a refused key, with one actionable condition', async () => {
    w = world({ start: START + 15 * 60_000, sim: { faults: [{ api: 'kma', kind: 'gateway', code: '30' }] } });
    const built = await w.run([weather(5)], START + DAY);
    expect(w.calls).toHaveLength(1);
    expect(built.weather.every((c) => c.stopped || c.checkpoint === null)).toBe(true);
    const cond = built.conditions()['wx/kma'] ?? [];
    expect(cond.map((c) => c.type)).toEqual(['AuthFailed']);
    expect(cond[0]?.message).toMatch(/Encoding key/);
  });

  it('on result code 10 names the location and cell the request asked for', async () => {
    w = world({ start: START + 15 * 60_000, sim: { faults: [{ api: 'kma', kind: 'result', code: '10' }] } });
    const built = await w.run([weather(1)], START + HOUR);
    const cond = built.conditions()['wx/kma']?.[0];
    expect(cond?.type).toBe('BadRequest');
    expect(cond?.message).toContain('refused the request for location loc0 (nx 50, ny 100) (result code 10');
  });

  it('on HTTP 401 says the key is not approved for the dataset', async () => {
    w = world({ start: START + 15 * 60_000, sim: { faults: [{ api: 'kma', kind: 'http', code: '401' }] } });
    const built = await w.run([weather(1)], START + HOUR);
    expect(built.conditions()['wx/kma']?.[0]?.message).toMatch(/not approved/);
  });

  it('pauses the key until 00:00 KST on quota and recovers the served hours after', async () => {
    w = world({ start: START + 15 * 60_000, sim: { quotaKma: 40 } });
    await w.run([weather(2)], START + DAY + 30 * 60_000);
    const keys = w.keys(TOPICS.weather);
    expect(duplicates(keys)).toEqual([]);
    // 40 calls on the 23rd (hours 00..19 × 2), a quota answer at 20:10, silence, then after 00:00 KST
    // the missing hours 20..23 come back from the ones still served.
    expect(onDay(keys, '20261123')).toHaveLength(48);
    const totals = w.sim.state.totals.get('kma.ncst') ?? 0;
    expect(totals).toBe(41 + 10);
  });

  it('backs off on 503 and loses nothing', async () => {
    w = world({
      start: START + 15 * 60_000,
      sim: { faults: [{ api: 'kma', kind: 'http', code: '503', probability: 0.3 }] },
    });
    await w.run([weather(3)], START + DAY + 15 * 60_000);
    const keys = w.keys(TOPICS.weather);
    expect(duplicates(keys)).toEqual([]);
    expect(onDay(keys, '20261123')).toHaveLength(72);
  });

  it('dead-letters a truncated answer, retries, and keeps the hour', async () => {
    w = world({ start: START + 15 * 60_000, sim: { faults: [{ api: 'kma', kind: 'truncate', remaining: 1 }] } });
    await w.run([weather(1)], START + 3 * HOUR);
    expect(w.sink.records(TOPICS.deadLetter)).toHaveLength(1);
    expect(onDay(w.keys(TOPICS.weather), '20261123')).toHaveLength(3);
  });

  it('turns missing-value markers into null', async () => {
    w = world({ start: START + 15 * 60_000, sim: { faults: [{ api: 'kma', kind: 'missing' }] } });
    await w.run([weather(1)], START + 20 * 60_000);
    const value = JSON.parse(w.sink.records(TOPICS.weather)[0]?.value ?? '{}') as Record<string, unknown>;
    expect(value).toMatchObject({ humidityPct: null, windEastMs: null, windDirectionDeg: null, windSpeedMs: null });
  });

  it('retries a failed sink send without losing or duplicating', async () => {
    w = world({ start: START + 15 * 60_000 });
    w.sink.failNext = 2;
    await w.run([weather(1)], START + 3 * HOUR);
    const keys = w.keys(TOPICS.weather);
    expect(duplicates(keys)).toEqual([]);
    expect(onDay(keys, '20261123')).toHaveLength(3);
  });
});
