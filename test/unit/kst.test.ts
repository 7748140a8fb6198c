import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  DAY_MS,
  floorHour,
  floorSlot,
  fromKstFields,
  isoKst,
  isoUtc,
  kstDay,
  kstDayStart,
  kstFields,
  nextKstMidnight,
  partitionPath,
  SLOT_MS,
} from '../../src/kst.js';

describe('KST calendar', () => {
  it('starts a KST day at 15:00 UTC of the day before', () => {
    expect(new Date(kstDayStart('2025-01-01')).toISOString()).toBe('2024-12-31T15:00:00.000Z');
    expect(kstDay(Date.parse('2024-12-31T15:00:00Z'))).toBe('2025-01-01');
    expect(kstDay(Date.parse('2024-12-31T14:59:59.999Z'))).toBe('2024-12-31');
    expect(isoKst(Date.parse('2024-12-31T15:00:00Z'))).toBe('2025-01-01T00:00:00+09:00');
    expect(isoUtc(Date.parse('2024-12-31T15:00:00Z'))).toBe('2024-12-31T15:00:00.000Z');
  });

  it('rejects impossible dates and builds partition paths', () => {
    expect(() => kstDayStart('2025-02-29')).toThrow(/no such calendar date/);
    expect(() => kstDayStart('20250101')).toThrow(/not a YYYY-MM-DD/);
    expect(partitionPath('2024-02-29')).toBe('year=2024/month=02/day=29');
    expect(() => partitionPath('2025-02-29')).toThrow(/no such calendar date/);
    expect(addDays('2024-02-28', 2)).toBe('2024-03-01');
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
  });

  it('agrees with itself: an instant lies in the KST day that starts before it and ends at the next midnight', () => {
    const instants = fc.integer({ min: Date.parse('2000-01-01T00:00:00Z'), max: Date.parse('2100-01-01T00:00:00Z') });
    fc.assert(
      fc.property(instants, (ms) => {
        const start = kstDayStart(kstDay(ms));
        expect(start).toBeLessThanOrEqual(ms);
        expect(nextKstMidnight(ms)).toBe(start + DAY_MS);
        expect(isoKst(ms).slice(0, 10)).toBe(kstDay(ms));
        expect(fromKstFields(kstFields(ms))).toBe(Math.floor(ms / 1000) * 1000);
      }),
    );
  });

  it('floors to slots and hours and refuses wall-clock fields that are not a date', () => {
    const t = Date.parse('2025-11-22T22:27:31+09:00');
    expect(isoKst(floorSlot(t))).toBe('2025-11-22T22:25:00+09:00');
    expect(isoKst(floorHour(t))).toBe('2025-11-22T22:00:00+09:00');
    expect(floorSlot(t) % SLOT_MS).toBe(0);
    expect(fromKstFields({ year: 2025, month: 2, day: 29, hour: 0, minute: 0, second: 0 })).toBeNull();
    expect(nextKstMidnight(kstDayStart('2025-11-22'))).toBe(kstDayStart('2025-11-23'));
  });
});
