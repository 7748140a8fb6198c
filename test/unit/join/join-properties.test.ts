import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinDay } from '../../../src/join/join-day.js';
import { DEFAULT_THRESHOLDS } from '../../../src/join/types.js';
import type { PowerRecord, WeatherRecord } from '../../../src/join/types.js';
import { hm, power, weather } from '../../fixtures/join/records.js';

// Properties of the pure join: the order files are read in never matters, and
// replayed (older) copies never change the result.

const D = '2025-11-22';
const LOCS = ['busan', 'seoul'];

const powerArb = fc.record({
  slot: fc.integer({ min: 0, max: 287 }),
  demand: fc.oneof(fc.integer({ min: 40_000, max: 90_000 }), fc.constantFrom(0, 250_000)),
  pct: fc.option(fc.integer({ min: 1, max: 40 }), { nil: null }),
  ing: fc.integer({ min: 0, max: 5 }),
});
const weatherArb = fc.record({
  hour: fc.integer({ min: 0, max: 23 }),
  loc: fc.constantFrom(...LOCS),
  t: fc.option(
    fc.integer({ min: -200, max: 700 }).map((x) => x / 10),
    { nil: null },
  ),
  ing: fc.integer({ min: 0, max: 5 }),
});

interface PowerIn {
  readonly slot: number;
  readonly demand: number;
  readonly pct: number | null;
  readonly ing: number;
}
interface WeatherIn {
  readonly hour: number;
  readonly loc: string;
  readonly t: number | null;
  readonly ing: number;
}

function build(ps: readonly PowerIn[], ws: readonly WeatherIn[]): { p: PowerRecord[]; w: WeatherRecord[] } {
  const p = ps.map((x, i) =>
    power(D, hm(Math.floor(x.slot / 12), (x.slot % 12) * 5), x.demand, {
      supplyReservePct: x.pct,
      ingestedAt: x.ing,
      kafkaOffset: BigInt(i),
    }),
  );
  const w = ws.map((x, i) => weather(D, hm(x.hour), x.loc, x.t, { ingestedAt: x.ing, kafkaOffset: BigInt(i) }));
  return { p, w };
}

describe('join properties', () => {
  it('gives the same rows whatever order the readings arrive in', () => {
    fc.assert(
      fc.property(
        fc.array(powerArb, { maxLength: 60 }),
        fc.array(weatherArb, { maxLength: 60 }),
        fc.integer(),
        (ps, ws, seed) => {
          const { p, w } = build(ps, ws);
          const shuffle = <T>(xs: T[]): T[] => {
            const out = [...xs];
            let s = seed >>> 0;
            for (let i = out.length - 1; i > 0; i--) {
              s = (Math.imul(s, 1103515245) + 12345) >>> 0;
              const j = s % (i + 1);
              [out[i], out[j]] = [out[j] as T, out[i] as T];
            }
            return out;
          };
          const a = joinDay(D, LOCS, DEFAULT_THRESHOLDS, p, w);
          const b = joinDay(D, LOCS, DEFAULT_THRESHOLDS, shuffle(p), shuffle(w));
          expect(b.hourly).toEqual(a.hourly);
          expect(b.daily).toEqual(a.daily);
          expect(b.counts).toEqual(a.counts);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('ignores older replays of the same readings', () => {
    fc.assert(
      fc.property(fc.array(powerArb, { maxLength: 40 }), fc.array(weatherArb, { maxLength: 40 }), (ps, ws) => {
        const { p, w } = build(ps, ws);
        const a = joinDay(D, LOCS, DEFAULT_THRESHOLDS, p, w);
        const older = <T extends { ingestedAt: number }>(r: T): T => ({ ...r, ingestedAt: r.ingestedAt - 100 });
        const b = joinDay(D, LOCS, DEFAULT_THRESHOLDS, [...p.map(older), ...p], [...w, ...w.map(older)]);
        expect(b.hourly).toEqual(a.hourly);
        expect(b.daily).toEqual(a.daily);
        expect(b.counts.duplicatesRemoved.power).toBe(a.counts.duplicatesRemoved.power + p.length);
      }),
      { numRuns: 150 },
    );
  });
});
