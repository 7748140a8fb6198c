import type { PowerSourceProgress, WeatherSourceProgress } from '../api/index.js';
import type { ResolvedLocation } from './kma/kma-grid.js';
import type { ProgressSnapshot } from './common/collector-progress.js';
import { isoUtc } from '../kst.js';

/** The worker-written fields of a progress block (the reporter adds `reporter` and `updatedAt`). */
export type ProgressBody<P> = Omit<P, 'reporter' | 'updatedAt'>;

/** One source's progress, ready for its resource's `status.progress`. */
export type SourceProgress =
  | { readonly kind: 'power'; readonly source: string; readonly progress: ProgressBody<PowerSourceProgress> }
  | { readonly kind: 'weather'; readonly source: string; readonly progress: ProgressBody<WeatherSourceProgress> };

// The API allows 1024 characters; a provider's error text can be longer.
const MAX_MESSAGE = 1024;

function common(s: ProgressSnapshot) {
  return {
    ...(s.lastPollMs === null ? {} : { lastPollTime: isoUtc(s.lastPollMs) }),
    ...(s.lastOutcome === null ? {} : { lastOutcome: s.lastOutcome }),
    recordsTotal: s.recordsTotal,
    callsToday: s.callsToday,
    ...(s.lastError === null
      ? {}
      : {
          lastError: {
            class: s.lastError.class.slice(0, 64),
            message: s.lastError.message.slice(0, MAX_MESSAGE),
            time: isoUtc(s.lastError.atMs),
          },
        }),
  };
}

const num = (v: number | null | undefined): number | undefined => (v === null ? undefined : v);

/** A power collector's snapshot as PowerSource `status.progress`. */
export function powerProgress(s: ProgressSnapshot): ProgressBody<PowerSourceProgress> {
  const newest = s.newest.get('');
  const demand = num(newest?.values['currentDemandMw']);
  const capacity = num(newest?.values['supplyCapacityMw']);
  const reserve = num(newest?.values['supplyReservePct']);
  return {
    ...common(s),
    ...(newest === undefined ? {} : { lastReadingTime: isoUtc(newest.baseMs) }),
    ...(demand === undefined || capacity === undefined
      ? {}
      : {
          lastReading: {
            currentDemandMw: demand,
            supplyCapacityMw: capacity,
            ...(reserve === undefined ? {} : { supplyReservePct: reserve }),
          },
        }),
  };
}

/** A weather source's snapshot (all its locations) as WeatherSource `status.progress`. */
export function weatherProgress(
  s: ProgressSnapshot,
  locations: readonly ResolvedLocation[],
): ProgressBody<WeatherSourceProgress> {
  let newestMs: number | null = null;
  for (const r of s.newest.values()) if (newestMs === null || r.baseMs > newestMs) newestMs = r.baseMs;
  return {
    ...common(s),
    ...(newestMs === null ? {} : { lastObservationTime: isoUtc(newestMs) }),
    locations: locations.slice(0, 50).map((l) => {
      const seen = s.newest.get(l.name);
      const temperatureC = num(seen?.values['temperatureC']);
      return {
        name: l.name,
        nx: l.nx,
        ny: l.ny,
        cellRule: l.rule === 'given' ? 'given' : 'lambert-round-half-up',
        ...(seen === undefined ? {} : { lastObservationTime: isoUtc(seen.baseMs) }),
        ...(temperatureC === undefined ? {} : { temperatureC }),
      };
    }),
  };
}
