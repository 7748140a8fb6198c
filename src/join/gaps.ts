import { HOURS_PER_DAY, HOUR_MS, SLOTS_PER_DAY, SLOT_MS, isoKst } from '../kst.js';
import type { HourlyRow, PowerRecord, TimeRange } from './types.js';

/**
 * Gaps as time ranges: missing 5-minute power slots and hours without a
 * temperature, merged into half-open KST ranges so a report reads
 * "03:00–05:00 missing" instead of listing 24 slots.
 */

/** Merges the indexes of missing units (sorted ascending) into ranges. */
export function rangesOf(missing: readonly number[], dayStart: number, unitMs: number): TimeRange[] {
  const out: TimeRange[] = [];
  let i = 0;
  while (i < missing.length) {
    const first = missing[i] as number;
    let last = first;
    while (i + 1 < missing.length && missing[i + 1] === last + 1) {
      i += 1;
      last = missing[i] as number;
    }
    out.push({ start: isoKst(dayStart + first * unitMs), end: isoKst(dayStart + (last + 1) * unitMs) });
    i += 1;
  }
  return out;
}

/** 5-minute slots of the day that hold no valid reading. */
export function powerGaps(dayStart: number, power: readonly PowerRecord[]): TimeRange[] {
  const present = new Uint8Array(SLOTS_PER_DAY);
  for (const r of power) {
    const slot = Math.floor((r.baseTime - dayStart) / SLOT_MS);
    if (slot >= 0 && slot < SLOTS_PER_DAY) present[slot] = 1;
  }
  const missing: number[] = [];
  present.forEach((p, slot) => {
    if (p === 0) missing.push(slot);
  });
  return rangesOf(missing, dayStart, SLOT_MS);
}

/** Hours of one location's series without a temperature. */
export function weatherGaps(dayStart: number, hours: readonly HourlyRow[]): TimeRange[] {
  const missing: number[] = [];
  for (let h = 0; h < HOURS_PER_DAY; h++) {
    if (hours[h]?.temperatureC == null) missing.push(h);
  }
  return rangesOf(missing, dayStart, HOUR_MS);
}
