import type { PowerRecord, WeatherRecord } from './types.js';

/**
 * Deduplication by identity (docs/warehouse.md, "Row rules"): the raw zone may hold a
 * reading twice, the warehouse never does. The latest `ingested_at` wins, then
 * the highest Kafka offset (then partition, so the winner does not depend on
 * the order files are read in). Streaming: only the winners are kept, so
 * memory is bounded by the day's distinct readings, not by the raw rows.
 */

interface Versioned {
  readonly ingestedAt: number;
  readonly kafkaOffset: bigint;
  readonly kafkaPartition: number;
}

/** True when `a` is a later version of the same reading than `b`. */
export function isNewer(a: Versioned, b: Versioned): boolean {
  if (a.ingestedAt !== b.ingestedAt) return a.ingestedAt > b.ingestedAt;
  if (a.kafkaOffset !== b.kafkaOffset) return a.kafkaOffset > b.kafkaOffset;
  return a.kafkaPartition > b.kafkaPartition;
}

/** Keeps the newest version per identity key while rows stream in. */
export class Deduper<T extends Versioned, K> {
  readonly #keyOf: (row: T) => K;
  readonly #winners = new Map<K, T>();
  #seen = 0;

  constructor(keyOf: (row: T) => K) {
    this.#keyOf = keyOf;
  }

  add(row: T): void {
    this.#seen += 1;
    const key = this.#keyOf(row);
    const current = this.#winners.get(key);
    if (current === undefined || isNewer(row, current)) this.#winners.set(key, row);
  }

  /** Rows added so far, duplicates included. */
  get seen(): number {
    return this.#seen;
  }

  get duplicatesRemoved(): number {
    return this.#seen - this.#winners.size;
  }

  values(): T[] {
    return [...this.#winners.values()];
  }
}

/** Power identity: the base time. */
export function powerDeduper(): Deduper<PowerRecord, number> {
  return new Deduper<PowerRecord, number>((r) => r.baseTime);
}

/** Weather identity: base time plus grid cell. */
export function weatherDeduper(): Deduper<WeatherRecord, string> {
  return new Deduper<WeatherRecord, string>((r) => `${r.baseTime}:${r.nx}:${r.ny}`);
}

/** Impossible power values (docs/warehouse.md): demand missing, ≤ 0 or > 200,000 MW. */
export function isImpossiblePower(r: PowerRecord): boolean {
  const d = r.currentDemandMw;
  return d === null || !Number.isFinite(d) || d <= 0 || d > 200_000;
}

/** Impossible weather values: temperature outside −60…60 °C, humidity outside 0…100 (nulls are allowed). */
export function isImpossibleWeather(r: WeatherRecord): boolean {
  const t = r.temperatureC;
  const h = r.humidityPct;
  if (t !== null && !(t >= -60 && t <= 60)) return true;
  if (h !== null && !(h >= 0 && h <= 100)) return true;
  return false;
}
