import type { DailyJoinRunSpec, DailyJoinRunStatus } from './daily-join-run.js';
import type { DailyJoinSpec, DailyJoinStatus } from './daily-join.js';
import type { LakeSinkSpec, LakeSinkStatus } from './lake-sink.js';
import type { PowerSourceSpec, PowerSourceStatus } from './power-source.js';
import type { RemoteSiteSpec, RemoteSiteStatus } from './remote-site.js';
import type { WeatherSourceSpec, WeatherSourceStatus } from './weather-source.js';

/**
 * The one status shape both runtimes serve (`GET /status.json`, `gridlake
 * status -o json`, the status page): the gridlake resources with their
 * status as a cluster has them. On a cluster it is read from the API server;
 * the embedded runtime computes the same `.status` blocks from its own state
 * (collectors, sink, join schedulers). Only the spec fields a person needs to
 * read the status are kept. Fields are only ever added, never renamed.
 */
export interface StatusView {
  /** wire version: 1 */
  readonly version: 1;
  /** where the resources come from */
  readonly runtime: 'embedded' | 'cluster';
  /** when the snapshot was taken (ISO 8601 UTC) */
  readonly generatedAt: string;
  /** the gridlake version that built the snapshot */
  readonly gridlakeVersion?: string;
  /** the embedded runtime: its data folder, raw zone and warehouse (absent on a cluster) */
  readonly embedded?: {
    readonly dataDir: string;
    /** the lake folder (raw zone under `raw/`, warehouse under `warehouse/`) */
    readonly lake?: string;
  };
  /** the cluster: the kubeconfig context read and the namespace (absent: all) */
  readonly cluster?: { readonly context?: string; readonly namespace?: string };
  /** sources, sinks, joins (with their recent runs) and sites, by kind then namespace then name */
  readonly resources: readonly StatusResource[];
}

/** The spec fields a status reader needs, per kind. */
export type PowerSourceStatusSpec = Pick<
  PowerSourceSpec,
  'pollIntervalSeconds' | 'dailyCallBudget' | 'topic' | 'suspend'
>;
export type WeatherSourceStatusSpec = Pick<
  WeatherSourceSpec,
  'pollIntervalSeconds' | 'dailyCallBudget' | 'topic' | 'suspend' | 'locations'
>;
export type LakeSinkStatusSpec = Pick<LakeSinkSpec, 'topics' | 'lake' | 'flush' | 'suspend'>;
export type DailyJoinStatusSpec = Pick<
  DailyJoinSpec,
  'schedule' | 'timeZone' | 'inputs' | 'quality' | 'lateDataDays' | 'suspend'
>;
export type DailyJoinRunStatusSpec = DailyJoinRunSpec;
export type RemoteSiteStatusSpec = Pick<RemoteSiteSpec, 'displayName' | 'leaseDurationSeconds'>;

interface ResourceOf<K extends string, S, T> {
  readonly kind: K;
  readonly namespace: string;
  readonly name: string;
  readonly spec: S;
  /** exactly the resource's `.status` (empty object when none was written yet) */
  readonly status: T;
}

export type PowerSourceStatusResource = ResourceOf<'PowerSource', PowerSourceStatusSpec, PowerSourceStatus>;
export type WeatherSourceStatusResource = ResourceOf<'WeatherSource', WeatherSourceStatusSpec, WeatherSourceStatus>;
export type LakeSinkStatusResource = ResourceOf<'LakeSink', LakeSinkStatusSpec, LakeSinkStatus>;
export type DailyJoinStatusResource = ResourceOf<'DailyJoin', DailyJoinStatusSpec, DailyJoinStatus>;
/** a run of a DailyJoin: the last ones per join (a cluster keeps its history limits; embedded keeps the last 10) */
export type DailyJoinRunStatusResource = ResourceOf<'DailyJoinRun', DailyJoinRunStatusSpec, DailyJoinRunStatus>;
export type RemoteSiteStatusResource = ResourceOf<'RemoteSite', RemoteSiteStatusSpec, RemoteSiteStatus>;

export type StatusResource =
  | PowerSourceStatusResource
  | WeatherSourceStatusResource
  | LakeSinkStatusResource
  | DailyJoinStatusResource
  | DailyJoinRunStatusResource
  | RemoteSiteStatusResource;

export type StatusKind = StatusResource['kind'];

/** Overall health of a row: what colour a person sees. */
export type RowHealth = 'ok' | 'warning' | 'error' | 'unknown';

/** The rows people read (table and page), made from a StatusView by `summarizeStatus` (pure). */
export interface StatusSummary {
  readonly generatedAt: string;
  readonly runtime: StatusView['runtime'];
  readonly sources: readonly SourceRow[];
  readonly sinks: readonly SinkRow[];
  readonly joins: readonly JoinRow[];
  readonly sites: readonly SiteRow[];
}

export interface SourceRow {
  readonly kind: 'PowerSource' | 'WeatherSource';
  readonly namespace: string;
  readonly name: string;
  readonly health: RowHealth;
  /** newest reading's (power) or observation's (weather) base time */
  readonly newestTime?: string;
  /** now minus newestTime, seconds */
  readonly ageSeconds?: number;
  readonly lastPollTime?: string;
  readonly lastOutcome?: string;
  /** power: demand, supply capacity, reserve; weather: temperature per location */
  readonly values: readonly { readonly label: string; readonly value: number; readonly unit: string }[];
  readonly callsToday?: number;
  readonly dailyCallBudget: number;
  readonly recordsTotal?: number;
  readonly suspended: boolean;
  /** one sentence: the last error, or a condition not True, or empty */
  readonly message: string;
}

export interface SinkRow {
  readonly namespace: string;
  readonly name: string;
  readonly health: RowHealth;
  readonly topics: readonly string[];
  readonly recordsTotal?: number;
  readonly filesTotal?: number;
  readonly bytesTotal?: number;
  readonly lagRecords?: number;
  readonly lastFlushTime?: string;
  /** now minus lastFlushTime, seconds */
  readonly lastFlushAgeSeconds?: number;
  readonly suspended: boolean;
  readonly message: string;
}

export interface JoinRunRow {
  readonly date: string;
  readonly trigger?: string;
  readonly state?: string;
  readonly outcome?: string;
  readonly completionTime?: string;
  readonly powerCoverage?: number;
  readonly weatherCoverage?: number;
  readonly qualityLevel?: 'ok' | 'partial' | 'site_late';
  readonly dailyRows?: number;
  readonly message?: string;
}

export interface JoinRow {
  readonly namespace: string;
  readonly name: string;
  readonly health: RowHealth;
  readonly schedule: string;
  /** the newest date run, with its outcome and quality (newest date first in `runs`) */
  readonly last?: JoinRunRow;
  readonly runs: readonly JoinRunRow[];
  readonly lastSuccessfulDate?: string;
  readonly nextScheduleTime?: string;
  readonly nextDate?: string;
  /** dates joined without input, waiting for raw files */
  readonly noInputDates: readonly string[];
  readonly activeDates: readonly string[];
  readonly suspended: boolean;
  readonly message: string;
}

export interface SiteRow {
  readonly name: string;
  readonly health: RowHealth;
  readonly connected: boolean;
  readonly lastHeartbeatTime?: string;
  readonly heartbeatAgeSeconds?: number;
  readonly agentVersion?: string;
  readonly spoolRecords?: number;
  /** the oldest forwarded watermark of the site's sources */
  readonly watermark?: string;
  readonly message: string;
}
