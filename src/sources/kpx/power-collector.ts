import type { Operation } from '../common/budget.js';
import type { CollectorCore } from '../common/collector-core.js';
import { applyFailure, recordSuccess, type FailureState, dueAfter } from '../common/failure-policy.js';
import { SLOT_MS, floorSlot, nextKstMidnight } from '../../kst.js';
import type { Task } from '../common/run-loop.js';
import { kpxHistoryUrl, kpxLatestUrl, kpxLegacyUrl } from './kpx-endpoints.js';
import { parseKpxAnswer, type KpxAnswer, type KpxRow } from './kpx-parser.js';
import { pageForWindow, predictNewestRn, type PowerPlan } from './power-planner.js';
import { powerIdentity } from './power-reading.js';

/** Where the collector stands: the newest slot emitted and its history row number. */
export interface PowerCheckpoint {
  readonly baseMs: number;
  /** Row number in the history operation; null on the legacy endpoint. */
  readonly rn: number | null;
}

/** Options of a power collector. */
export interface PowerCollectorOptions {
  readonly api: 'gateway' | 'legacy';
  /** Base URL: the data.go.kr gateway, KPX's host (legacy), or the simulator. */
  readonly endpoint: string;
  readonly plan: PowerPlan;
  /** How long after a slot boundary the slot is assumed published (default 90 s). */
  readonly publishDelayMs?: number;
  /** Largest page asked of the history operation (default 300 rows). */
  readonly maxRowsPerCall?: number;
  /** Where a previous run stopped; the collector resumes after it. */
  readonly checkpoint?: PowerCheckpoint | null;
  readonly onCheckpoint?: (c: PowerCheckpoint) => void;
}

const API = 'KPX supply/demand API';

/**
 * Polls KPX as the plan says and emits every slot once. History-last-page and
 * per-slot both fill gaps from the history operation, so downtime is
 * backfilled; the legacy endpoint can only sample the latest value.
 */
export class PowerCollector implements Task {
  readonly name: string;
  readonly #core: CollectorCore;
  readonly #opts: PowerCollectorOptions;
  readonly #publishDelay: number;
  readonly #maxRows: number;
  readonly #failures: FailureState = { transient: 0, malformed: 0 };
  #anchor: PowerCheckpoint | null;
  #stopped = false;
  #notYet = 0;

  constructor(core: CollectorCore, opts: PowerCollectorOptions) {
    this.#core = core;
    this.#opts = opts;
    this.name = `power:${core.binding.source}`;
    this.#publishDelay = opts.publishDelayMs ?? 90_000;
    this.#maxRows = opts.maxRowsPerCall ?? 300;
    this.#anchor = opts.checkpoint ?? null;
    if (opts.plan.condition)
      core.setCondition('BudgetExceeded', opts.plan.condition.reason, opts.plan.condition.message);
  }

  /** The newest slot emitted. */
  get checkpoint(): PowerCheckpoint | null {
    return this.#anchor;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  async step(now: number): Promise<number | null> {
    if (this.#stopped) return null;
    const strategy = this.#opts.plan.strategy;
    if (this.#opts.api === 'legacy' || strategy.kind === 'latest-sampling') return this.#stepLatest(now, 'kpx.legacy');
    if (strategy.kind === 'per-slot' || this.#anchor === null || this.#anchor.rn === null) {
      return this.#stepLatest(now, 'kpx.latest');
    }
    const newest = floorSlot(now - this.#publishDelay);
    const outcome = await this.#fillWindow(
      this.#anchor.rn + 1,
      predictNewestRn(this.#anchor as { rn: number; baseMs: number }, newest) + 1,
    );
    return outcome ?? this.#nextPoll(this.#core.deps.clock.now());
  }

  /** Polls the latest (or legacy) operation; fills any gap from history first. */
  async #stepLatest(now: number, op: Operation): Promise<number | null> {
    const url =
      op === 'kpx.legacy'
        ? kpxLegacyUrl(this.#opts.endpoint, this.#core.binding.key)
        : kpxLatestUrl(this.#opts.endpoint, this.#core.binding.key);
    const answer = await this.#call(op, url, this.#notYet > 0 ? this.#plannedLeftToday(now) : 0);
    if (typeof answer === 'number' || answer === null) return answer;
    if (answer.outcome !== 'ok') return this.#nextPoll(now);
    const newest = answer.rows.reduce((a, b) => (b.baseMs > a.baseMs ? b : a));
    const anchor = this.#anchor;
    if (anchor !== null && newest.baseMs <= anchor.baseMs) {
      // Not published yet: look again a little later within this slot, then wait for the next one.
      if (this.#opts.plan.strategy.kind === 'per-slot' && this.#notYet < 2) {
        this.#notYet++;
        return now + 30_000 * this.#notYet;
      }
      this.#notYet = 0;
      return this.#nextPoll(now);
    }
    this.#notYet = 0;
    if (anchor !== null && anchor.rn !== null && newest.rn !== null && newest.rn > anchor.rn + 1) {
      const gap = await this.#fillWindow(anchor.rn + 1, newest.rn - 1);
      if (gap !== undefined) return gap;
    }
    const ok = await this.#emit([newest]);
    if (!ok) return now + 30_000;
    return this.#nextPoll(now);
  }

  /**
   * Reads history rows `first..last` (predicted) with as few calls as the
   * budget allows, continuing while the answers say more rows exist.
   * Returns a due time when it had to stop early, undefined when done.
   */
  async #fillWindow(first: number, last: number): Promise<number | null | undefined> {
    if (last < first) return undefined;
    let empties = 0;
    for (let calls = 0; calls < 50 && this.#anchor !== null && this.#anchor.rn !== null; calls++) {
      const a = this.#anchor.rn + 1;
      const b = Math.min(Math.max(last, a), a + this.#maxRows - 1);
      if (last < a) return undefined;
      const page = pageForWindow(a, b, this.#maxRows);
      const url = kpxHistoryUrl(this.#opts.endpoint, this.#core.binding.key, page.pageNo, page.numOfRows);
      const catchUp = calls > 0 && this.#opts.plan.strategy.kind === 'history-last-page';
      const reserve = catchUp ? this.#plannedLeftToday(this.#core.deps.clock.now()) : 0;
      const answer = await this.#call('kpx.history', url, reserve);
      if (typeof answer === 'number' || answer === null) return answer;
      const total = answer.totalCount ?? null;
      if (answer.outcome === 'ok') {
        const fresh = answer.rows
          .filter((r) => r.rn !== null && r.rn > a - 1)
          .sort((x, y) => (x.rn ?? 0) - (y.rn ?? 0));
        if (fresh.length > 0 && !(await this.#emit(fresh))) return this.#core.deps.clock.now() + 30_000;
      }
      // totalCount is the truth: follow it when there are more rows than predicted (or a gap in row numbers).
      if (total === null) return undefined;
      if (answer.outcome !== 'ok') empties++;
      if (total > this.#anchor.rn && empties < 2) {
        last = total;
        continue;
      }
      return undefined;
    }
    return undefined;
  }

  /** One budgeted call, parsed; failures handled. A number/null is the due time to return. */
  async #call(op: Operation, url: string, reserve: number): Promise<KpxAnswer | number | null> {
    const core = this.#core;
    const res = await core.call(op, url, reserve);
    if (res.kind === 'denied') return core.onDenied(op, res.denial, this.#nextPoll(core.deps.clock.now()));
    const answer: KpxAnswer =
      res.kind === 'answer'
        ? parseKpxAnswer(res.status, res.text, { source: core.binding.source, ingestedAt: res.receivedAt })
        : res.failure;
    core.countPoll(
      answer.outcome,
      answer.outcome === 'ok' ? null : answer.reason,
      answer.outcome === 'ok' ? undefined : answer.errorClass,
    );
    if (answer.outcome === 'ok') {
      recordSuccess(core, this.#failures);
      for (const r of answer.rejects) await core.deadLetter('validate', r.reason, r.raw);
      return answer;
    }
    if (answer.outcome === 'no_data') return answer;
    const step = await applyFailure(core, op, API, answer, this.#failures, res.kind === 'answer' ? res.text : null);
    if (step.kind === 'stop') this.#stopped = true;
    return dueAfter(step, () => this.#nextPoll(core.deps.clock.now()));
  }

  /** Emits rows in time order; false when the sink failed (nothing marked emitted). */
  async #emit(rows: readonly KpxRow[]): Promise<boolean> {
    const core = this.#core;
    const sorted = [...rows].sort((x, y) => x.baseMs - y.baseMs);
    try {
      await core.emit(sorted.map((r) => ({ identity: powerIdentity(r.reading), value: r.reading })));
    } catch (err) {
      core.sinkFailed(err);
      return false;
    }
    const newest = sorted[sorted.length - 1];
    if (newest === undefined) return true;
    const anchorRn = this.#anchor?.rn ?? null;
    this.#anchor = { baseMs: newest.baseMs, rn: newest.rn ?? anchorRn };
    this.#opts.onCheckpoint?.(this.#anchor);
    const { metrics } = core.deps;
    const source = core.binding.source;
    const r = newest.reading;
    metrics.latestObservation.set({ ...core.labels, location: 'national' }, newest.baseMs / 1000);
    metrics.powerDemand.set({ source }, r.currentDemandMw);
    metrics.powerCapacity.set({ source }, r.supplyCapacityMw);
    if (r.supplyReservePct !== null) metrics.powerSupplyReserve.set({ source }, r.supplyReservePct);
    if (r.operatingReservePct !== null) metrics.powerOperatingReserve.set({ source }, r.operatingReservePct);
    core.progress.reading('', newest.baseMs, {
      currentDemandMw: r.currentDemandMw,
      supplyCapacityMw: r.supplyCapacityMw,
      supplyReservePct: r.supplyReservePct,
    });
    return true;
  }

  /** Next poll: the next interval boundary (KST-aligned) plus the publication delay. */
  #nextPoll(now: number): number {
    const interval = this.#opts.plan.strategy.intervalMs;
    const base = Math.floor((now - this.#publishDelay) / interval) * interval + interval + this.#publishDelay;
    return base > now ? base : base + interval;
  }

  /** Planned polls still due today: kept back when spending on retries and catch-up. */
  #plannedLeftToday(now: number): number {
    const s = this.#opts.plan.strategy;
    return Math.max(0, Math.ceil((nextKstMidnight(now) - now) / s.intervalMs));
  }
}

/** The slot length, re-exported for callers that plan around it. */
export const POWER_SLOT_MS = SLOT_MS;
