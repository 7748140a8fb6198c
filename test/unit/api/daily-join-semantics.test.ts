import { afterEach, describe, expect, it } from 'vitest';
import { checkDailyJoinSemantics, isKnownTimeZone, todayIn } from '../../../src/api/daily-join-semantics.js';
import type { DailyJoinSpec } from '../../../src/api/daily-join.js';

const Real = Intl.DateTimeFormat;
/** Counts `new Intl.DateTimeFormat(...)` from here on. */
function countFormatters(): { made: number } {
  const count = { made: 0 };
  Intl.DateTimeFormat = new Proxy(Real, {
    construct(target, args: ConstructorParameters<typeof Intl.DateTimeFormat>) {
      count.made++;
      return Reflect.construct(target, args) as object;
    },
  });
  return count;
}
afterEach(() => {
  Intl.DateTimeFormat = Real;
});

describe('time zones of DailyJoin specs', () => {
  it("gives today's date in a zone", () => {
    const t = new Date('2026-11-22T15:30:00Z');
    expect(todayIn('Asia/Seoul', t)).toBe('2026-11-23');
    expect(todayIn('UTC', t)).toBe('2026-11-22');
    expect(todayIn('America/Los_Angeles', t)).toBe('2026-11-22');
  });

  it('knows real zones in any case and refuses the rest', () => {
    expect(isKnownTimeZone('Asia/Seoul')).toBe(true);
    expect(isKnownTimeZone('asia/SEOUL')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isKnownTimeZone('')).toBe(false);
    expect(todayIn('asia/seoul', new Date('2026-11-22T15:30:00Z'))).toBe('2026-11-23');
    expect(() => todayIn('Mars/Olympus_Mons', new Date())).toThrow(RangeError);
  });

  // Each formatter holds ~35 KB of ICU objects outside the JS heap that glibc
  // keeps after they are freed: one per call (each reconcile of each DailyJoin)
  // grew the controller's RSS by ~85 MiB in the 1,000-join bench (issue 7).
  it('makes formatters once per zone, not per call (cron-parser and luxon included)', () => {
    const spec = {
      schedule: '30 1 * * *',
      timeZone: 'Pacific/Chatham',
      startDate: '2020-01-01',
      catchUp: { policy: 'None' },
    } as unknown as DailyJoinSpec;
    const check = (): void => {
      expect(checkDailyJoinSemantics(spec, new Date())).toEqual([]);
      todayIn('Pacific/Chatham', new Date());
      todayIn('PACIFIC/CHATHAM', new Date());
      isKnownTimeZone('Pacific/Chatham');
    };
    const first = countFormatters();
    check();
    // ours, and luxon's own caches (zone check, offset formatter, system locale)
    expect(first.made).toBeGreaterThan(0);
    expect(first.made).toBeLessThanOrEqual(4);
    const later = countFormatters();
    for (let i = 0; i < 200; i++) check();
    expect(later.made).toBe(0);
  });

  it('does not keep formatters for zones that do not exist', () => {
    const count = countFormatters();
    for (let i = 0; i < 3; i++) expect(isKnownTimeZone('Nowhere/At_All')).toBe(false);
    expect(count.made).toBe(3);
  });
});
