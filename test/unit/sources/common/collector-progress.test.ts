import { describe, expect, it } from 'vitest';
import { CollectorProgress } from '../../../../src/sources/common/collector-progress.js';
import { powerProgress, weatherProgress } from '../../../../src/sources/source-progress.js';
import { resolveLocation } from '../../../../src/sources/kma/kma-grid.js';
import { HOUR, world } from '../harness.js';
import { ServiceKey } from '../../../../src/sources/common/service-key.js';

const T0 = Date.parse('2026-11-23T23:50:00+09:00');

describe('CollectorProgress', () => {
  it('counts calls per KST day, resetting at KST midnight (15:00 UTC), not UTC midnight', () => {
    const p = new CollectorProgress();
    p.called(T0);
    p.called(T0 + 60_000);
    expect(p.snapshot(T0 + 120_000).callsToday).toBe(2);
    // 00:05 KST the next day: a new quota day, nothing spent yet
    expect(p.snapshot(T0 + 15 * 60_000).callsToday).toBe(0);
    p.called(T0 + 15 * 60_000);
    expect(p.snapshot(T0 + 16 * 60_000).callsToday).toBe(1);
  });

  it('keeps the last error until a poll succeeds; no_data is not an error', () => {
    const p = new CollectorProgress();
    p.polled('http_error', 'HTTP 503 from the gateway', T0);
    p.polled('no_data', 'NO_DATA', T0 + 1000);
    expect(p.snapshot(T0).lastError).toEqual({ class: 'http_error', message: 'HTTP 503 from the gateway', atMs: T0 });
    expect(p.snapshot(T0).lastOutcome).toBe('no_data');
    p.polled('ok', null, T0 + 2000);
    expect(p.snapshot(T0).lastError).toBeNull();
    expect(p.snapshot(T0).lastPollMs).toBe(T0 + 2000);
  });

  it('does not let a backfilled (older) reading replace the newest one', () => {
    const p = new CollectorProgress();
    p.reading('', T0, { currentDemandMw: 70_000 });
    p.reading('', T0 - HOUR, { currentDemandMw: 60_000 });
    expect(p.snapshot(T0).newest.get('')).toEqual({ baseMs: T0, values: { currentDemandMw: 70_000 } });
  });
});

describe('progress blocks', () => {
  it('power: omits what was never seen, and nulls (missing reserve) are left out rather than sent as null', () => {
    const p = new CollectorProgress();
    expect(powerProgress(p.snapshot(T0))).toEqual({ recordsTotal: 0, callsToday: 0 });
    p.called(T0);
    p.polled('ok', null, T0);
    p.emitted(3);
    p.reading('', T0, { currentDemandMw: 71_000.5, supplyCapacityMw: 90_000, supplyReservePct: null });
    expect(powerProgress(p.snapshot(T0))).toEqual({
      lastPollTime: '2026-11-23T14:50:00.000Z',
      lastOutcome: 'ok',
      recordsTotal: 3,
      callsToday: 1,
      lastReadingTime: '2026-11-23T14:50:00.000Z',
      lastReading: { currentDemandMw: 71_000.5, supplyCapacityMw: 90_000 },
    });
  });

  it('weather: one entry per location with the cell rule the API names, error text cut to the API limit', () => {
    const p = new CollectorProgress();
    p.polled('malformed', 'x'.repeat(5000), T0);
    p.reading('seoul', T0 - HOUR, { temperatureC: -1.5 });
    const locations = [
      resolveLocation({ name: 'seoul', nx: 60, ny: 127 }),
      resolveLocation({ name: 'busan', lat: 35.1796, lon: 129.0756 }),
    ];
    const block = weatherProgress(p.snapshot(T0), locations);
    expect(block.lastObservationTime).toBe('2026-11-23T13:50:00.000Z');
    expect(block.lastError?.message).toHaveLength(1024);
    expect(block.locations).toEqual([
      {
        name: 'seoul',
        nx: 60,
        ny: 127,
        cellRule: 'given',
        lastObservationTime: '2026-11-23T13:50:00.000Z',
        temperatureC: -1.5,
      },
      { name: 'busan', nx: 98, ny: 76, cellRule: 'lambert-round-half-up' },
    ]);
  });

  it('come from real collectors: a simulated morning fills every field', async () => {
    const start = Date.parse('2026-11-23T06:00:00+09:00');
    const w = world({ start });
    const built = await w.run(
      [
        { kind: 'power', source: 'ns/kpx', api: 'gateway', endpoint: 'http://sim', key: new ServiceKey('k1') },
        {
          kind: 'weather',
          source: 'ns/kma',
          endpoint: 'http://sim',
          key: new ServiceKey('k2'),
          locations: [{ name: 'seoul', nx: 60, ny: 127 }],
        },
      ],
      start + 3 * HOUR,
    );
    await w.close();
    const [power, weather] = built.progress(w.clock.now());
    if (power?.kind !== 'power') throw new Error('expected power first');
    expect(power.progress.recordsTotal).toBe(w.keys('gridlake.power.kpx.v1').length);
    expect(power.progress.callsToday).toBe(w.calls.filter((u) => !u.includes('getUltraSrtNcst')).length);
    expect(Date.parse(power.progress.lastReadingTime ?? '')).toBeGreaterThan(start + 2 * HOUR);
    expect(weather?.progress).toMatchObject({
      lastOutcome: expect.any(String),
      recordsTotal: w.keys('gridlake.weather.kma.v1').length,
    });
    if (weather?.kind !== 'weather') throw new Error('expected weather');
    expect(weather.progress.locations?.[0]?.temperatureC).toEqual(expect.any(Number));
  });
});
