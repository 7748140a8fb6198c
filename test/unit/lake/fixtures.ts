import type { BusRecord } from '../../../src/bus/bus.js';

/** A weather value as docs/messages.md defines it. */
export function weatherValue(i: number, baseMs: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  const kst = new Date(baseMs + 9 * 3600_000);
  const ymd = kst.toISOString().slice(0, 10);
  const hm = kst.toISOString().slice(11, 16);
  return {
    v: 1,
    source: 'default/seoul',
    location: `loc${i % 5}`,
    nx: 60 + (i % 5),
    ny: 127,
    baseTime: `${ymd}T${hm}:00+09:00`,
    baseDateRaw: ymd.replaceAll('-', ''),
    baseTimeRaw: hm.replace(':', ''),
    temperatureC: i % 7 === 0 ? null : Math.round((i % 300) - 100) / 10,
    rain1hMm: i % 3 === 0 ? 0 : 1.5,
    humidityPct: 55,
    precipitationType: i % 11 === 0 ? null : i % 4,
    windSpeedMs: 2.5,
    windDirectionDeg: 270,
    windEastMs: 1.1,
    windNorthMs: -0.4,
    ingestedAt: new Date(baseMs + 40 * 60_000).toISOString(),
    ...over,
  };
}

export function powerValue(baseMs: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  const kst = new Date(baseMs + 9 * 3600_000).toISOString();
  return {
    v: 1,
    source: 'default/kpx',
    baseTime: `${kst.slice(0, 19)}+09:00`,
    baseDatetimeRaw: kst.slice(0, 19).replace(/[-T:]/g, ''),
    supplyCapacityMw: 95000.5,
    currentDemandMw: 70000 + (baseMs % 1000),
    forecastPeakMw: null,
    supplyReserveMw: 25000,
    supplyReservePct: 35.7,
    operatingReserveMw: null,
    operatingReservePct: 12.5,
    ingestedAt: new Date(baseMs + 60_000).toISOString(),
    ...over,
  };
}

export function record(topic: string, partition: number, offset: number, value: unknown): BusRecord {
  return {
    topic,
    partition,
    offset,
    key: null,
    value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
    timestamp: 0,
  };
}
