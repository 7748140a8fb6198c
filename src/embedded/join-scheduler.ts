import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ulid } from 'ulid';
import { todayIn } from '../api/daily-join-semantics.js';
import { addDays } from '../kst.js';
import type { JoinMetrics } from '../join/join-metrics.js';
import type { JoinStore } from '../join/join-store.js';
import type { RunReport } from '../join/manifest.js';
import { checkRerun } from '../join/rerun-check.js';
import { runDailyJoin } from '../join/run-join.js';
import type { SqlExportStep } from '../join/run-join.js';
import { logicalDateOf, planSchedule } from '../join/schedule.js';
import type { SchedulePlan } from '../join/schedule.js';
import type { Logger } from '../observe/log.js';
import type { Clock } from '../clock.js';
import type { EmbeddedJoinConfig } from './embedded-config.js';

/** What a scheduler needs from the process. */
export interface JoinSchedulerDeps {
  readonly join: EmbeddedJoinConfig;
  readonly store: JoinStore;
  /** the pipeline's clock (simulated in tests): decides what is due, and the scheduler sleeps on it */
  readonly clock: Clock;
  /** wall time for run reports and durations */
  readonly wallClock: () => number;
  readonly logger: Logger;
  readonly metrics: JoinMetrics;
  /** JSON file keeping lastScheduleTime across restarts */
  readonly stateFile: string;
  /** how often (ms of `clock`) finished dates within lateDataDays are checked for new inputs */
  readonly lateCheckEveryMs: number;
  readonly exportSql?: SqlExportStep;
  readonly version: string;
}

interface SchedulerState {
  lastScheduleTime: number | null;
  createdDate: string;
}

const MANIFEST = /power_weather_daily\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/_manifest\.json$/;

/**
 * One DailyJoin in the embedded default: plans with the pure `planSchedule`,
 * runs due dates one at a time with `runDailyJoin` (retrying a failed run
 * `backoffLimit` times), and reruns a finished date within `lateDataDays`
 * when `checkRerun` says its inputs changed. A running join is finished, not
 * abandoned, on stop: it only reads the day's files and replaces two files.
 */
export class JoinScheduler {
  readonly #d: JoinSchedulerDeps;
  readonly #log: Logger;
  readonly #done = new Set<string>();
  readonly #stop = new AbortController();
  #state: SchedulerState;
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
  }

  get id(): string {
    return this.#d.join.id;
  }

  /** The last plan (next firing, for logs and tests). */
  get plan(): SchedulePlan | null {
    return this.#next;
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
      reports.push(await this.#runDate(first.date));
    }
    if (!this.#stop.signal.aborted && this.#d.clock.now() - this.#lastLateCheck >= this.#d.lateCheckEveryMs)
      reports.push(...(await this.#lateDataPass()));
    return reports;
  }

  /** Reruns finished dates within lateDataDays whose raw inputs changed since their run. */
  async #lateDataPass(): Promise<RunReport[]> {
    const spec = this.#d.join.resource.spec;
    this.#lastLateCheck = this.#d.clock.now();
    const reports: RunReport[] = [];
    if (spec.lateDataDays === 0 || this.#state.lastScheduleTime === null) return reports;
    const newestScheduled = logicalDateOf(this.#state.lastScheduleTime, spec.timeZone);
    const today = todayIn(spec.timeZone, new Date(this.#d.clock.now()));
    for (let back = spec.lateDataDays; back >= 1; back--) {
      const date = addDays(today, -back);
      // Only dates this scheduler joined (or found joined): a date the catch-up policy dropped stays dropped.
      if (date > newestScheduled || !this.#done.has(date)) continue;
      if (this.#stop.signal.aborted) break;
      const check = await checkRerun(this.#d.store, this.#d.join.config, date).catch((err: unknown) => {
        this.#log.warn({ err, date }, 'late-data check failed; tried again later');
        return null;
      });
      if (check === null || check.kind === 'up-to-date') continue;
      if (check.kind === 'never-run' && check.inputFiles === 0) continue;
      this.#log.info(
        check.kind === 'inputs-changed'
          ? { date, added: check.added.length, removed: check.removed.length }
          : { date, inputFiles: check.inputFiles },
        'inputs of a joined date changed; rerunning it',
      );
      reports.push(await this.#runDate(date));
    }
    return reports;
  }

  async #runDate(date: string): Promise<RunReport> {
    const { join } = this.#d;
    const attempts = 1 + join.resource.spec.backoffLimit;
    let report: RunReport | null = null;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      report = await runDailyJoin(
        {
          store: this.#d.store,
          clock: this.#d.wallClock,
          newRunId: () => ulid(this.#d.wallClock()),
          gridlakeVersion: this.#d.version,
          logger: this.#runLog,
          metrics: this.#d.metrics,
          ...(this.#d.exportSql === undefined ? {} : { exportSql: this.#d.exportSql }),
        },
        join.config,
        date,
      );
      if (report.outcome !== 'failed' || this.#stop.signal.aborted) break;
      if (attempt < attempts) {
        this.#log.warn({ date, attempt, reason: report.reason }, 'join run failed; retrying');
        await new Promise((r) => setTimeout(r, 1000 * attempt));
      }
    }
    this.#done.add(date);
    return report!;
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
        };
    } catch {
      // first start: no state yet
    }
    const state = {
      lastScheduleTime: null,
      createdDate: todayIn(this.#d.join.resource.spec.timeZone, new Date(this.#d.clock.now())),
    };
    this.#state = state;
    this.#saveState();
    return state;
  }

  #saveState(): void {
    try {
      mkdirSync(dirname(this.#d.stateFile), { recursive: true });
      writeFileSync(`${this.#d.stateFile}.tmp`, JSON.stringify(this.#state));
      renameSync(`${this.#d.stateFile}.tmp`, this.#d.stateFile);
    } catch (err) {
      this.#log.warn({ err, file: this.#d.stateFile }, 'join scheduler state not saved');
    }
  }
}
