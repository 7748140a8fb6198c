import { backoffDelay } from '../../backoff.js';
import { NO_DATA_BACKOFF } from '../common/backoff-policies.js';
import type { CollectorCore } from '../common/collector-core.js';
import { applyFailure, recordSuccess, type FailureState, dueAfter } from '../common/failure-policy.js';
import { HOUR_MS } from '../../kst.js';
import type { Task } from '../common/run-loop.js';
import type { ResolvedLocation } from './kma-grid.js';
import { kmaNcstUrl } from './kma-endpoints.js';
import { PublicationTracker } from './publication-tracker.js';
import { parseKmaAnswer, type KmaAnswer } from './kma-parser.js';
import { weatherIdentity } from './weather-observation.js';
import { KMA_RETENTION_HOURS, newestServedHour, pollTimeFor, publicationsLeftToday } from './weather-planner.js';

/** Options of one location's collector. */
export interface WeatherLocationOptions {
  readonly endpoint: string;
  readonly location: ResolvedLocation;
  /** Position among all locations on the key (spreads the polls). */
  readonly index: number;
  /** Locations sharing the key: their remaining planned polls are kept back from retries. */
  readonly locationsOnKey: number;
  /** Newest base hour emitted by a previous run (ms); hours after it are backfilled. */
  readonly checkpoint?: number | null;
  /** On a first start without checkpoint, how many past hours to fetch too (default 0). */
  readonly initialBackfillHours?: number;
  /** How far back the API serves (default 24 h). */
  readonly retentionHours?: number;
  readonly onCheckpoint?: (hourMs: number) => void;
  /** Shared by the locations of a source: learns late publication. */
  readonly tracker?: PublicationTracker;
}

const API = 'KMA nowcast API (getUltraSrtNcst)';
/** An older hour that still answers NO_DATA is given up after this many tries. */
const OLD_HOUR_TRIES = 3;

/**
 * One location: every hour shortly after HH:10, the newest base hour plus any
 * missed ones still served (backfill after downtime). NO_DATA for the newest
 * hour is retried with backoff inside the hour, then left to the next round.
 */
export class WeatherLocationCollector implements Task {
  readonly name: string;
  readonly #core: CollectorCore;
  readonly #opts: WeatherLocationOptions;
  readonly #failures: FailureState = { transient: 0, malformed: 0 };
  /** Every hour at or before this is done or abandoned. */
  #floor: number | null;
  readonly #done = new Set<number>();
  readonly #tries = new Map<number, number>();
  #noData = 0;
  #stopped = false;
  #newestEmitted: number | null;
  readonly #tracker: PublicationTracker;

  constructor(core: CollectorCore, opts: WeatherLocationOptions) {
    this.#core = core;
    this.#opts = opts;
    this.#tracker = opts.tracker ?? new PublicationTracker();
    this.name = `weather:${core.binding.source}:${opts.location.name}`;
    this.#floor = opts.checkpoint ?? null;
    this.#newestEmitted = opts.checkpoint ?? null;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Newest base hour emitted. */
  get checkpoint(): number | null {
    return this.#newestEmitted;
  }

  /** When this location first wants to run. */
  firstDue(now: number): number {
    return this.#floor === null ? now + this.#opts.index * 100 : now;
  }

  async step(now: number): Promise<number | null> {
    if (this.#stopped) return null;
    const newest = newestServedHour(now);
    const oldest = newest - ((this.#opts.retentionHours ?? KMA_RETENTION_HOURS) - 1) * HOUR_MS;
    if (this.#floor === null) this.#floor = newest - (1 + (this.#opts.initialBackfillHours ?? 0)) * HOUR_MS;
    if (this.#floor < oldest - HOUR_MS) {
      const lost = (oldest - HOUR_MS - this.#floor) / HOUR_MS;
      this.#core.log.warn(
        { location: this.#opts.location.name, hours: lost },
        'hours no longer served by the API; not recoverable',
      );
      this.#floor = oldest - HOUR_MS;
    }
    for (let hour = this.#floor + HOUR_MS; hour <= newest; hour += HOUR_MS) {
      if (this.#done.has(hour)) continue;
      const isNewest = hour === newest;
      const reserve = isNewest && this.#noData === 0 ? 0 : this.#reserve(now);
      const r = await this.#poll(hour, reserve);
      if (r === 'reserved') {
        // The surplus is spent: leave the backfill for later and poll the newest hour, which is planned work.
        if (isNewest) return this.#pollTime(newest + HOUR_MS);
        hour = newest - HOUR_MS;
        continue;
      }
      if (r === 'done') {
        if (isNewest) {
          if (this.#noData > 0)
            this.#tracker.observeLate(this.#core.deps.clock.now() - pollTimeFor(hour, this.#opts.index));
          else this.#tracker.observeOnTime(hour);
        }
        this.#markDone(hour);
        continue;
      }
      if (r === 'no_data') {
        if (isNewest) {
          const retryAt =
            this.#core.deps.clock.now() + backoffDelay(this.#noData, NO_DATA_BACKOFF, this.#core.deps.rng);
          this.#noData++;
          // Retry inside the hour; past it, the next round picks the hour up as a backfill.
          if (retryAt < this.#pollTime(newest + HOUR_MS)) return retryAt;
          this.#noData = 0;
          break;
        }
        const tries = (this.#tries.get(hour) ?? 0) + 1;
        this.#tries.set(hour, tries);
        if (tries >= OLD_HOUR_TRIES) this.#markDone(hour);
        continue;
      }
      if (r === 'skip') {
        this.#markDone(hour);
        continue;
      }
      return r;
    }
    this.#noData = 0;
    return this.#pollTime(newest + HOUR_MS);
  }

  /** Planned first poll of a base hour: HH:10 + margin + spacing + what late publication taught. */
  #pollTime(hourMs: number): number {
    return pollTimeFor(hourMs, this.#opts.index) + this.#tracker.extraMs;
  }

  /** Polls one hour: 'done' | 'no_data' | 'skip' | 'reserved' (no surplus for it), or the due time (null: stop). */
  async #poll(hour: number, reserve: number): Promise<'done' | 'no_data' | 'skip' | 'reserved' | number | null> {
    const core = this.#core;
    const { nx, ny } = this.#opts.location;
    const url = kmaNcstUrl(this.#opts.endpoint, core.binding.key, hour, nx, ny);
    const res = await core.call('kma.ncst', url, reserve);
    const now = core.deps.clock.now();
    if (res.kind === 'denied') {
      if (res.denial.kind === 'reserved') return 'reserved';
      return core.onDenied('kma.ncst', res.denial, this.#pollTime(newestServedHour(now) + HOUR_MS));
    }
    const answer: KmaAnswer =
      res.kind === 'answer'
        ? parseKmaAnswer(res.status, res.text, {
            source: core.binding.source,
            location: this.#opts.location.name,
            ingestedAt: res.receivedAt,
          })
        : res.failure;
    core.countPoll(
      answer.outcome,
      answer.outcome === 'ok' ? null : answer.reason,
      answer.outcome === 'ok' ? undefined : answer.errorClass,
    );
    if (answer.outcome === 'ok') {
      recordSuccess(core, this.#failures);
      const rows = answer.rows.filter((r) => r.observation.nx === nx && r.observation.ny === ny && r.baseMs === hour);
      if (rows.length !== answer.rows.length) {
        await core.deadLetter(
          'validate',
          `answer for another cell or hour than asked (${nx},${ny})`,
          res.kind === 'answer' ? res.text : '',
        );
      }
      try {
        await core.emit(rows.map((r) => ({ identity: weatherIdentity(r.observation), value: r.observation })));
      } catch (err) {
        core.sinkFailed(err);
        return now + 30_000;
      }
      const row = rows[0];
      if (row !== undefined && (this.#newestEmitted === null || row.baseMs > this.#newestEmitted)) {
        this.#newestEmitted = row.baseMs;
        this.#opts.onCheckpoint?.(row.baseMs);
        const o = row.observation;
        const location = this.#opts.location.name;
        const m = core.deps.metrics;
        m.latestObservation.set({ ...core.labels, location }, row.baseMs / 1000);
        if (o.temperatureC !== null) m.temperature.set({ location }, o.temperatureC);
        if (o.humidityPct !== null) m.humidity.set({ location }, o.humidityPct);
        if (o.rain1hMm !== null) m.rain.set({ location }, o.rain1hMm / 1000);
        if (o.windSpeedMs !== null) m.windSpeed.set({ location }, o.windSpeedMs);
        core.progress.reading(location, row.baseMs, { temperatureC: o.temperatureC });
      }
      return 'done';
    }
    if (answer.outcome === 'no_data') return 'no_data';
    const step = await applyFailure(
      core,
      'kma.ncst',
      API,
      answer,
      this.#failures,
      res.kind === 'answer' ? res.text : null,
      `location ${this.#opts.location.name} (nx ${this.#opts.location.nx}, ny ${this.#opts.location.ny})`,
    );
    if (step.kind === 'stop') this.#stopped = true;
    return dueAfter(step, () => 'skip' as const);
  }

  #markDone(hour: number): void {
    this.#done.add(hour);
    this.#tries.delete(hour);
    while (this.#floor !== null && this.#done.has(this.#floor + HOUR_MS)) {
      this.#floor += HOUR_MS;
      this.#done.delete(this.#floor);
    }
  }

  /** Calls kept back for the planned polls of every location on the key for the rest of today. */
  #reserve(now: number): number {
    return publicationsLeftToday(now) * this.#opts.locationsOnKey;
  }
}
