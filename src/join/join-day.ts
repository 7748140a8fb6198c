import { isImpossiblePower, isImpossibleWeather, powerDeduper, weatherDeduper } from './dedupe.js';
import { summariseLocation, summarisePower } from './daily.js';
import { powerGaps, weatherGaps } from './gaps.js';
import { ALL_LOCATIONS, buildHourly } from './hourly.js';
import { HOURS_PER_DAY, HOUR_MS, kstDayStart } from '../kst.js';
import type {
  DailyRow,
  DayResult,
  HourlyRow,
  InputCounts,
  LocationQuality,
  PowerRecord,
  Thresholds,
  WeatherRecord,
} from './types.js';

/**
 * The pure daily join: raw readings of one KST date in, warehouse rows and the
 * quality report out. Rows stream in through `add*` (the reader calls them one
 * row group at a time); `finish` applies the rules of docs/warehouse.md in order:
 * dedupe by identity → skip readings outside the day → exclude impossible
 * values → hourly grid → daily summary → quality and outcome.
 */
export class DayCollector {
  readonly #date: string;
  readonly #dayStart: number;
  readonly #locations: readonly string[];
  readonly #thresholds: Thresholds;
  readonly #power = powerDeduper();
  readonly #weather = weatherDeduper();

  /** `locations`: the configured locations of the run (observed ones are added). */
  constructor(date: string, locations: readonly string[], thresholds: Thresholds) {
    this.#date = date;
    this.#dayStart = kstDayStart(date);
    this.#locations = locations;
    this.#thresholds = thresholds;
  }

  addPower(r: PowerRecord): void {
    this.#power.add(r);
  }

  addWeather(r: WeatherRecord): void {
    this.#weather.add(r);
  }

  finish(): DayResult {
    const dayEnd = this.#dayStart + HOURS_PER_DAY * HOUR_MS;
    const inDay = (t: number): boolean => t >= this.#dayStart && t < dayEnd;
    const powerAll = this.#power.values();
    const weatherAll = this.#weather.values();
    const powerInDay = powerAll.filter((r) => inDay(r.baseTime));
    const weatherInDay = weatherAll.filter((r) => inDay(r.baseTime));
    // Sorted so sums run in one order whatever order the files were read in.
    const power = powerInDay.filter((r) => !isImpossiblePower(r)).sort((a, b) => a.baseTime - b.baseTime);
    const weather = weatherInDay
      .filter((r) => !isImpossibleWeather(r))
      .sort((a, b) => a.baseTime - b.baseTime || a.nx - b.nx || a.ny - b.ny);
    const counts: InputCounts = {
      powerRows: this.#power.seen,
      weatherRows: this.#weather.seen,
      duplicatesRemoved: { power: this.#power.duplicatesRemoved, weather: this.#weather.duplicatesRemoved },
      rejected: { power: powerInDay.length - power.length, weather: weatherInDay.length - weather.length },
      outsideDay: { power: powerAll.length - powerInDay.length, weather: weatherAll.length - weatherInDay.length },
    };
    if (this.#power.seen + this.#weather.seen === 0) {
      return { outcome: 'no-input', hourly: [], daily: [], counts, quality: null };
    }

    const locationSet = new Set(this.#locations);
    for (const r of weatherInDay) locationSet.add(r.location);
    locationSet.delete(ALL_LOCATIONS);
    const locations = [...locationSet].sort();

    const hourly = buildHourly(this.#date, this.#dayStart, locations, power, weather);
    const powerDay = summarisePower(power);
    const byLocation = new Map<string, HourlyRow[]>();
    for (const row of hourly) {
      const list = byLocation.get(row.location);
      if (list === undefined) byLocation.set(row.location, [row]);
      else list.push(row);
    }
    const daily: DailyRow[] = [];
    const locationQuality: LocationQuality[] = [];
    for (const location of [ALL_LOCATIONS, ...locations]) {
      const hours = byLocation.get(location) ?? [];
      const row = summariseLocation(this.#date, location, hours, powerDay, this.#thresholds);
      daily.push(row);
      locationQuality.push({
        location,
        weatherCoverage: row.weatherCoverage,
        weatherGaps: weatherGaps(this.#dayStart, hours),
        quality: row.quality,
      });
    }
    return {
      outcome: daily.some((d) => d.quality === 'partial') ? 'partial' : 'succeeded',
      hourly,
      daily,
      counts,
      quality: {
        thresholds: this.#thresholds,
        powerCoverage: powerDay.powerCoverage,
        powerGaps: powerGaps(this.#dayStart, power),
        locations: locationQuality,
      },
    };
  }
}

/**
 * The day as joined before a remote site had forwarded all of it: every
 * daily row (and the quality report's locations) says `site_late` instead of
 * ok or partial, so a query for good days leaves it out until the rerun. The
 * outcome stays what the coverages say.
 */
export function markSiteLate(day: DayResult): DayResult {
  if (day.quality === null) return day;
  return {
    ...day,
    daily: day.daily.map((r) => ({ ...r, quality: 'site_late' as const })),
    quality: { ...day.quality, locations: day.quality.locations.map((l) => ({ ...l, quality: 'site_late' as const })) },
  };
}

/** One-shot form of DayCollector for plain arrays (tests, small callers). */
export function joinDay(
  date: string,
  locations: readonly string[],
  thresholds: Thresholds,
  power: Iterable<PowerRecord>,
  weather: Iterable<WeatherRecord>,
): DayResult {
  const c = new DayCollector(date, locations, thresholds);
  for (const r of power) c.addPower(r);
  for (const r of weather) c.addWeather(r);
  return c.finish();
}
