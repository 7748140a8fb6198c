import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { todayIn } from '../api/daily-join-semantics.js';
import type { RunTrigger } from '../api/daily-join-run.js';
import { summarizeRunReport, type RunReportSummary } from '../api/run-report.js';
import { addDays } from '../kst.js';
import type { RunReport } from '../join/manifest.js';
import {
  DATES_WITHOUT_INPUT,
  emptyInputs,
  joinNoInputMessage,
  NO_INPUT_CONDITION,
  rejoinWindowDays,
  withNoInputDate,
  type NoInputDate,
} from '../join/no-input.js';
import { checkRerun } from '../join/rerun-check.js';
import { logicalDateOf, planSchedule } from '../join/schedule.js';
import type { SchedulePlan } from '../join/schedule.js';
import type { Logger } from '../observe/log.js';
import type { Clock } from '../clock.js';
import type { EmbeddedJoinConfig } from './embedded-config.js';
import { joinDate, type JoinDateDeps } from './join-date.js';

/** What a scheduler needs from the process (beside what joining a date needs: joinDate's deps). */
export interface JoinSchedulerDeps extends JoinDateDeps {
  readonly join: EmbeddedJoinConfig;
  /** the pipeline's clock (simulated in tests): decides what is due, and the scheduler sleeps on it */
  readonly clock: Clock;
  /** JSON file keeping lastScheduleTime across restarts */
  readonly stateFile: string;
  /** how often (ms of `clock`) finished dates within lateDataDays (and dates without input) are checked for new inputs */
  readonly lateCheckEveryMs: number;
}

interface SchedulerState {
  lastScheduleTime: number | null;
  createdDate: string;
  /** dates whose last run found no rows: joined again when raw files for them appear (kept across restarts) */
  noInput: readonly NoInputDate[];
}

/** A finished run as the status shows it (the shape a DailyJoinRun's status is made from). */
export interface RecentRun {
  readonly date: string;
  readonly trigger: RunTrigger;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly attempts: number;
  readonly summary: RunReportSummary;
}

/** Runs kept for the status: enough for a page's "last runs" and a catch-up's tail. */
export const RECENT_RUNS = 10;

/** A condition of the join, in the shape a cluster's status has. */
export interface JoinSchedulerCondition {
  readonly type: string;
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
}

const MANIFEST = /power_weather_daily\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/_manifest\.json$/;

/**
 * One DailyJoin in the embedded default: plans with the pure `planSchedule`,
 * runs due dates one at a time with `runDailyJoin` (retrying a failed run
 * `backoffLimit` times, through `joinDate`, as `gridlake backfill` does), and reruns a finished date within `lateDataDays`
 * when `checkRerun` says its inputs changed. A date whose run found no rows
 * is remembered in the state file (the NoInput condition) and joined again as
 * soon as raw files for it exist, within the catch-up window. A running join is finished, not
 * abandoned, on stop: it only reads the day's files and replaces two files.
 */
export class JoinScheduler {
  readonly #d: JoinSchedulerDeps;
  readonly #log: Logger;
  readonly #done = new Set<string>();
  readonly #stop = new AbortController();
  #state: SchedulerState;
  /** the last runs, oldest first: kept beside the state file, so the status shows them after a restart */
  #recentRuns: readonly RecentRun[];
  #loop: Promise<void> | null = null;
  #lastLateCheck = -Infinity;
  #next: SchedulePlan | null = null;
  /** the logger each run gets: quieter during the catch-up */
  #runLog: Logger;

  constructor(deps: JoinSchedulerDeps) {
    this.#d = deps;
    this.#log = deps.logger.child({ join: deps.join.id });
    this.#runLog = deps.logger;
    this.#state = this.#loadState();
    this.#recentRuns = this.#loadRecentRuns();
  }

  get id(): string {
    return this.#d.join.id;
  }

  /** The last plan (next firing, for logs and tests). */
  get plan(): SchedulePlan | null {
    return this.#next;
  }

  /** The last runs, oldest first. */
  get recentRuns(): readonly RecentRun[] {
    return this.#recentRuns;
  }

  /** Dates joined without input, waiting for raw files. */
  get noInputDates(): readonly NoInputDate[] {
    return this.#state.noInput;
  }

  /** When a date was last due (ms), null before the first. */
  get lastScheduleTime(): number | null {
    return this.#state.lastScheduleTime;
  }

  /** NoInput while dates of the window were joined without input (none otherwise). */
  get conditions(): JoinSchedulerCondition[] {
    return noInputConditions(this.#d.join.resource.spec, this.#state.noInput);
  }

  /** Runs every date due now (the start-up catch-up), then returns their reports. */
  async catchUp(): Promise<RunReport[]> {
    await this.#loadDone();
    // The catch-up sums its dates up in one line (catch-up-run.ts): each run's own lines only at debug level.
    this.#runLog = this.#d.logger.isLevelEnabled('debug')
      ? this.#d.logger
      : this.#d.logger.child({}, { level: 'warn' });
    try {
      return await this.#pass();
    } finally {
      this.#runLog = this.#d.logger;
    }
  }

  /** Starts the loop: due dates at each firing, late-data checks in between. */
  start(): void {
    this.#loop ??= this.#run().catch((err: unknown) => this.#log.error({ err }, 'join scheduler stopped on error'));
  }

  /** Stops after the running join (if any) has finished. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stop.signal.aborted) {
      await this.#pass();
      const now = this.#d.clock.now();
      const next = this.#next?.nextScheduleTime ?? now + this.#d.lateCheckEveryMs;
      const wake = Math.min(next, Math.max(now, this.#lastLateCheck + this.#d.lateCheckEveryMs));
      await this.#sleepUntil(wake);
    }
  }

  async #pass(): Promise<RunReport[]> {
    const reports: RunReport[] = [];
    const spec = this.#d.join.resource.spec;
    while (!this.#stop.signal.aborted) {
      const plan = planSchedule(spec, {
        now: this.#d.clock.now(),
        done: this.#done,
        active: new Set(),
        lastScheduleTime: this.#state.lastScheduleTime,
        createdDate: this.#state.createdDate,
      });
      if (plan.skipped.length > 0)
        this.#log.info(
          { dates: plan.skipped.map((s) => s.date), reason: plan.skipped[0]?.reason },
          'join dates skipped by the catch-up policy',
        );
      if (plan.lastScheduleTime !== this.#state.lastScheduleTime) {
        this.#state = { ...this.#state, lastScheduleTime: plan.lastScheduleTime };
        this.#saveState();
      }
      const changedNext = this.#next?.nextScheduleTime !== plan.nextScheduleTime;
      this.#next = plan;
      if (changedNext && plan.nextScheduleTime !== null)
        this.#log.info(
          { nextScheduleTime: new Date(plan.nextScheduleTime).toISOString(), nextDate: plan.nextDate },
          'next join firing',
        );
      const first = plan.start[0];
      if (first === undefined) break;
      this.#log.debug({ date: first.date, trigger: first.trigger }, 'join date due');
      reports.push(await this.#runDate(first.date, first.trigger === 'on-time' ? 'Schedule' : 'CatchUp'));
    }
    if (!this.#stop.signal.aborted && this.#d.clock.now() - this.#lastLateCheck >= this.#d.lateCheckEveryMs)
      reports.push(...(await this.#lateDataPass()));
    return reports;
  }

  /**
   * Reruns finished dates within lateDataDays whose raw inputs changed since
   * their run, and dates joined without input (within the catch-up window)
   * that now have raw files.
   */
  async #lateDataPass(): Promise<RunReport[]> {
    const spec = this.#d.join.resource.spec;
    this.#lastLateCheck = this.#d.clock.now();
    const reports: RunReport[] = [];
    const today = todayIn(spec.timeZone, new Date(this.#d.clock.now()));
    // The newest joined date is yesterday; the window reaches rejoinWindowDays before it.
    const oldestRejoin = addDays(today, -(rejoinWindowDays(spec) + 1));
    const kept = this.#state.noInput.filter((d) => d.date >= oldestRejoin);
    if (kept.length !== this.#state.noInput.length) this.#setNoInput(kept);
    if (this.#state.lastScheduleTime === null) return reports;
    const newestScheduled = logicalDateOf(this.#state.lastScheduleTime, spec.timeZone);
    const dates = new Set(this.#state.noInput.map((d) => d.date));
    for (let back = spec.lateDataDays; back >= 1; back--) {
      const date = addDays(today, -back);
      // Only dates this scheduler joined (or found joined): a date the catch-up policy dropped stays dropped.
      if (this.#done.has(date)) dates.add(date);
    }
    for (const date of [...dates].sort()) {
      if (date > newestScheduled) continue;
      if (this.#stop.signal.aborted) break;
      const check = await checkRerun(this.#d.store, this.#d.join.config, date).catch((err: unknown) => {
        this.#log.warn({ err, date }, 'late-data check failed; tried again later');
        return null;
      });
      if (check === null || check.kind === 'up-to-date') continue;
      if (check.kind === 'never-run' && check.inputFiles === 0) continue;
      if (check.kind === 'never-run' && this.#state.noInput.some((d) => d.date === date))
        this.#log.info(
          { date, inputFiles: check.inputFiles },
          'raw files appeared for a date joined without input; joining it again',
        );
      else
        this.#log.info(
          check.kind === 'inputs-changed'
            ? { date, added: check.added.length, removed: check.removed.length }
            : { date, inputFiles: check.inputFiles },
          'inputs of a joined date changed; rerunning it',
        );
      reports.push(await this.#runDate(date, 'LateData'));
    }
    return reports;
  }

  async #runDate(date: string, trigger: RunTrigger): Promise<RunReport> {
    let attempts = 0;
    const r = await joinDate(this.#d, this.#d.join, date, {
      runLogger: this.#runLog,
      signal: this.#stop.signal,
      onAttempt: (n) => (attempts = n),
    });
    this.#done.add(date);
    this.#recordRun({
      date,
      trigger,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      attempts,
      summary: summarizeRunReport(r),
    });
    if (r.outcome === 'no-input')
      this.#setNoInput(withNoInputDate(this.#state.noInput, date, { date, emptyInputs: emptyInputs(r.inputs) }));
    else if (r.outcome !== 'failed' && this.#state.noInput.some((d) => d.date === date))
      this.#setNoInput(withNoInputDate(this.#state.noInput, date, null));
    return r;
  }

  get #runsFile(): string {
    return this.#d.stateFile.replace(/(\.json)?$/, '.runs.json');
  }

  #recordRun(run: RecentRun): void {
    this.#recentRuns = [...this.#recentRuns, run].slice(-RECENT_RUNS);
    try {
      writeFileSync(`${this.#runsFile}.tmp`, JSON.stringify(this.#recentRuns));
      renameSync(`${this.#runsFile}.tmp`, this.#runsFile);
    } catch (err) {
      this.#log.warn({ err, file: this.#runsFile }, 'recent join runs not saved');
    }
  }

  #loadRecentRuns(): readonly RecentRun[] {
    try {
      const v = JSON.parse(readFileSync(this.#runsFile, 'utf8')) as unknown;
      return Array.isArray(v) ? v.filter(isRecentRun).slice(-RECENT_RUNS) : [];
    } catch {
      return [];
    }
  }

  #setNoInput(noInput: readonly NoInputDate[]): void {
    this.#state = { ...this.#state, noInput };
    this.#saveState();
  }

  async #loadDone(): Promise<void> {
    const keys = await this.#d.store.list(`${this.#d.join.config.warehousePrefix}/power_weather_daily/`);
    for (const k of keys) {
      const m = MANIFEST.exec(k);
      if (m !== null) this.#done.add(`${m[1]}-${m[2]}-${m[3]}`);
    }
  }

  async #sleepUntil(at: number): Promise<void> {
    const ms = at - this.#d.clock.now();
    if (ms <= 0 || this.#stop.signal.aborted) return;
    await this.#d.clock.sleep(ms, this.#stop.signal);
  }

  #loadState(): SchedulerState {
    try {
      const s = JSON.parse(readFileSync(this.#d.stateFile, 'utf8')) as Partial<SchedulerState>;
      if (typeof s.createdDate === 'string')
        return {
          lastScheduleTime: typeof s.lastScheduleTime === 'number' ? s.lastScheduleTime : null,
          createdDate: s.createdDate,
          noInput: Array.isArray(s.noInput) ? s.noInput.filter(isNoInputDate) : [],
        };
    } catch {
      // first start: no state yet
    }
    const state: SchedulerState = {
      lastScheduleTime: null,
      createdDate: todayIn(this.#d.join.resource.spec.timeZone, new Date(this.#d.clock.now())),
      noInput: [],
    };
    this.#state = state;
    this.#saveState();
    return state;
  }

  #saveState(): void {
    try {
      mkdirSync(dirname(this.#d.stateFile), { recursive: true });
      const { noInput, ...rest } = this.#state;
      const conditions = this.conditions;
      // The NoInput condition sits next to the dates it names, for a person (or a status page) reading the file.
      const saved = noInput.length > 0 ? { ...rest, noInput, conditions } : rest;
      writeFileSync(`${this.#d.stateFile}.tmp`, JSON.stringify(saved));
      renameSync(`${this.#d.stateFile}.tmp`, this.#d.stateFile);
    } catch (err) {
      this.#log.warn({ err, file: this.#d.stateFile }, 'join scheduler state not saved');
    }
  }
}

function isRecentRun(v: unknown): v is RecentRun {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o['date'] === 'string' &&
    typeof o['finishedAt'] === 'string' &&
    typeof o['summary'] === 'object' &&
    o['summary'] !== null
  );
}

function isNoInputDate(v: unknown): v is NoInputDate {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o['date'] === 'string' && Array.isArray(o['emptyInputs']);
}

/** The NoInput condition of a join (absent while every date had rows). */
function noInputConditions(
  spec: Parameters<typeof joinNoInputMessage>[0],
  noInput: readonly NoInputDate[],
): JoinSchedulerCondition[] {
  if (noInput.length === 0) return [];
  return [
    {
      type: NO_INPUT_CONDITION,
      status: 'True',
      reason: DATES_WITHOUT_INPUT,
      message: joinNoInputMessage(spec, noInput),
    },
  ];
}
