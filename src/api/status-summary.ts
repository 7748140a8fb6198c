import type { Condition } from './common.js';
import type {
  DailyJoinRunStatusResource,
  DailyJoinStatusResource,
  JoinRow,
  JoinRunRow,
  LakeSinkStatusResource,
  PowerSourceStatusResource,
  RemoteSiteStatusResource,
  RowHealth,
  SinkRow,
  SiteRow,
  SourceRow,
  StatusResource,
  StatusSummary,
  StatusView,
  WeatherSourceStatusResource,
} from './status-view.js';

/*
 * The rows a person reads, made from the resources' status alone (pure), so
 * `gridlake status` and the status page say the same thing in both runtimes.
 */

/** Runs of a join shown beside it, newest date first. */
const RUNS_SHOWN = 5;

/** A source is stale when its newest reading is older than this many poll intervals (plus the publication delay). */
const STALE_POLLS = 3;
const PUBLICATION_SLACK_S = 3600;

/** Outcomes of a poll that are not a failure (docs/upstream-apis.md). */
const GOOD_POLLS = new Set<string>(['ok', 'no_data']);

export function summarizeStatus(view: StatusView, nowMs: number): StatusSummary {
  const byKind = <K extends StatusResource['kind']>(kind: K): Extract<StatusResource, { kind: K }>[] =>
    view.resources.filter((r): r is Extract<StatusResource, { kind: K }> => r.kind === kind);
  const runs = byKind('DailyJoinRun');
  return {
    generatedAt: view.generatedAt,
    runtime: view.runtime,
    sources: [
      ...byKind('PowerSource').map((r) => powerRow(r, nowMs)),
      ...byKind('WeatherSource').map((r) => weatherRow(r, nowMs)),
    ],
    sinks: byKind('LakeSink').map((r) => sinkRow(r, nowMs)),
    joins: byKind('DailyJoin').map((r) => joinRow(r, runs)),
    sites: byKind('RemoteSite').map((r) => siteRow(r, nowMs)),
  };
}

const ageOf = (iso: string | undefined, nowMs: number): number | undefined => {
  if (iso === undefined) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : Math.max(0, Math.round((nowMs - t) / 1000));
};

/** The condition that says best what is wrong, if any. */
function troubleOf(conditions: readonly Condition[] | undefined, good: Readonly<Record<string, 'True' | 'False'>>) {
  const troubles = (conditions ?? []).filter((c) => {
    const want = good[c.type];
    return want !== undefined && c.status !== want && c.status !== 'Unknown';
  });
  // What stops the work names the cause better than what follows from it (QuotaExhausted before Collecting).
  return troubles.find((c) => BLOCKING.has(c.type)) ?? troubles[0];
}

/** Condition types whose good status is True (Ready, Collecting…) or False (SecretMissing, NoInput…). */
const SOURCE_GOOD = {
  Ready: 'True',
  Collecting: 'True',
  SecretMissing: 'False',
  InvalidSpec: 'False',
  BudgetExceeded: 'False',
  QuotaExhausted: 'False',
  AuthFailed: 'False',
  BadRequest: 'False',
  Degraded: 'False',
} as const;
const SINK_GOOD = { Ready: 'True', Sinking: 'True', SecretMissing: 'False', InvalidSpec: 'False' } as const;
const JOIN_GOOD = { Ready: 'True', InvalidSpec: 'False', LastRunFailed: 'False', NoInput: 'False' } as const;
const SITE_GOOD = { Ready: 'True', Registered: 'True', AgentConnected: 'True' } as const;

/** Conditions that stop the work (error) rather than degrade it (warning). */
const BLOCKING = new Set([
  'AuthFailed',
  'BadRequest',
  'SecretMissing',
  'InvalidSpec',
  'QuotaExhausted',
  'LastRunFailed',
]);

function healthOf(o: {
  readonly trouble: Condition | undefined;
  readonly error?: boolean;
  readonly stale?: boolean;
  readonly known: boolean;
}): RowHealth {
  if (o.error === true || (o.trouble !== undefined && BLOCKING.has(o.trouble.type))) return 'error';
  if (o.trouble !== undefined || o.stale === true) return 'warning';
  return o.known ? 'ok' : 'unknown';
}

function sourceCommon(
  r: PowerSourceStatusResource | WeatherSourceStatusResource,
  newestTime: string | undefined,
  nowMs: number,
): Omit<SourceRow, 'kind' | 'values'> {
  const p = r.status.progress;
  const ageSeconds = ageOf(newestTime, nowMs);
  const trouble = troubleOf(r.status.conditions, SOURCE_GOOD);
  const failing = p?.lastOutcome !== undefined && !GOOD_POLLS.has(p.lastOutcome);
  const stale =
    !r.spec.suspend &&
    ageSeconds !== undefined &&
    ageSeconds > STALE_POLLS * r.spec.pollIntervalSeconds + PUBLICATION_SLACK_S;
  const message = trouble?.message ?? (failing && p?.lastError ? `${p.lastError.class}: ${p.lastError.message}` : '');
  return {
    namespace: r.namespace,
    name: r.name,
    health: r.spec.suspend
      ? 'unknown'
      : healthOf({ trouble, stale: stale || failing, known: p?.lastPollTime !== undefined }),
    ...(newestTime === undefined ? {} : { newestTime }),
    ...(ageSeconds === undefined ? {} : { ageSeconds }),
    ...(p?.lastPollTime === undefined ? {} : { lastPollTime: p.lastPollTime }),
    ...(p?.lastOutcome === undefined ? {} : { lastOutcome: p.lastOutcome }),
    ...(p?.callsToday === undefined ? {} : { callsToday: p.callsToday }),
    dailyCallBudget: r.spec.dailyCallBudget,
    ...(p?.recordsTotal === undefined ? {} : { recordsTotal: p.recordsTotal }),
    suspended: r.spec.suspend,
    message: r.spec.suspend ? 'suspended (spec.suspend)' : message,
  };
}

function powerRow(r: PowerSourceStatusResource, nowMs: number): SourceRow {
  const p = r.status.progress;
  const v = p?.lastReading;
  const values: SourceRow['values'] =
    v === undefined
      ? []
      : [
          { label: 'demand', value: v.currentDemandMw, unit: 'MW' },
          { label: 'supply', value: v.supplyCapacityMw, unit: 'MW' },
          ...(v.supplyReservePct === undefined ? [] : [{ label: 'reserve', value: v.supplyReservePct, unit: '%' }]),
        ];
  return { kind: 'PowerSource', ...sourceCommon(r, p?.lastReadingTime, nowMs), values };
}

function weatherRow(r: WeatherSourceStatusResource, nowMs: number): SourceRow {
  const p = r.status.progress;
  const values: SourceRow['values'] = (p?.locations ?? []).flatMap((l) =>
    l.temperatureC === undefined ? [] : [{ label: l.name, value: l.temperatureC, unit: '°C' }],
  );
  return { kind: 'WeatherSource', ...sourceCommon(r, p?.lastObservationTime, nowMs), values };
}

function sinkRow(r: LakeSinkStatusResource, nowMs: number): SinkRow {
  const p = r.status.progress;
  const trouble = troubleOf(r.status.conditions, SINK_GOOD);
  const lastFlushAgeSeconds = ageOf(p?.lastFlushTime, nowMs);
  return {
    namespace: r.namespace,
    name: r.name,
    health: r.spec.suspend
      ? 'unknown'
      : healthOf({ trouble, error: p?.lastError !== undefined, known: p !== undefined }),
    topics: r.spec.topics,
    ...(p?.recordsTotal === undefined ? {} : { recordsTotal: p.recordsTotal }),
    ...(p?.filesTotal === undefined ? {} : { filesTotal: p.filesTotal }),
    ...(p?.bytesTotal === undefined ? {} : { bytesTotal: p.bytesTotal }),
    ...(p?.lagRecords === undefined ? {} : { lagRecords: p.lagRecords }),
    ...(p?.lastFlushTime === undefined ? {} : { lastFlushTime: p.lastFlushTime }),
    ...(lastFlushAgeSeconds === undefined ? {} : { lastFlushAgeSeconds }),
    suspended: r.spec.suspend,
    message: r.spec.suspend ? 'suspended (spec.suspend)' : (p?.lastError?.message ?? trouble?.message ?? ''),
  };
}

function runRow(r: DailyJoinRunStatusResource): JoinRunRow {
  const s = r.status;
  return {
    date: r.spec.date,
    trigger: r.spec.trigger,
    ...(s.state === undefined ? {} : { state: s.state }),
    ...(s.outcome === undefined ? {} : { outcome: s.outcome }),
    ...(s.completionTime === undefined ? {} : { completionTime: s.completionTime }),
    ...(s.quality === undefined
      ? {}
      : {
          powerCoverage: s.quality.powerCoverage,
          weatherCoverage: s.quality.weatherCoverage,
          qualityLevel: s.quality.level,
        }),
    ...(s.rows === undefined ? {} : { dailyRows: s.rows.dailyOut }),
    ...(s.message === undefined ? {} : { message: s.message }),
  };
}

function joinRow(r: DailyJoinStatusResource, allRuns: readonly DailyJoinRunStatusResource[]): JoinRow {
  const s = r.status;
  const runs = allRuns
    .filter((x) => x.namespace === r.namespace && x.spec.joinRef.name === r.name)
    .map(runRow)
    .sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0))
    .slice(0, RUNS_SHOWN);
  // The newest finished date: a date still running says nothing yet about how it went.
  const last = runs.find((x) => x.outcome !== undefined) ?? runs[0];
  const trouble = troubleOf(s.conditions, JOIN_GOOD);
  const failed = last?.outcome === 'Failed';
  const partial = last?.outcome === 'Partial' || last?.outcome === 'NoInput';
  return {
    namespace: r.namespace,
    name: r.name,
    health: r.spec.suspend
      ? 'unknown'
      : healthOf({
          trouble,
          error: failed,
          stale: partial,
          known: last !== undefined || s.lastSuccessfulDate !== undefined,
        }),
    schedule: `${r.spec.schedule} (${r.spec.timeZone})`,
    ...(last === undefined ? {} : { last }),
    runs,
    ...(s.lastSuccessfulDate === undefined ? {} : { lastSuccessfulDate: s.lastSuccessfulDate }),
    ...(s.nextScheduleTime === undefined ? {} : { nextScheduleTime: s.nextScheduleTime }),
    ...(s.nextDate === undefined ? {} : { nextDate: s.nextDate }),
    noInputDates: (s.noInputDates ?? []).map((d) => d.date),
    activeDates: (s.activeRuns ?? []).map((a) => a.date),
    suspended: r.spec.suspend,
    message: r.spec.suspend
      ? 'suspended (spec.suspend)'
      : (trouble?.message ?? (failed ? (last.message ?? 'the last run failed') : '')),
  };
}

function siteRow(r: RemoteSiteStatusResource, nowMs: number): SiteRow {
  const s = r.status;
  const agent = s.agent;
  const connected = s.conditions?.find((c) => c.type === 'AgentConnected')?.status === 'True';
  const trouble = troubleOf(s.conditions, SITE_GOOD);
  const heartbeatAgeSeconds = ageOf(agent?.lastHeartbeatTime, nowMs);
  // The site is as far as its slowest source.
  const watermark = s.sources?.map((x) => x.forwardedWatermark).sort()[0];
  return {
    name: r.name,
    health: healthOf({ trouble, known: s.conditions !== undefined }),
    connected,
    ...(agent?.lastHeartbeatTime === undefined ? {} : { lastHeartbeatTime: agent.lastHeartbeatTime }),
    ...(heartbeatAgeSeconds === undefined ? {} : { heartbeatAgeSeconds }),
    ...(agent?.version === undefined ? {} : { agentVersion: agent.version }),
    ...(agent?.spoolRecords === undefined ? {} : { spoolRecords: agent.spoolRecords }),
    ...(watermark === undefined ? {} : { watermark }),
    message: trouble?.message ?? '',
  };
}

/** `42s ago`, `3m ago`, `5h ago`, `2d ago`: how people read freshness. */
export function formatAge(seconds: number | undefined): string {
  if (seconds === undefined) return '-';
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400 * 2) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}
