import type { Condition } from '../api/common.js';
import { dailyJoinRunName, type DailyJoinRunStatus } from '../api/daily-join-run.js';
import type { DailyJoinStatus } from '../api/daily-join.js';
import type { LakeSinkStatus } from '../api/lake-sink.js';
import type { PowerSourceSpec, PowerSourceStatus } from '../api/power-source.js';
import { ofKind } from '../api/resource.js';
import { KINDS } from '../api/kinds.js';
import { runOutcome } from '../api/run-report.js';
import type { GridlakeResource } from '../api/validate.js';
import type { StatusResource, StatusView } from '../api/status-view.js';
import type { WeatherSourceSpec, WeatherSourceStatus } from '../api/weather-source.js';
import type { SinkProgressBlock } from '../lake/sink-progress.js';
import type { SourceCondition } from '../sources/common/collector-core.js';
import type { SourceProgress } from '../sources/source-progress.js';
import type { JoinScheduler, JoinSchedulerCondition, RecentRun } from './join-scheduler.js';

/*
 * The embedded runtime's status in the cluster's shape (src/api/status-view.ts):
 * each resource's `.status` computed from the pipeline's own state, where on a
 * cluster the controller and the workers write it. Pure: the pipeline hands
 * over what its parts know.
 */

/** What the pipeline's parts know, at one instant. */
/** What the status needs of one join scheduler. */
export interface JoinStatusParts {
  /** namespace/name */
  readonly id: string;
  readonly recentRuns: readonly RecentRun[];
  readonly noInputDates: readonly { readonly date: string; readonly emptyInputs: readonly string[] }[];
  readonly conditions: readonly JoinSchedulerCondition[];
  readonly nextScheduleTime: number | null;
  readonly nextDate: string | null;
  readonly lastScheduleTime: number | null;
}

/** The status parts of a running scheduler (the embedded pipeline and the tests read it the same way). */
export function joinStatusParts(s: JoinScheduler): JoinStatusParts {
  return {
    id: s.id,
    recentRuns: s.recentRuns,
    noInputDates: s.noInputDates,
    conditions: s.conditions,
    nextScheduleTime: s.plan?.nextScheduleTime ?? null,
    nextDate: s.plan?.nextDate ?? null,
    lastScheduleTime: s.lastScheduleTime,
  };
}

export interface EmbeddedStatusParts {
  readonly resources: readonly GridlakeResource[];
  /** the collectors (null: none run) */
  readonly sources: {
    readonly progress: readonly SourceProgress[];
    readonly conditions: Readonly<Record<string, readonly SourceCondition[]>>;
  } | null;
  /** running sinks, by LakeSink name */
  readonly sinks: readonly { readonly name: string; readonly progress: SinkProgressBlock | null }[];
  readonly joins: readonly JoinStatusParts[];
  /** the pipeline's clock (simulated in tests and simulations) */
  readonly nowMs: number;
  /** who reports: the progress blocks' `reporter` */
  readonly reporter: string;
  readonly dataDir: string;
  readonly lake?: string;
  readonly gridlakeVersion?: string;
}

/** Resources are listed in the order the CRDs are. */
const KIND_ORDER: readonly string[] = KINDS.map((k) => k.kind);

const nsOf = (r: GridlakeResource): string => r.metadata.namespace ?? 'default';

export function embeddedStatus(p: EmbeddedStatusParts): StatusView {
  const now = iso(p.nowMs);
  const cond: Cond = (type, ok, reason, message, since = now) => ({
    type,
    status: ok ? 'True' : 'False',
    reason,
    message,
    lastTransitionTime: since,
  });
  const resources: StatusResource[] = [];
  const all = p.resources;
  const sourceSpec = (spec: PowerSourceSpec | WeatherSourceSpec) => ({
    pollIntervalSeconds: spec.pollIntervalSeconds,
    dailyCallBudget: spec.dailyCallBudget,
    topic: spec.topic,
    suspend: spec.suspend,
  });
  const sourceStatus = (kind: 'power' | 'weather', id: string, suspended: boolean) => {
    const progress = p.sources?.progress.find((s) => s.source === id && s.kind === kind);
    const conditions = sourceConditions(suspended, progress, p.sources?.conditions[id] ?? [], cond);
    return {
      conditions,
      site: 'embedded',
      ...(progress === undefined ? {} : { progress: { ...progress.progress, reporter: p.reporter, updatedAt: now } }),
    };
  };
  for (const r of ofKind(all, 'PowerSource')) {
    const [namespace, name] = [nsOf(r), r.metadata.name];
    resources.push({
      kind: 'PowerSource',
      namespace,
      name,
      spec: sourceSpec(r.spec),
      status: sourceStatus('power', `${namespace}/${name}`, r.spec.suspend) as PowerSourceStatus,
    });
  }
  for (const r of ofKind(all, 'WeatherSource')) {
    const [namespace, name] = [nsOf(r), r.metadata.name];
    resources.push({
      kind: 'WeatherSource',
      namespace,
      name,
      spec: { ...sourceSpec(r.spec), locations: r.spec.locations },
      status: sourceStatus('weather', `${namespace}/${name}`, r.spec.suspend) as WeatherSourceStatus,
    });
  }
  for (const r of ofKind(all, 'LakeSink')) {
    const progress = p.sinks.find((s) => s.name === r.metadata.name)?.progress ?? null;
    const suspended = 'spec.suspend is true.';
    const status: LakeSinkStatus = {
      conditions: r.spec.suspend
        ? [cond('Ready', false, 'Suspended', suspended), cond('Sinking', false, 'Suspended', suspended)]
        : [
            cond('Ready', true, 'Available', 'The sink runs in this process.'),
            progress?.lastError
              ? cond(
                  'Sinking',
                  false,
                  'WorkerReportsError',
                  `${progress.lastError.class}: ${progress.lastError.message}`,
                  progress.lastError.time,
                )
              : cond('Sinking', true, 'WorkerReportsOk', progress === null ? 'No file written yet.' : 'Files land.'),
          ],
      ...(progress === null ? {} : { progress: { ...progress, reporter: p.reporter, updatedAt: now } }),
    };
    resources.push({
      kind: 'LakeSink',
      namespace: nsOf(r),
      name: r.metadata.name,
      spec: { topics: r.spec.topics, lake: r.spec.lake, flush: r.spec.flush, suspend: r.spec.suspend },
      status,
    });
  }
  for (const r of ofKind(all, 'DailyJoin')) {
    const [namespace, name] = [nsOf(r), r.metadata.name];
    const j = p.joins.find((x) => x.id === `${namespace}/${name}`);
    const runs = j?.recentRuns ?? [];
    resources.push({
      kind: 'DailyJoin',
      namespace,
      name,
      spec: {
        schedule: r.spec.schedule,
        timeZone: r.spec.timeZone,
        inputs: r.spec.inputs,
        quality: r.spec.quality,
        lateDataDays: r.spec.lateDataDays,
        suspend: r.spec.suspend,
      },
      status: joinStatus(r.spec.suspend, j, runs, now, cond),
    });
    // A date may have run more than once (catch-up, then late data): its newest run is the one a cluster keeps.
    const newestPerDate = new Map(runs.map((x) => [x.date, x]));
    for (const run of newestPerDate.values()) resources.push(runResource(namespace, name, run));
  }
  // RemoteSites need a hub cluster: the embedded runtime has none to show.
  resources.sort(
    (a, b) =>
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || cmp(a.namespace, b.namespace) || cmp(a.name, b.name),
  );
  return {
    version: 1,
    runtime: 'embedded',
    generatedAt: now,
    ...(p.gridlakeVersion === undefined ? {} : { gridlakeVersion: p.gridlakeVersion }),
    embedded: { dataDir: p.dataDir, ...(p.lake === undefined ? {} : { lake: p.lake }) },
    resources,
  };
}

/** Seconds, as an API server writes its timestamps. */
const iso = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

type Cond = (type: string, ok: boolean, reason: string, message: string, since?: string) => Condition;

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Ready and Collecting as the controller words them, plus what the collector raised itself. */
function sourceConditions(
  suspended: boolean,
  progress: SourceProgress | undefined,
  raised: readonly SourceCondition[],
  cond: Cond,
): Condition[] {
  if (suspended)
    return [
      cond('Ready', false, 'Suspended', 'spec.suspend is true.'),
      cond('Collecting', false, 'Suspended', 'spec.suspend is true.'),
    ];
  const p = progress?.progress;
  const failing = p?.lastOutcome !== undefined && p.lastOutcome !== 'ok' && p.lastOutcome !== 'no_data';
  const collecting =
    p?.lastOutcome === undefined
      ? {
          ...cond('Collecting', true, 'NoProgressYet', 'The collector has not polled yet.'),
          status: 'Unknown' as const,
        }
      : failing
        ? cond(
            'Collecting',
            false,
            'WorkerReportsError',
            p.lastError ? `${p.lastError.class}: ${p.lastError.message}` : `Last outcome: ${p.lastOutcome}.`,
            p.lastError?.time,
          )
        : cond('Collecting', true, 'WorkerReportsOk', `Last outcome: ${p.lastOutcome}.`);
  return [
    cond('Ready', true, 'Available', 'The collector runs in this process.'),
    collecting,
    ...raised.map((c) => ({ ...cond(c.type, true, c.reason, c.message, c.since) })),
  ];
}

function joinStatus(
  suspend: boolean,
  j: EmbeddedStatusParts['joins'][number] | undefined,
  runs: readonly RecentRun[],
  now: string,
  cond: Cond,
): DailyJoinStatus {
  const good = runs.filter((x) => x.summary.outcome === 'succeeded' || x.summary.outcome === 'partial');
  const newestGood = [...good].sort((a, b) => cmp(a.date, b.date)).at(-1);
  const last = runs.at(-1);
  return {
    conditions: [
      suspend
        ? cond('Ready', false, 'Suspended', 'spec.suspend is true.')
        : cond('Ready', true, 'Available', 'The join runs in this process.'),
      last === undefined
        ? cond('LastRunFailed', false, 'NoRunsYet', 'No run has finished yet.')
        : last.summary.outcome === 'failed'
          ? cond(
              'LastRunFailed',
              true,
              'LastRunFailed',
              `The run of ${last.date} failed: ${last.summary.reason ?? 'see the log'}.`,
              last.finishedAt,
            )
          : cond('LastRunFailed', false, 'LastRunSucceeded', `The run of ${last.date} succeeded.`, last.finishedAt),
      ...(j?.conditions ?? []).map((c) => ({ ...c, lastTransitionTime: now })),
    ],
    ...(j?.lastScheduleTime == null ? {} : { lastScheduleTime: iso(j.lastScheduleTime) }),
    ...(j?.nextScheduleTime == null || suspend ? {} : { nextScheduleTime: iso(j.nextScheduleTime) }),
    ...(j?.nextDate == null ? {} : { nextDate: j.nextDate }),
    ...(newestGood === undefined
      ? {}
      : { lastSuccessfulDate: newestGood.date, lastSuccessfulTime: newestGood.finishedAt }),
    ...(j === undefined || j.noInputDates.length === 0
      ? {}
      : {
          noInputDates: j.noInputDates.map((d) => ({
            date: d.date,
            emptyInputs: d.emptyInputs.filter((x): x is 'power' | 'weather' => x === 'power' || x === 'weather'),
          })),
        }),
  };
}

function runResource(namespace: string, join: string, run: RecentRun): StatusResource {
  const s = run.summary;
  const status: DailyJoinRunStatus = {
    state: s.outcome === 'failed' ? 'Failed' : 'Succeeded',
    outcome: runOutcome(s),
    attempts: run.attempts,
    startTime: run.startedAt,
    completionTime: run.finishedAt,
    ...(s.durationSeconds === undefined ? {} : { durationSeconds: s.durationSeconds }),
    ...(s.rows === undefined ? {} : { rows: s.rows }),
    ...(s.quality === undefined ? {} : { quality: s.quality }),
    ...(s.reason === undefined ? {} : { message: s.reason }),
  };
  return {
    kind: 'DailyJoinRun',
    namespace,
    name: dailyJoinRunName(join, run.date),
    spec: { joinRef: { name: join }, date: run.date, trigger: run.trigger },
    status,
  };
}
