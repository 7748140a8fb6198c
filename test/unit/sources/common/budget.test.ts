import { describe, expect, it } from 'vitest';
import { CallBudget, describeDenial } from '../../../../src/sources/common/budget.js';

const t = (iso: string) => Date.parse(iso);

describe('CallBudget', () => {
  it('never allows more than the limit in one KST day', () => {
    const b = new CallBudget({ 'kpx.history': 3 });
    const now = t('2026-11-23T10:00:00+09:00');
    expect([1, 2, 3, 4, 5].map(() => b.tryAcquire('k', 'kpx.history', now) === null)).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(b.tryAcquire('k', 'kpx.history', now)).toMatchObject({
      kind: 'exhausted',
      used: 3,
      limit: 3,
      resetsAt: t('2026-11-24T00:00:00+09:00'),
    });
  });

  it('counts in KST days: 23:59 KST and 00:00 KST are different days, 23:59 UTC is not', () => {
    const b = new CallBudget({ 'kma.ncst': 1 });
    expect(b.tryAcquire('k', 'kma.ncst', t('2026-11-23T23:59:00+09:00'))).toBeNull();
    expect(b.tryAcquire('k', 'kma.ncst', t('2026-11-23T23:59:59+09:00'))).not.toBeNull();
    expect(b.tryAcquire('k', 'kma.ncst', t('2026-11-24T00:00:00+09:00'))).toBeNull();
    // 2026-11-24T23:59Z is 08:59 KST on the 25th: a new KST day.
    expect(b.tryAcquire('k', 'kma.ncst', t('2026-11-24T23:59:00Z'))).toBeNull();
  });

  it('keeps budgets apart per key and per operation', () => {
    const b = new CallBudget({ 'kpx.latest': 1, 'kpx.history': 1 });
    const now = t('2026-11-23T10:00:00+09:00');
    expect(b.tryAcquire('a', 'kpx.latest', now)).toBeNull();
    expect(b.tryAcquire('a', 'kpx.history', now)).toBeNull();
    expect(b.tryAcquire('b', 'kpx.latest', now)).toBeNull();
    expect(b.tryAcquire('a', 'kpx.latest', now)).not.toBeNull();
  });

  it('defaults to the development quotas', () => {
    const b = new CallBudget();
    expect(b.limit('k', 'kpx.latest')).toBe(100);
    expect(b.limit('k', 'kpx.history')).toBe(100);
    expect(b.limit('k', 'kma.ncst')).toBe(10_000);
  });

  it('keeps a reserve back for planned calls', () => {
    const b = new CallBudget({ 'kma.ncst': 10 });
    const now = t('2026-11-23T10:00:00+09:00');
    for (let i = 0; i < 7; i++) expect(b.tryAcquire('k', 'kma.ncst', now, 3)).toBeNull();
    expect(b.tryAcquire('k', 'kma.ncst', now, 3)).toMatchObject({ kind: 'reserved', used: 7, reserve: 3 });
    expect(b.tryAcquire('k', 'kma.ncst', now)).toBeNull();
  });

  it('pauses until 00:00 KST after a quota answer and blocks for good after an auth refusal', () => {
    const b = new CallBudget();
    const now = t('2026-11-23T10:00:00+09:00');
    const until = b.pauseUntilMidnight('k', 'kma.ncst', now, 'result code 22');
    expect(until).toBe(t('2026-11-24T00:00:00+09:00'));
    expect(b.tryAcquire('k', 'kma.ncst', now + 1000)).toMatchObject({ kind: 'paused', until });
    expect(b.tryAcquire('k', 'kma.ncst', until)).toBeNull();
    b.block('k', 'kpx.latest', 'code 30');
    expect(b.tryAcquire('k', 'kpx.latest', until + 1e12)).toMatchObject({ kind: 'paused' });
  });

  it('restores a count after a restart so the day is not counted twice', () => {
    const b = new CallBudget({ 'kpx.history': 5 });
    const now = t('2026-11-23T10:00:00+09:00');
    b.restore('k', 'kpx.history', now, 5);
    expect(b.tryAcquire('k', 'kpx.history', now)).toMatchObject({ kind: 'exhausted' });
  });

  it('describes a denial with the numbers', () => {
    expect(describeDenial('kpx.history', { kind: 'exhausted', used: 100, limit: 100, resetsAt: 0 })).toContain(
      '100 of 100',
    );
  });
});
