import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pageForWindow, planPower, predictNewestRn } from '../../../../src/sources/kpx/power-planner.js';

const MIN = 60_000;

describe('planPower', () => {
  it('reads the history last page every 20 minutes on the development quota (100 a day)', () => {
    const plan = planPower({ api: 'gateway', latestBudget: 100, historyBudget: 100 });
    expect(plan.strategy).toEqual({
      kind: 'history-last-page',
      intervalMs: 20 * MIN,
      plannedCallsPerDay: 72,
      reservePerDay: 10,
    });
    expect(plan.condition).toBeNull();
  });

  it('polls every slot when the latest budget covers 288 calls and a reserve', () => {
    const plan = planPower({ api: 'gateway', latestBudget: 1000, historyBudget: 100 });
    expect(plan.strategy).toMatchObject({ kind: 'per-slot', intervalMs: 5 * MIN, plannedCallsPerDay: 288 });
  });

  it.each([
    [300, 'history-last-page'],
    [320, 'per-slot'],
  ])('with a latest budget of %i it chooses %s', (latestBudget, kind) => {
    expect(planPower({ api: 'gateway', latestBudget, historyBudget: 100 }).strategy.kind).toBe(kind);
  });

  it('raises BudgetExceeded with the numbers when the declared interval cannot be honoured', () => {
    const plan = planPower({ api: 'gateway', latestBudget: 100, historyBudget: 100, requestedIntervalMs: 5 * MIN });
    expect(plan.strategy).toMatchObject({ kind: 'history-last-page', intervalMs: 20 * MIN });
    expect(plan.condition).toMatchObject({ type: 'BudgetExceeded', reason: 'IntervalTooShort' });
    expect(plan.condition?.message).toContain('288 calls');
    const tight = planPower({ api: 'gateway', latestBudget: 100, historyBudget: 50, requestedIntervalMs: 10 * MIN });
    expect(tight.strategy.intervalMs).toBe(35 * MIN);
    expect(tight.condition).toMatchObject({ type: 'BudgetExceeded', reason: 'IntervalTooShort' });
    expect(tight.condition?.message).toContain('144 calls');
    expect(tight.condition?.message).toContain('50');
  });

  it('says how many slots the legacy endpoint will lose', () => {
    const plan = planPower({ api: 'legacy', latestBudget: 100, historyBudget: 0 });
    expect(plan.strategy).toMatchObject({ kind: 'latest-sampling', intervalMs: 20 * MIN, expectedSlotsPerDay: 72 });
    expect(plan.condition).toMatchObject({ reason: 'SlotsWillBeMissed' });
    expect(plan.condition?.message).toContain('72 of 288');
  });

  it('refuses to poll with no budget', () => {
    expect(planPower({ api: 'gateway', latestBudget: 0, historyBudget: 3 }).condition).toMatchObject({
      reason: 'NoBudget',
    });
  });

  it('never plans more calls than the budget minus the reserve', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 5, max: 20_000 }),
        fc.integer({ min: 5, max: 20_000 }),
        (latestBudget, historyBudget) => {
          const { strategy } = planPower({ api: 'gateway', latestBudget, historyBudget });
          const budget = strategy.kind === 'per-slot' ? latestBudget : historyBudget;
          expect(strategy.plannedCallsPerDay + strategy.reservePerDay).toBeLessThanOrEqual(budget);
        },
      ),
    );
  });
});

describe('pageForWindow', () => {
  it('finds one page that holds the whole window', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2_000_000 }), fc.integer({ min: 0, max: 300 }), (first, extra) => {
        const last = first + extra;
        const { pageNo, numOfRows } = pageForWindow(first, last, 1000);
        expect((pageNo - 1) * numOfRows + 1).toBeLessThanOrEqual(first);
        expect(pageNo * numOfRows).toBeGreaterThanOrEqual(last);
        expect(numOfRows).toBeLessThanOrEqual(1000);
      }),
    );
  });

  it('returns a page starting at or before the window when it cannot hold all of it', () => {
    const { pageNo, numOfRows } = pageForWindow(1_480_000, 1_480_999, 1000);
    expect((pageNo - 1) * numOfRows + 1).toBeLessThanOrEqual(1_480_000);
    expect(pageNo * numOfRows).toBeGreaterThanOrEqual(1_480_000);
  });

  it('predicts the newest row from the last one seen', () => {
    const base = Date.parse('2026-11-23T14:15:00+09:00');
    expect(predictNewestRn({ rn: 1480001, baseMs: base }, base + 20 * MIN)).toBe(1480005);
    expect(predictNewestRn({ rn: 1480001, baseMs: base }, base - 5 * MIN)).toBe(1480001);
  });
});
