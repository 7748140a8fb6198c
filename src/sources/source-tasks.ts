import { DEAD_LETTER_TOPIC, POWER_TOPIC, WEATHER_TOPIC } from '../api/defaults.js';
import { planWeather } from './kma/weather-planner.js';
import { resolveLocation, type LocationSpec, type ResolvedLocation } from './kma/kma-grid.js';
import { WeatherLocationCollector } from './kma/weather-collector.js';
import { PublicationTracker } from './kma/publication-tracker.js';
import { PowerCollector, type PowerCheckpoint } from './kpx/power-collector.js';
import { planPower } from './kpx/power-planner.js';
import { CollectorCore, type CollectorDeps, type SourceCondition } from './common/collector-core.js';
import type { Task } from './common/run-loop.js';
import type { CheckpointStore, SourceCheckpoint } from './common/checkpoint-store.js';
import { isOperation, type CallBudget } from './common/budget.js';
import type { Clock } from '../clock.js';
import { kstDay } from '../kst.js';
import type { ServiceKey } from './common/service-key.js';
import { powerProgress, weatherProgress, type SourceProgress } from './source-progress.js';

/** Default topics (docs/messages.md). */
export const TOPICS = {
  power: POWER_TOPIC,
  weather: WEATHER_TOPIC,
  deadLetter: DEAD_LETTER_TOPIC,
} as const;

/** A PowerSource as the collector needs it. */
export interface PowerSourceConfig {
  readonly kind: 'power';
  readonly source: string;
  readonly api: 'gateway' | 'legacy';
  readonly endpoint: string;
  readonly key: ServiceKey;
  readonly topic?: string;
  readonly deadLetterTopic?: string;
  readonly pollIntervalMs?: number | null;
  readonly checkpoint?: PowerCheckpoint | null;
  readonly publishDelayMs?: number;
  readonly onCheckpoint?: (c: PowerCheckpoint) => void;
}

/** A WeatherSource as the collector needs it. */
export interface WeatherSourceConfig {
  readonly kind: 'weather';
  readonly source: string;
  readonly endpoint: string;
  readonly key: ServiceKey;
  readonly locations: readonly LocationSpec[];
  readonly topic?: string;
  readonly deadLetterTopic?: string;
  /** Newest base hour emitted per location name, from a previous run. */
  readonly checkpoints?: Readonly<Record<string, number>>;
  readonly initialBackfillHours?: number;
  readonly onCheckpoint?: (location: string, hourMs: number) => void;
}

export type SourceConfig = PowerSourceConfig | WeatherSourceConfig;

/** The tasks to run and a way to read each source's conditions. */
export interface SourceTasks {
  readonly tasks: readonly Task[];
  readonly power: readonly PowerCollector[];
  readonly weather: readonly WeatherLocationCollector[];
  conditions(): Record<string, SourceCondition[]>;
  /** What each source has done, for its resource's `status.progress`. */
  progress(nowMs: number): SourceProgress[];
}

/**
 * Builds the collectors for a set of sources sharing one process (and so one
 * call budget): plans power from its budgets and weather from the number of
 * locations on each key.
 */
export function buildSourceTasks(configs: readonly SourceConfig[], deps: CollectorDeps): SourceTasks {
  const cores: { readonly core: CollectorCore; readonly locations: ResolvedLocation[] }[] = [];
  const power: PowerCollector[] = [];
  const weather: WeatherLocationCollector[] = [];
  const locationsPerKey = new Map<string, number>();
  for (const c of configs) {
    if (c.kind === 'weather') locationsPerKey.set(c.key.id, (locationsPerKey.get(c.key.id) ?? 0) + c.locations.length);
  }
  const indexPerKey = new Map<string, number>();
  for (const c of configs) {
    const core = new CollectorCore(deps, {
      kind: c.kind,
      source: c.source,
      topic: c.topic ?? (c.kind === 'power' ? TOPICS.power : TOPICS.weather),
      deadLetterTopic: c.deadLetterTopic ?? TOPICS.deadLetter,
      key: c.key,
    });
    const resolved: ResolvedLocation[] = [];
    cores.push({ core, locations: resolved });
    if (c.kind === 'power') {
      const plan = planPower({
        api: c.api,
        latestBudget: deps.budget.limit(c.key.id, c.api === 'legacy' ? 'kpx.legacy' : 'kpx.latest'),
        historyBudget: deps.budget.limit(c.key.id, 'kpx.history'),
        requestedIntervalMs: c.pollIntervalMs ?? null,
      });
      core.log.info({ strategy: plan.strategy }, 'power polling planned from the daily budget');
      power.push(
        new PowerCollector(core, {
          api: c.api,
          endpoint: c.endpoint,
          plan,
          checkpoint: c.checkpoint ?? null,
          ...(c.publishDelayMs === undefined ? {} : { publishDelayMs: c.publishDelayMs }),
          ...(c.onCheckpoint ? { onCheckpoint: c.onCheckpoint } : {}),
        }),
      );
      continue;
    }
    const onKey = locationsPerKey.get(c.key.id) ?? c.locations.length;
    const plan = planWeather(onKey, deps.budget.limit(c.key.id, 'kma.ncst'));
    if (plan.condition) core.setCondition('BudgetExceeded', plan.condition.reason, plan.condition.message);
    const tracker = new PublicationTracker();
    for (const spec of c.locations) {
      const location = resolveLocation(spec);
      resolved.push(location);
      const index = indexPerKey.get(c.key.id) ?? 0;
      indexPerKey.set(c.key.id, index + 1);
      weather.push(
        new WeatherLocationCollector(core, {
          endpoint: c.endpoint,
          location,
          index,
          locationsOnKey: onKey,
          tracker,
          checkpoint: c.checkpoints?.[location.name] ?? null,
          ...(c.initialBackfillHours === undefined ? {} : { initialBackfillHours: c.initialBackfillHours }),
          ...(c.onCheckpoint ? { onCheckpoint: (hourMs: number) => c.onCheckpoint?.(location.name, hourMs) } : {}),
        }),
      );
    }
  }
  return {
    tasks: [...power, ...weather],
    power,
    weather,
    conditions: () => Object.fromEntries(cores.map(({ core }) => [core.binding.source, core.conditions()])),
    progress: (nowMs) =>
      cores.map(({ core, locations }): SourceProgress => {
        const snap = core.progress.snapshot(nowMs);
        const source = core.binding.source;
        return core.binding.kind === 'power'
          ? { kind: 'power', source, progress: powerProgress(snap) }
          : { kind: 'weather', source, progress: weatherProgress(snap, locations) };
      }),
  };
}

/** The call budget the checkpointed sources will run with, and their clock. */
export interface BudgetCheckpointing {
  readonly budget: CallBudget;
  readonly clock: Clock;
}

/**
 * Connects sources to a checkpoint store: restores where each stopped and saves
 * progress as it is made, so a restart backfills the downtime and re-emits at
 * most the last reading. With `budget`, today's call counts are restored too
 * (only when saved on the same KST day) and saved at every call, before it is
 * made, so a restart mid-day cannot overrun a key's daily quota.
 */
export function withCheckpoints(
  configs: readonly SourceConfig[],
  store: CheckpointStore,
  budget?: BudgetCheckpointing,
): SourceConfig[] {
  const state: SourceCheckpoint = store.load() ?? { v: 1 };
  const save = (): void => store.save(state);
  if (budget !== undefined) persistBudget(state, save, budget);
  return configs.map((c): SourceConfig => {
    if (c.kind === 'power') {
      return {
        ...c,
        checkpoint: c.checkpoint ?? state.power ?? null,
        onCheckpoint: (cp: PowerCheckpoint) => {
          state.power = { baseMs: cp.baseMs, rn: cp.rn };
          save();
          c.onCheckpoint?.(cp);
        },
      };
    }
    return {
      ...c,
      checkpoints: { ...(state.weather ?? {}), ...(c.checkpoints ?? {}) },
      onCheckpoint: (location, hourMs) => {
        state.weather = { ...(state.weather ?? {}), [location]: hourMs };
        save();
        c.onCheckpoint?.(location, hourMs);
      },
    };
  });
}

function persistBudget(state: SourceCheckpoint, save: () => void, { budget, clock }: BudgetCheckpointing): void {
  const now = clock.now();
  const saved = state.budget;
  if (saved !== undefined && saved.day === kstDay(now)) {
    for (const [slot, used] of Object.entries(saved.used ?? {})) {
      const cut = slot.lastIndexOf('|');
      const op = slot.slice(cut + 1);
      if (cut > 0 && isOperation(op) && Number.isFinite(used)) budget.restore(slot.slice(0, cut), op, now, used);
    }
  }
  budget.onAcquire((use) => {
    if (state.budget?.day !== use.day) state.budget = { day: use.day, used: {} };
    state.budget.used[`${use.keyId}|${use.op}`] = use.used;
    save();
  });
}
