import { DAY_MS, MINUTE_MS, SLOT_MS } from '../../kst.js';

/** Slots KPX publishes per day. */
export const SLOTS_PER_DAY = 288;

/** A condition the collector reports when the budget cannot serve the resource as declared. */
export interface BudgetCondition {
  readonly type: 'BudgetExceeded';
  readonly reason: 'IntervalTooShort' | 'SlotsWillBeMissed' | 'NoBudget';
  readonly message: string;
}

/** How the power collector polls. */
export type PowerStrategy =
  | {
      /** Poll the latest operation at every slot; history only fills gaps. */
      readonly kind: 'per-slot';
      readonly intervalMs: number;
      readonly plannedCallsPerDay: number;
      readonly reservePerDay: number;
    }
  | {
      /** Read the history operation's last page every interval: one call returns every slot since the last poll. */
      readonly kind: 'history-last-page';
      readonly intervalMs: number;
      readonly plannedCallsPerDay: number;
      readonly reservePerDay: number;
    }
  | {
      /** Legacy endpoint: only the latest value exists, so slots between polls are lost. */
      readonly kind: 'latest-sampling';
      readonly intervalMs: number;
      readonly plannedCallsPerDay: number;
      readonly reservePerDay: number;
      readonly expectedSlotsPerDay: number;
    };

/** Inputs of the power plan. */
export interface PowerPlanInput {
  readonly api: 'gateway' | 'legacy';
  /** Calls per KST day on the latest (or legacy) operation. */
  readonly latestBudget: number;
  /** Calls per KST day on the history operation (gateway only). */
  readonly historyBudget: number;
  /** The resource's poll interval, if it declares one. */
  readonly requestedIntervalMs?: number | null;
}

/** The plan and, when the declaration cannot be honoured, a condition with the numbers. */
export interface PowerPlan {
  readonly strategy: PowerStrategy;
  readonly condition: BudgetCondition | null;
}

/** Calls kept back each day for retries and backfill: 10 %, at least 4. */
export function reserveFor(budget: number): number {
  return Math.min(budget, Math.max(4, Math.ceil(budget * 0.1)));
}

const minutes = (ms: number): string => `${Math.round(ms / MINUTE_MS)}m`;

/** The shortest interval (a multiple of 5 minutes) whose polls fit in `usable` calls a day. */
export function intervalForCalls(usable: number): number {
  if (usable <= 0) return Number.POSITIVE_INFINITY;
  return Math.max(1, Math.ceil(DAY_MS / usable / SLOT_MS)) * SLOT_MS;
}

/**
 * Derives the polling from the daily budget (issue 4). A large latest budget
 * polls every slot; a small one reads the history's last page as often as the
 * history budget allows. Either way every slot reaches the bus; only the legacy
 * endpoint (no history) can lose slots, and then says so.
 */
export function planPower(input: PowerPlanInput): PowerPlan {
  const requested = Math.max(SLOT_MS, input.requestedIntervalMs ?? SLOT_MS);
  const perDay = (interval: number): number => Math.ceil(DAY_MS / interval);
  if (input.api === 'legacy') {
    const reserve = reserveFor(input.latestBudget);
    const fastest = intervalForCalls(input.latestBudget - reserve);
    const intervalMs = Math.max(requested, fastest);
    if (!Number.isFinite(intervalMs)) return noBudget('getSukub5mMaxDatetime (legacy)', input.latestBudget);
    const expected = Math.min(SLOTS_PER_DAY, Math.floor(DAY_MS / intervalMs));
    const strategy: PowerStrategy = {
      kind: 'latest-sampling',
      intervalMs,
      plannedCallsPerDay: perDay(intervalMs),
      reservePerDay: reserve,
      expectedSlotsPerDay: expected,
    };
    const condition: BudgetCondition | null =
      expected < SLOTS_PER_DAY
        ? {
            type: 'BudgetExceeded',
            reason: 'SlotsWillBeMissed',
            message: `the legacy operation has no history: every slot needs ${SLOTS_PER_DAY} calls per KST day plus retries, the key allows ${input.latestBudget}; polling every ${minutes(intervalMs)} keeps about ${expected} of ${SLOTS_PER_DAY} slots. Use the gateway endpoint to keep all slots.`,
          }
        : null;
    return { strategy, condition };
  }
  const latestReserve = reserveFor(input.latestBudget);
  if (requested === SLOT_MS && input.latestBudget - latestReserve >= SLOTS_PER_DAY) {
    return {
      strategy: {
        kind: 'per-slot',
        intervalMs: SLOT_MS,
        plannedCallsPerDay: SLOTS_PER_DAY,
        reservePerDay: latestReserve,
      },
      condition: null,
    };
  }
  const reserve = reserveFor(input.historyBudget);
  const fastest = intervalForCalls(input.historyBudget - reserve);
  if (!Number.isFinite(fastest)) return noBudget('getSukub5mToday (history)', input.historyBudget);
  const intervalMs = Math.max(requested, fastest);
  const strategy: PowerStrategy = {
    kind: 'history-last-page',
    intervalMs,
    plannedCallsPerDay: perDay(intervalMs),
    reservePerDay: reserve,
  };
  const declared = input.requestedIntervalMs !== undefined && input.requestedIntervalMs !== null;
  const condition: BudgetCondition | null =
    declared && requested < intervalMs
      ? {
          type: 'BudgetExceeded',
          reason: 'IntervalTooShort',
          message: `poll interval ${minutes(requested)} needs ${perDay(requested)} calls per KST day; the key allows ${input.historyBudget} on getSukub5mToday (${reserve} kept for retries) and ${input.latestBudget} on getSukub5mMaxDatetime2. Polling the history's last page every ${minutes(intervalMs)} (${perDay(intervalMs)} calls) instead: every slot still arrives, up to ${minutes(intervalMs)} later.`,
        }
      : null;
  return { strategy, condition };
}

function noBudget(operation: string, budget: number): PowerPlan {
  return {
    strategy: { kind: 'history-last-page', intervalMs: DAY_MS, plannedCallsPerDay: 0, reservePerDay: 0 },
    condition: {
      type: 'BudgetExceeded',
      reason: 'NoBudget',
      message: `${operation} allows ${budget} calls per KST day: not enough to poll at all`,
    },
  };
}

/** A history request: page `pageNo` of `numOfRows` rows. */
export interface PageRequest {
  readonly pageNo: number;
  readonly numOfRows: number;
}

/**
 * The page that holds rows `first..last` (1-based `rn`) in one call: the
 * history's last page for a page size chosen so the window does not straddle a
 * page boundary. When no size up to `maxRows` fits, it returns the page holding
 * `first` (a partial window; the caller continues from what it got).
 */
export function pageForWindow(first: number, last: number, maxRows: number): PageRequest {
  const a = Math.max(1, first);
  const b = Math.max(a, last);
  const width = b - a + 1;
  for (let rows = width; rows <= maxRows; rows++) {
    if (Math.floor((a - 1) / rows) === Math.floor((b - 1) / rows)) {
      return { pageNo: Math.floor((a - 1) / rows) + 1, numOfRows: rows };
    }
  }
  const rows = Math.min(width, maxRows);
  return { pageNo: Math.floor((a - 1) / rows) + 1, numOfRows: rows };
}

/**
 * Predicts the newest row number from the last one seen: one row per published
 * slot, so no extra call is needed to learn `totalCount`.
 */
export function predictNewestRn(anchor: { rn: number; baseMs: number }, newestPublishedSlotMs: number): number {
  return anchor.rn + Math.max(0, Math.floor((newestPublishedSlotMs - anchor.baseMs) / SLOT_MS));
}
