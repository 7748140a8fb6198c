import { HOURS_PER_DAY, SLOTS_PER_DAY } from '../kst.js';
import type { DailyRow, HourlyRow, PowerRecord, Quality, Thresholds } from './types.js';

/**
 * The daily summary (docs/warehouse.md), one row per location (and `*`): power
 * from the day's 5-minute readings, weather from the location's hourly series.
 */

/** National power figures of the day, identical on every location's row. */
export interface PowerDay {
  readonly demandMwPeak: number | null;
  readonly demandPeakAt: number | null;
  readonly demandMwAvg: number | null;
  readonly supplyReservePctMin: number | null;
  readonly powerCoverage: number;
}

/** Peak (earliest if tied), mean and reserve minimum over valid readings sorted by base time. */
export function summarisePower(power: readonly PowerRecord[]): PowerDay {
  let peak: number | null = null;
  let peakAt: number | null = null;
  let sum = 0;
  let n = 0;
  let reserveMin: number | null = null;
  for (const r of power) {
    const d = r.currentDemandMw;
    if (d === null) continue;
    n += 1;
    sum += d;
    if (peak === null || d > peak || (d === peak && peakAt !== null && r.baseTime < peakAt)) {
      peak = d;
      peakAt = r.baseTime;
    }
    const pct = r.supplyReservePct;
    if (pct !== null && (reserveMin === null || pct < reserveMin)) reserveMin = pct;
  }
  return {
    demandMwPeak: peak,
    demandPeakAt: peakAt,
    demandMwAvg: n > 0 ? sum / n : null,
    supplyReservePctMin: reserveMin,
    powerCoverage: n / SLOTS_PER_DAY,
  };
}

/**
 * Pearson correlation over the pairs; null with fewer than 6 pairs or when
 * either side is constant (checked exactly, not by a rounded variance).
 */
export function pearson(xs: readonly number[], ys: readonly number[]): number | null {
  const n = xs.length;
  if (n < 6 || ys.length !== n) return null;
  if (Math.min(...xs) === Math.max(...xs) || Math.min(...ys) === Math.max(...ys)) return null;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i] as number;
    sy += ys[i] as number;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  const r = sxy / Math.sqrt(sxx * syy);
  return Math.max(-1, Math.min(1, r));
}

/** Quality of a row from its two coverages. */
export function qualityOf(powerCoverage: number, weatherCoverage: number, t: Thresholds): Quality {
  return powerCoverage >= t.powerCoverageMin && weatherCoverage >= t.weatherCoverageMin ? 'ok' : 'partial';
}

/** The daily row of one location from its 24 hourly rows (hour order) and the national power figures. */
export function summariseLocation(
  date: string,
  location: string,
  hours: readonly HourlyRow[],
  powerDay: PowerDay,
  thresholds: Thresholds,
): DailyRow {
  const temps: number[] = [];
  let rainSum = 0;
  let rainN = 0;
  let hdh = 0;
  let cdh = 0;
  const corrT: number[] = [];
  const corrD: number[] = [];
  for (const h of hours) {
    const t = h.temperatureC;
    if (t !== null) {
      temps.push(t);
      hdh += Math.max(0, 18 - t);
      cdh += Math.max(0, t - 24);
      if (h.demandMwAvg !== null) {
        corrT.push(t);
        corrD.push(h.demandMwAvg);
      }
    }
    if (h.rain1hMm !== null) {
      rainSum += h.rain1hMm;
      rainN += 1;
    }
  }
  const hasT = temps.length > 0;
  const weatherCoverage = temps.length / HOURS_PER_DAY;
  return {
    date,
    location,
    demandMwPeak: powerDay.demandMwPeak,
    demandPeakAt: powerDay.demandPeakAt,
    demandMwAvg: powerDay.demandMwAvg,
    supplyReservePctMin: powerDay.supplyReservePctMin,
    temperatureCAvg: hasT ? temps.reduce((a, b) => a + b, 0) / temps.length : null,
    temperatureCMin: hasT ? Math.min(...temps) : null,
    temperatureCMax: hasT ? Math.max(...temps) : null,
    rainMmTotal: rainN > 0 ? rainSum : null,
    heatingDegreeHours: hasT ? hdh : null,
    coolingDegreeHours: hasT ? cdh : null,
    tempDemandCorr: pearson(corrT, corrD),
    powerCoverage: powerDay.powerCoverage,
    weatherCoverage,
    quality: qualityOf(powerDay.powerCoverage, weatherCoverage, thresholds),
  };
}
