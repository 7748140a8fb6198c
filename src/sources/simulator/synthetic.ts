import { gridToLatLon } from '../kma/kma-grid.js';
import { DAY_MS, KST_OFFSET_MS, SLOT_MS, fromKstFields, kstFields } from '../../kst.js';

/**
 * Deterministic synthetic values: the same instant and cell always give the
 * same numbers, so tests and DailyJoins over past days have stable inputs.
 */

/** Row 1 of the KPX history: the first slot of 2012 (KST). */
export const KPX_HISTORY_EPOCH = fromKstFields({ year: 2012, month: 1, day: 1, hour: 0, minute: 0, second: 0 }) ?? 0;

/** History row number of a slot. */
export function rnOfSlot(slotMs: number): number {
  return Math.floor((slotMs - KPX_HISTORY_EPOCH) / SLOT_MS) + 1;
}

/** Slot of a history row number. */
export function slotOfRn(rn: number): number {
  return KPX_HISTORY_EPOCH + (rn - 1) * SLOT_MS;
}

/** A hash of integers to [0, 1). */
export function hash01(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    let x = Math.floor(p) | 0;
    for (let i = 0; i < 4; i++) {
      h ^= x & 0xff;
      h = Math.imul(h, 0x01000193);
      x >>>= 8;
    }
  }
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995);
  h ^= h >>> 15;
  return (h >>> 0) / 4294967296;
}

/** Float32 artefacts as the KPX JSON has them (`74312.8008`). */
export function f32(x: number): number {
  return Number(Math.fround(x).toFixed(4));
}

const dayOfYear = (ms: number): number => {
  const f = kstFields(ms);
  const start = fromKstFields({ year: f.year, month: 1, day: 1, hour: 0, minute: 0, second: 0 }) ?? ms;
  return Math.floor((ms - start) / DAY_MS) + 1;
};

/** One KPX slot's values (MW, %). */
export interface PowerValues {
  readonly capacity: number;
  readonly demand: number;
  readonly forecastPeak: number;
  readonly supplyReserve: number;
  readonly supplyReserveRate: number;
  readonly operReserve: number;
  readonly operReserveRate: number;
}

function demandShape(hour: number): number {
  const g = (mu: number, sigma: number): number => Math.exp(-Math.pow((hour - mu) / sigma, 2));
  return 0.8 + 0.17 * g(11, 3) + 0.18 * g(18.5, 3) - 0.05 * g(4, 2.5);
}

function seasonalLevel(ms: number): number {
  // Two peaks a year: mid-January (heating) and mid-July/August (cooling).
  const doy = dayOfYear(ms);
  return 62_000 + 11_000 * Math.pow(Math.cos((2 * Math.PI * (doy - 20)) / 365.25), 2);
}

function weekFactor(ms: number): number {
  const weekday = new Date(ms + KST_OFFSET_MS).getUTCDay();
  return weekday === 0 ? 0.85 : weekday === 6 ? 0.9 : 1;
}

/** Demand with daily, weekly and seasonal shape; reserve consistent with capability and demand. */
export function powerAt(slotMs: number): PowerValues {
  const f = kstFields(slotMs);
  const hour = f.hour + f.minute / 60;
  const level = seasonalLevel(slotMs) * weekFactor(slotMs);
  const day = Math.floor((slotMs + KST_OFFSET_MS) / DAY_MS);
  const noise = (hash01(slotMs / SLOT_MS, 7) - 0.5) * 0.01 + Math.sin(slotMs / SLOT_MS / 5) * 0.003;
  const demand = level * demandShape(hour) * (1 + noise);
  const forecastPeak = Math.round((level * 1.03 * (1 + (hash01(day, 3) - 0.5) * 0.02)) / 100) * 100;
  const capacity = forecastPeak * 1.14 + 1500 * Math.sin((2 * Math.PI * hour) / 24) + (hash01(day, 5) - 0.5) * 3000;
  const supplyReserve = capacity - demand;
  const operReserve = Math.max(3500, supplyReserve * 0.46);
  return {
    capacity,
    demand,
    forecastPeak,
    supplyReserve,
    supplyReserveRate: (supplyReserve / demand) * 100,
    operReserve,
    operReserveRate: (operReserve / (demand * 1.018)) * 100,
  };
}

/** One cell-hour of the nowcast, as KMA categories. */
export interface WeatherValues {
  readonly T1H: number;
  readonly REH: number;
  readonly RN1: number;
  readonly PTY: number;
  readonly UUU: number;
  readonly VVV: number;
  readonly VEC: number;
  readonly WSD: number;
}

/** Temperature by latitude, season and hour; rain in regional episodes (~8 % of hours). */
export function weatherAt(hourMs: number, nx: number, ny: number): WeatherValues {
  const { lat } = gridToLatLon({ nx, ny });
  const f = kstFields(hourMs);
  const doy = dayOfYear(hourMs);
  const mean = 13 - (lat - 36) * 1.3;
  const seasonal = -14 * Math.cos((2 * Math.PI * (doy - 20)) / 365.25);
  const diurnal = 4.5 * Math.cos((2 * Math.PI * (f.hour - 15)) / 24);
  const day = Math.floor((hourMs + KST_OFFSET_MS) / DAY_MS);
  const T = mean + seasonal + diurnal + (hash01(day, nx, ny) - 0.5) * 3 + (hash01(hourMs / 3_600_000, nx, ny) - 0.5);
  const block = Math.floor(f.hour / 3);
  const raining = hash01(day, block, Math.floor(nx / 25), Math.floor(ny / 25), 11) < 0.08;
  const rn1 = raining ? Math.round((0.2 + hash01(hourMs / 3_600_000, nx, ny, 13) * 6) * 10) / 10 : 0;
  const pty = !raining ? 0 : T < -0.5 ? 3 : T < 1.5 ? 2 : 1;
  const reh = Math.min(
    99,
    Math.round(
      raining ? 90 + hash01(hourMs, nx, 17) * 8 : 60 - diurnal * 4 + (hash01(hourMs / 3_600_000, ny, 19) - 0.5) * 20,
    ),
  );
  const u = Math.round((hash01(day, block, nx, 23) - 0.45) * 8 * 10) / 10;
  const v = Math.round((hash01(day, block, ny, 29) - 0.5) * 6 * 10) / 10;
  const wsd = Math.round(Math.hypot(u, v) * 10) / 10;
  const vec = Math.round((((270 - (Math.atan2(v, u) * 180) / Math.PI) % 360) + 360) % 360);
  return { T1H: Math.round(T * 10) / 10, REH: reh, RN1: rn1, PTY: pty, UUU: u, VVV: v, VEC: vec, WSD: wsd };
}
