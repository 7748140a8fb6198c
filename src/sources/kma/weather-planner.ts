import { HOUR_MS, MINUTE_MS, nextKstMidnight } from '../../kst.js';
import type { BudgetCondition } from '../kpx/power-planner.js';

/** Base time HH00 is served from HH:10 (docs/upstream-apis.md). */
export const KMA_PUBLISH_OFFSET_MS = 10 * MINUTE_MS;

/** How long after HH:10 the first poll goes, and the spacing between locations. */
export const KMA_POLL_MARGIN_MS = 30_000;
export const KMA_LOCATION_SPACING_MS = 100;

/** About a day of hours is served; the lake is the history. */
export const KMA_RETENTION_HOURS = 24;

/** The newest base hour the nowcast serves at `now`. */
export function newestServedHour(now: number): number {
  return Math.floor((now - KMA_PUBLISH_OFFSET_MS) / HOUR_MS) * HOUR_MS;
}

/** When to poll base hour `hourMs` for location number `index` (spread so they do not bunch). */
export function pollTimeFor(hourMs: number, index: number): number {
  return hourMs + KMA_PUBLISH_OFFSET_MS + KMA_POLL_MARGIN_MS + index * KMA_LOCATION_SPACING_MS;
}

/** Hour publications still to come today (KST) after `now`. */
export function publicationsLeftToday(now: number): number {
  const midnight = nextKstMidnight(now);
  let n = 0;
  for (let h = newestServedHour(now) + HOUR_MS; h + KMA_PUBLISH_OFFSET_MS < midnight; h += HOUR_MS) n++;
  return n;
}

/** Weather plan for all locations sharing one key. */
export interface WeatherPlan {
  readonly plannedCallsPerDay: number;
  readonly surplusPerDay: number;
  readonly condition: BudgetCondition | null;
}

/** One call per location per hour must fit the key's daily budget; the rest pays for retries and backfill. */
export function planWeather(locations: number, budget: number): WeatherPlan {
  const planned = locations * 24;
  if (planned <= budget) return { plannedCallsPerDay: planned, surplusPerDay: budget - planned, condition: null };
  return {
    plannedCallsPerDay: planned,
    surplusPerDay: 0,
    condition: {
      type: 'BudgetExceeded',
      reason: 'SlotsWillBeMissed',
      message: `${locations} locations need 24 × ${locations} = ${planned} calls per KST day on getUltraSrtNcst; the key allows ${budget}, so about ${planned - budget} location-hours a day will be missed. Raise the quota or split the locations over keys.`,
    },
  };
}
