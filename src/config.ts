import {
  Type,
  type Static,
  type TArray,
  type TBoolean,
  type TInteger,
  type TNumber,
  type TObject,
  type TSchema,
  type TString,
} from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LakeLocation } from './api/common.js';
import { LOCAL_LAKE, POWER_TOPIC, SQL_LOAD_MODES, WEATHER_TOPIC } from './api/defaults.js';
import { FlushPolicy } from './api/lake-sink.js';
import { StringEnum } from './api/schema-kit.js';
import { glError } from './errors.js';
import { QUERY_OUTPUTS } from './lake/query-output.js';
import { MAX_BUFFERED_BYTES } from './lake/sink-options.js';

/*
 * Every command's settings, validated once before anything starts: commander's
 * parsed flags plus the environment (injected; the CLI entry passes
 * process.env) become one typed config, or a GL_CONFIG_INVALID error naming the
 * flag or variable. Defaults shared with a custom resource are read from its
 * schema in src/api, so a resource and the command that runs it agree.
 */

/** The environment a command reads (process.env in the CLI; a plain object in tests). */
export type Env = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;

/** The program-wide flags (src/cli/program.ts), given to every command beside its own. */
const PROCESS_FLAGS = new Set(['logFormat', 'debug']);

/** What every command takes from the environment. */
export interface ProcessSettings {
  /** GRIDLAKE_LOG_LEVEL, default info */
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** --log-format or GRIDLAKE_LOG_FORMAT; undefined: pretty in a terminal, else json */
  readonly logFormat: (typeof LOG_FORMATS)[number] | undefined;
  /** false with NO_COLOR set; undefined: colours when the log stream is a terminal */
  readonly logColor: false | undefined;
  /** --debug: a failed command prints its stack trace too */
  readonly debug: boolean;
  /** POD_NAME: who writes `status.progress` (else the host name) */
  readonly podName: string | undefined;
  /** the whole environment, for the kubeconfig loader (KUBECONFIG, HOME, in-cluster variables) */
  readonly env: Env;
}

const defaultOf = <T>(schema: TSchema): T => (schema as { default: T }).default;

// Read from the CRD schemas: the sink command and a LakeSink resource flush alike, the join and the API share a region.
const FLUSH = FlushPolicy.properties;
const REGION = defaultOf<string>(LakeLocation.properties.region);

const Text = (description: string, def?: string): TString =>
  Type.String({ description, minLength: 1, ...(def === undefined ? {} : { default: def }) });
const Int = (description: string, minimum: number, def?: number, maximum?: number): TInteger =>
  Type.Integer({
    description,
    minimum,
    ...(maximum === undefined ? {} : { maximum }),
    ...(def === undefined ? {} : { default: def }),
  });
const Port = (def: number): TInteger => Int('TCP port (0: any free port)', 0, def, 65535);
const List = (description: string): TArray<TString> => Type.Array(Type.String({ minLength: 1 }), { description });
const Flag = (description: string): TBoolean => Type.Boolean({ description });
const Opt = <T extends TSchema>(s: T) => Type.Optional(s);
const closed = { additionalProperties: false } as const;

export const SimulateSettings = Type.Object(
  {
    host: Text('address to listen on', '127.0.0.1'),
    port: Port(8089),
    clock: Text('simulated start (ISO-8601 or now) and speed factor', 'now,1'),
    config: Opt(Text('simulator config file (JSON or YAML)')),
    fault: Opt(List('faults, JSON each')),
    quotaKpx: Opt(Int('calls per key per KPX operation per KST day', 0)),
    quotaKma: Opt(Int('calls per key per KST day on the nowcast', 0)),
    allowClient: Opt(List('client addresses served')),
    key: Opt(List('service keys accepted')),
    legacyOpen: Opt(Flag('serve data on the legacy KPX operation')),
  },
  closed,
);

export const CollectSettings = Type.Object(
  {
    kind: StringEnum(['power', 'weather'] as const, { description: 'power (KPX) or weather (KMA)' }),
    source: Text('namespace/name of the source'),
    api: StringEnum(['gateway', 'legacy'] as const, { description: 'KPX endpoint kind', default: 'gateway' }),
    endpoint: Opt(Text('API base URL')),
    serviceKeyEnv: Text('environment variable holding the service key', 'GRIDLAKE_SERVICE_KEY'),
    location: Opt(List('weather locations, name=nx,ny or name=lat,lon')),
    brokers: Opt(Text('Kafka bootstrap servers, comma-separated')),
    spoolDir: Opt(Text('local durable log folder')),
    topic: Opt(Text('topic for readings')),
    deadletterTopic: Opt(Text('topic for dead letters')),
    /** minutes: the flag's name is part of the command lines the operator renders */
    pollInterval: Opt(Type.Number({ description: 'power poll interval, minutes', exclusiveMinimum: 0 })),
    budgetKpxLatest: Opt(Int('calls per KST day on the KPX latest/legacy operation', 0)),
    budgetKpxHistory: Opt(Int('calls per KST day on the KPX history operation', 0)),
    budgetKma: Opt(Int('calls per KST day on the KMA nowcast', 0)),
    clock: Opt(Text('simulated clock, start,speed')),
    stateFile: Opt(Text('checkpoint file')),
    timeoutMs: Int('per-request timeout, ms', 1, 10_000),
    metricsPort: Port(9464),
    metricsHost: Text('address for the metrics server', '0.0.0.0'),
    reportStatus: Opt(Flag('write status.progress')),
    kubeconfig: Opt(Text('kubeconfig for --report-status')),
  },
  closed,
);

export const SinkSettings = Type.Object(
  {
    config: Opt(Text('a LakeSink resource file')),
    sink: Opt(Text('namespace/name of the LakeSink')),
    name: Text('sink name (metrics, dead letters)', 'lake'),
    group: Text('consumer group', 'gridlake-sink'),
    topics: Text('comma-separated topics', `${POWER_TOPIC},${WEATHER_TOPIC}`),
    brokers: Opt(Text('Kafka bootstrap brokers, comma-separated')),
    localLog: Opt(Text('local durable log folder')),
    bucket: Opt(Text('S3 bucket')),
    lakeDir: Opt(Text('lake folder')),
    prefix: Type.String({ description: 'key prefix inside the bucket', default: '' }),
    endpoint: Opt(Text('S3 endpoint')),
    region: Text('S3 region', REGION),
    createBucket: Opt(Flag('create the bucket when missing')),
    maxRecords: Int('flush a partition at this many records', 1, defaultOf<number>(FLUSH.maxRecords)),
    maxBytes: Int('flush a partition at this many bytes', 1, defaultOf<number>(FLUSH.maxBytes)),
    maxAgeMs: Int(
      'flush a partition this long after its oldest record, ms',
      1,
      defaultOf<number>(FLUSH.maxAgeSeconds) * 1000,
    ),
    maxBufferedBytes: Int('global buffer cap, bytes', 1, MAX_BUFFERED_BYTES),
    metricsPort: Port(9464),
    reportStatus: Opt(Flag('write status.progress')),
    kubeconfig: Opt(Text('kubeconfig for --report-status')),
  },
  closed,
);

/** Where a command that reads the lake finds it: a local folder, or an S3 bucket (`gridlake join`, `query`). */
const LakeFlags = {
  lake: Text('local-folder lake root', LOCAL_LAKE),
  bucket: Opt(Text('S3 bucket')),
  prefix: Type.String({ description: 'key prefix of the lake inside the bucket', default: '' }),
  endpoint: Opt(Text('S3 endpoint')),
  region: Text('S3 region', REGION),
};

const Ratio = (description: string): TNumber => Type.Number({ description, minimum: 0, maximum: 1 });

export const JoinSettings = Type.Object(
  {
    join: Text('namespace/name of the DailyJoin'),
    date: Text('the KST logical date'),
    ...LakeFlags,
    reportFile: Opt(Text('run summary file (the termination message)')),
    locations: Opt(Type.String({ description: 'comma-separated configured locations' })),
    powerTopic: Opt(Text('power topic in the raw zone')),
    weatherTopic: Opt(Text('weather topic in the raw zone')),
    rawPrefix: Opt(Text('raw zone prefix')),
    warehousePrefix: Opt(Text('warehouse zone prefix')),
    powerCoverageMin: Opt(Ratio('power coverage threshold')),
    weatherCoverageMin: Opt(Ratio('weather coverage threshold')),
    sqlMode: Opt(StringEnum(SQL_LOAD_MODES, { description: 'SQL load mode' })),
    sqlUrlEnv: Text('environment variable holding the SQL URL', 'GRIDLAKE_JOIN_SQL_URL'),
    sqlHourlyTable: Opt(Text('SQL table for power_weather_hourly')),
    sqlDailyTable: Opt(Text('SQL table for power_weather_daily')),
    metricsTextfile: Opt(Text('Prometheus text file written after the run')),
    lateDataDays: Opt(Int('earlier dates checked for late data', 0, undefined, 31)),
    rejoinDays: Opt(Int('earlier dates checked for dates joined without input', 0, undefined, 366)),
    allowNoInput: Opt(Flag('exit 0 when the date has no input')),
    siteLate: Opt(Flag('a remote site had not forwarded the whole date: daily rows get quality site_late')),
  },
  closed,
);

const Seconds = (description: string, def: number): TNumber =>
  Type.Number({ description, exclusiveMinimum: 0, default: def });

export const ControllerSettings = Type.Object(
  {
    kubeconfig: Opt(Text('kubeconfig file')),
    namespace: Opt(Text('watch only this namespace')),
    controllers: Opt(Type.String({ description: 'comma-separated subset of the controllers' })),
    image: Text('gridlake image for workers', 'ghcr.io/gridlake/gridlake:0.1.0'),
    imagePullPolicy: Opt(StringEnum(['Always', 'IfNotPresent', 'Never'] as const, { description: 'pull policy' })),
    brokers: Opt(Text('Kafka bootstrap servers passed to workers')),
    metricsPort: Port(8080),
    metricsHost: Text('address for the metrics server', '0.0.0.0'),
    leaderElect: Type.Boolean({ description: 'reconcile only while holding the Lease', default: true }),
    leaseNamespace: Opt(Text('namespace of the leader Lease')),
    leaseName: Text('name of the leader Lease', 'gridlake-controller'),
    identity: Opt(Text('leader-election identity')),
    leaseDurationSeconds: Seconds('how long a standby waits before taking an unrenewed Lease', 15),
    renewDeadlineSeconds: Seconds('how long the leader keeps trying to renew', 10),
    retryPeriodSeconds: Seconds('time between Lease attempts', 2),
  },
  closed,
);

export const StandaloneSettings = Type.Object(
  {
    resources: Opt(Text('folder of resource YAML (default: the examples/embedded shipped with gridlake)')),
    dataDir: Text('where the local log and lake live', '.gridlake'),
    port: Port(9464),
    host: Text('address to listen on', '127.0.0.1'),
    reset: Opt(Flag('delete the data folder first, after asking')),
    yes: Opt(Flag('with --reset: do not ask')),
  },
  closed,
);

/** More dates than this need `--yes`: a year of dates is a backfill, more is likely a typo. */
export const MAX_BACKFILL_DATES = 366;
export const BACKFILL_OUTPUTS = ['text', 'json'] as const;

export const BackfillSettings = Type.Object(
  {
    join: Text('name (or namespace/name) of the DailyJoin'),
    from: Text('first KST logical date'),
    to: Text('last KST logical date'),
    resources: Opt(Text('folder of resource YAML (default: the examples/embedded shipped with gridlake)')),
    dataDir: Text('where the local lake lives', '.gridlake'),
    kubeconfig: Opt(Text('kubeconfig of the cluster whose DailyJoin is backfilled')),
    namespace: Opt(Text('namespace of the DailyJoin')),
    parallel: Opt(Int('runs unfinished at once on a cluster', 1, undefined, 64)),
    output: Opt(StringEnum(BACKFILL_OUTPUTS, { description: 'text or json summary' })),
    allowNoInput: Opt(Flag('exit 0 when dates have no input')),
    yes: Opt(Flag(`more than ${MAX_BACKFILL_DATES} dates`)),
  },
  closed,
);

export const QuerySettings = Type.Object(
  {
    sql: Text('the SQL to run'),
    ...LakeFlags,
    output: Opt(StringEnum(QUERY_OUTPUTS, { description: 'table, csv or json' })),
  },
  closed,
);

/** `--spool-limit-bytes` default: 1 GiB of readings is weeks of a site's sources (a reading is a few hundred bytes). */
export const DEFAULT_SPOOL_LIMIT_BYTES = 1024 ** 3;

export const AgentSettings = Type.Object(
  {
    site: Type.String({ description: 'the RemoteSite this agent serves', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }),
    bootstrapKubeconfig: Opt(Text('kubeconfig with the one-hour bootstrap token')),
    stateDir: Text('spool, token and checkpoints (a volume)', '.gridlake-agent'),
    spoolLimitBytes: Int('bound of the spool, bytes', 1, DEFAULT_SPOOL_LIMIT_BYTES),
    kafkaBrokers: Text('hub Kafka bootstrap servers (SASL_SSL), comma-separated'),
    kafkaCaFile: Opt(Text('CA certificate (PEM) the hub Kafka listener is checked against')),
    kafkaUsername: Opt(Text("the site's SCRAM-SHA-512 user (default: site-<site>)")),
    kafkaPasswordFile: Opt(Text("file holding the site's Kafka password")),
    heartbeatSeconds: Seconds('Lease renewal interval', 10),
    tokenSeconds: Opt(
      Int('lifetime of the tokens the agent requests, s (default: what the hub wrote on the Lease)', 600),
    ),
    metricsPort: Port(9464),
    metricsHost: Text('address for the metrics server', '0.0.0.0'),
    podName: Opt(Text('who writes status.progress, with the site')),
    clock: Opt(Text("simulated clock of the site's collectors, start,speed")),
  },
  closed,
);

/** Where `gridlake status` reads when no flag says: the embedded default's observe server. */
export const DEFAULT_STATUS_URL = 'http://127.0.0.1:9464';
export const STATUS_OUTPUTS = ['table', 'json'] as const;

export const StatusSettings = Type.Object(
  {
    url: Text('base URL of a running gridlake standalone', DEFAULT_STATUS_URL),
    cluster: Opt(Flag('read the resources from a cluster (the kubeconfig: --kubeconfig, else the default loader)')),
    kubeconfig: Opt(Text('kubeconfig file (reads a cluster)')),
    namespace: Opt(Text('only this namespace (default: all)')),
    output: Opt(StringEnum(STATUS_OUTPUTS, { description: 'table or json' })),
  },
  closed,
);

export type SimulateConfig = Static<typeof SimulateSettings> & ProcessSettings;
export type CollectConfig = Static<typeof CollectSettings> & ProcessSettings & { readonly serviceKey: string };
export type SinkSettings = Static<typeof SinkSettings>;
export type SinkCommandConfig = SinkSettings &
  ProcessSettings & {
    readonly credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  };
export type JoinCommandConfig = Static<typeof JoinSettings> &
  ProcessSettings & {
    /** the SQL URL from `$sqlUrlEnv`, with `--sql-mode` */
    readonly sqlUrl: string | undefined;
    readonly credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  };
export type QueryConfig = Static<typeof QuerySettings> &
  ProcessSettings & {
    readonly credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  };
export type StatusConfig = Static<typeof StatusSettings> &
  ProcessSettings & {
    /** the cluster (with --cluster or --kubeconfig), else the standalone at --url */
    readonly mode: 'local' | 'cluster';
  };
export type ControllerConfig = Static<typeof ControllerSettings> & ProcessSettings;
export type AgentConfig = Static<typeof AgentSettings> & ProcessSettings;
export type BackfillConfig = Static<typeof BackfillSettings> &
  ProcessSettings & {
    /** the dates from --from to --to, in order */
    readonly dates: readonly string[];
    /** the DailyJoin's name, without a namespace */
    readonly joinName: string;
    /** cluster with --kubeconfig: DailyJoinRuns; else the local runtime on --data-dir */
    readonly mode: 'local' | 'cluster';
    readonly resources: string;
  };
export type StandaloneConfig = Static<typeof StandaloneSettings> & ProcessSettings & { readonly resources: string };

/** `--metrics-port` for the key `metricsPort`; `names` overrides (env variables, negated flags). */
const flagOf = (key: string, names: Readonly<Record<string, string>>): string =>
  names[key] ?? `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function invalid(message: string, context: Record<string, unknown>): never {
  throw glError('GL_CONFIG_INVALID', message, { context });
}

/**
 * Validates `raw` against `schema`: numbers given as text are read as numbers
 * (and refused when they are not), defaults are filled in, unknown keys are
 * refused. The error names the flag (or the variable, through `names`).
 */
export function parseSettings<T extends TObject>(
  schema: T,
  raw: Readonly<Record<string, unknown>>,
  names: Readonly<Record<string, string>> = {},
): Static<T> {
  const value: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(raw)) {
    if (v === undefined || PROCESS_FLAGS.has(key)) continue;
    const type = (schema.properties[key] as { type?: string } | undefined)?.type;
    const numeric = (type === 'integer' || type === 'number') && typeof v === 'string';
    value[key] = numeric && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  const filled = Value.Default(schema, value) as Record<string, unknown>;
  const first = Value.Errors(schema, filled).First();
  if (first === undefined) return filled as Static<T>;
  const key = first.path.split('/')[1] ?? '';
  const name = flagOf(key, names);
  if (!(key in schema.properties)) invalid(`unknown option ${name}`, { option: name });
  invalid(`${name}: ${first.message.toLowerCase()} (got ${JSON.stringify(raw[key])})`, {
    option: name,
    value: raw[key],
  });
}

/** GRIDLAKE_LOG_LEVEL, the log format, POD_NAME and the environment itself. */
export function processSettings(env: Env, flags: Readonly<Record<string, unknown>> = {}): ProcessSettings {
  const level = env['GRIDLAKE_LOG_LEVEL'] ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level))
    invalid(`GRIDLAKE_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got ${JSON.stringify(level)})`, {
      env: 'GRIDLAKE_LOG_LEVEL',
      value: level,
    });
  const format = flags['logFormat'] ?? present(env['GRIDLAKE_LOG_FORMAT']);
  if (format !== undefined && !(LOG_FORMATS as readonly unknown[]).includes(format))
    invalid(`--log-format must be one of ${LOG_FORMATS.join(', ')} (got ${JSON.stringify(format)})`, {
      option: '--log-format',
      env: 'GRIDLAKE_LOG_FORMAT',
      value: format,
    });
  return {
    logLevel: level as ProcessSettings['logLevel'],
    logFormat: format as ProcessSettings['logFormat'],
    logColor: present(env['NO_COLOR']) === undefined ? undefined : false,
    debug: flags['debug'] === true,
    podName: present(env['POD_NAME']),
    env,
  };
}

const present = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);

/** AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, when both are set (else the SDK's default chain). */
function awsCredentials(env: Env): { accessKeyId: string; secretAccessKey: string } | undefined {
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
}

export function simulateConfig(flags: Readonly<Record<string, unknown>>, env: Env): SimulateConfig {
  return { ...parseSettings(SimulateSettings, flags), ...processSettings(env, flags) };
}

export function collectConfig(flags: Readonly<Record<string, unknown>>, env: Env): CollectConfig {
  const settings = parseSettings(CollectSettings, flags);
  if (settings.brokers !== undefined && settings.spoolDir !== undefined)
    invalid('give --brokers or --spool-dir, not both', { options: ['--brokers', '--spool-dir'] });
  if (settings.kind === 'weather' && (settings.location ?? []).length === 0)
    invalid('a weather collector needs at least one --location', { option: '--location' });
  const serviceKey = env[settings.serviceKeyEnv];
  if (serviceKey === undefined || serviceKey.trim() === '')
    invalid(`no service key: set ${settings.serviceKeyEnv} (from the source's Secret)`, {
      env: settings.serviceKeyEnv,
    });
  return { ...settings, ...processSettings(env, flags), serviceKey };
}

/** `gridlake agent`: `--pod-name` falls back to POD_NAME (the Downward API), then to the host name at run time. */
export function agentConfig(flags: Readonly<Record<string, unknown>>, env: Env): AgentConfig {
  const process = processSettings(env, flags);
  const settings = parseSettings(AgentSettings, defined(flags));
  return { ...settings, ...process, podName: settings.podName ?? process.podName };
}

/**
 * `gridlake sink`: the command line wins over `fromFile` (the LakeSink given
 * with `--config`), which wins over the defaults. The sink's name is the
 * LakeSink's name with `--sink`, as in the embedded default.
 */
export function sinkCommandConfig(
  flags: Readonly<Record<string, unknown>>,
  env: Env,
  fromFile: Partial<SinkSettings> = {},
): SinkCommandConfig {
  const sinkName = typeof flags['sink'] === 'string' ? (flags['sink'].split('/').at(-1) ?? flags['sink']) : undefined;
  const merged = { ...fromFile, ...(sinkName === undefined ? {} : { name: sinkName }), ...defined(flags) };
  const settings = parseSettings(SinkSettings, merged);
  if ((settings.brokers === undefined) === (settings.localLog === undefined))
    invalid('give exactly one of --brokers and --local-log', { options: ['--brokers', '--local-log'] });
  if ((settings.bucket === undefined) === (settings.lakeDir === undefined))
    invalid('give exactly one of --bucket and --lake-dir', { options: ['--bucket', '--lake-dir'] });
  if (settings.reportStatus && settings.sink === undefined)
    invalid('--report-status needs --sink namespace/name', { option: '--sink' });
  return { ...settings, ...processSettings(env, flags), credentials: awsCredentials(env) };
}

/** `gridlake join`: `--report-file` falls back to GRIDLAKE_RUN_REPORT_FILE; the SQL URL comes only from the environment. */
export function joinCommandConfig(flags: Readonly<Record<string, unknown>>, env: Env): JoinCommandConfig {
  const reportFile = present(env['GRIDLAKE_RUN_REPORT_FILE']);
  const settings = parseSettings(JoinSettings, {
    ...(reportFile === undefined ? {} : { reportFile }),
    ...defined(flags),
  });
  let sqlUrl: string | undefined;
  if (settings.sqlMode !== undefined) {
    sqlUrl = present(env[settings.sqlUrlEnv]);
    if (sqlUrl === undefined)
      invalid(`--sql-mode needs the SQL URL in $${settings.sqlUrlEnv}`, { env: settings.sqlUrlEnv });
  }
  return { ...settings, ...processSettings(env, flags), sqlUrl, credentials: awsCredentials(env) };
}

/** `gridlake query`: the folder lake by default, S3 with `--bucket` (as `gridlake join`); not both. */
export function queryConfig(flags: Readonly<Record<string, unknown>>, env: Env): QueryConfig {
  if (flags['lake'] !== undefined && flags['bucket'] !== undefined)
    invalid('give --lake (a folder) or --bucket (S3), not both', { options: ['--lake', '--bucket'] });
  const settings = parseSettings(QuerySettings, defined(flags), { sql: 'the SQL argument', output: '--output' });
  return { ...settings, ...processSettings(env), credentials: awsCredentials(env) };
}

/** `gridlake status`: a cluster with `--cluster` or `--kubeconfig`, else the standalone at `--url`. */
export function statusConfig(flags: Readonly<Record<string, unknown>>, env: Env): StatusConfig {
  const settings = parseSettings(StatusSettings, defined(flags), { output: '--output' });
  const cluster = settings.cluster === true || settings.kubeconfig !== undefined;
  if (cluster && flags['url'] !== undefined)
    invalid('give --url (a running standalone) or --cluster/--kubeconfig (a cluster), not both', {
      options: ['--url', '--cluster'],
    });
  let parsed: URL | undefined;
  try {
    parsed = new URL(settings.url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:'))
    invalid(`--url: not an http(s) URL (got ${JSON.stringify(settings.url)})`, {
      option: '--url',
      value: settings.url,
    });
  return { ...settings, ...processSettings(env, flags), mode: cluster ? 'cluster' : 'local' };
}

/**
 * `gridlake backfill`: the dates `--from`..`--to` (KST logical dates, at most
 * MAX_BACKFILL_DATES without `--yes`); on a cluster with `--kubeconfig`, else
 * on the local data folder. `--join` may carry the namespace (`ns/name`).
 */
export function backfillConfig(flags: Readonly<Record<string, unknown>>, env: Env): BackfillConfig {
  const settings = parseSettings(BackfillSettings, defined(flags), { resources: '-f/--resources', output: '--output' });
  const mode = settings.kubeconfig === undefined ? 'local' : 'cluster';
  if (mode === 'cluster' && (flags['resources'] !== undefined || flags['dataDir'] !== undefined))
    invalid('-f and --data-dir are for the local runtime; with --kubeconfig the DailyJoin is read from the cluster', {
      options: ['-f', '--data-dir', '--kubeconfig'],
    });
  if (mode === 'local' && settings.parallel !== undefined)
    invalid('--parallel is for a cluster (--kubeconfig); the local runtime joins one date at a time', {
      option: '--parallel',
    });
  const parts = settings.join.split('/');
  if (parts.length > 2 || parts.some((p) => p === ''))
    invalid(`--join: expected name or namespace/name (got ${JSON.stringify(settings.join)})`, { option: '--join' });
  const [joinName, joinNamespace] = parts.length === 2 ? [parts[1]!, parts[0]!] : [parts[0]!, undefined];
  if (joinNamespace !== undefined && settings.namespace !== undefined && joinNamespace !== settings.namespace)
    invalid(`--join names namespace ${joinNamespace} but --namespace is ${settings.namespace}: give one`, {
      options: ['--join', '--namespace'],
    });
  const from = calendarDate(settings.from, '--from');
  const to = calendarDate(settings.to, '--to');
  if (from > to) invalid(`--from ${from} is after --to ${to}`, { options: ['--from', '--to'] });
  const count = Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
  if (count > MAX_BACKFILL_DATES && settings.yes !== true)
    invalid(
      `--from ${from} --to ${to} is ${count} dates, more than ${MAX_BACKFILL_DATES}: narrow the range or pass --yes`,
      { options: ['--from', '--to', '--yes'], dates: count },
    );
  const dates = Array.from({ length: count }, (_, i) =>
    new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10),
  );
  return {
    ...settings,
    ...(joinNamespace === undefined ? {} : { namespace: joinNamespace }),
    ...processSettings(env, flags),
    resources: settings.resources ?? (mode === 'local' ? packagedExamples() : ''),
    dates,
    joinName,
    mode,
  };
}

/** A real calendar date `YYYY-MM-DD`, or GL_CONFIG_INVALID naming `flag`. */
function calendarDate(value: string, flag: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const ms = m === null ? NaN : Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value)
    invalid(`${flag}: expected a calendar date YYYY-MM-DD (got ${JSON.stringify(value)})`, {
      option: flag,
      value,
    });
  return value;
}

/**
 * `gridlake controller`: `--image`, `--brokers`, `--lease-namespace` and
 * `--identity` fall back to GRIDLAKE_IMAGE, GRIDLAKE_BROKERS, POD_NAMESPACE
 * and POD_NAME (what the chart's Deployment sets).
 */
export function controllerConfig(flags: Readonly<Record<string, unknown>>, env: Env): ControllerConfig {
  const fromEnv = {
    image: present(env['GRIDLAKE_IMAGE']),
    brokers: present(env['GRIDLAKE_BROKERS']),
    leaseNamespace: present(env['POD_NAMESPACE']),
    identity: present(env['POD_NAME']),
  };
  const settings = parseSettings(
    ControllerSettings,
    { ...fromEnv, ...defined(flags) },
    { leaderElect: '--no-leader-elect' },
  );
  if (settings.leaderElect && settings.leaseNamespace === undefined)
    invalid('leader election needs a Lease namespace: --lease-namespace or POD_NAMESPACE (or --no-leader-elect)', {
      option: '--lease-namespace',
      env: 'POD_NAMESPACE',
    });
  const { retryPeriodSeconds: retry, renewDeadlineSeconds: renew, leaseDurationSeconds: lease } = settings;
  if (!(retry < renew && renew < lease))
    invalid(
      `lease timing must satisfy retry period < renew deadline < lease duration (got ${retry}/${renew}/${lease} s)`,
      { options: ['--retry-period-seconds', '--renew-deadline-seconds', '--lease-duration-seconds'] },
    );
  return { ...settings, ...processSettings(env, flags) };
}

export function standaloneConfig(flags: Readonly<Record<string, unknown>>, env: Env): StandaloneConfig {
  const settings = parseSettings(StandaloneSettings, flags);
  return { ...settings, resources: settings.resources ?? packagedExamples(), ...processSettings(env, flags) };
}

/**
 * The example resources shipped with the package, found from this module
 * (src/ under vitest, dist/src/ when built and installed) rather than the
 * working directory, so `gridlake standalone` runs from anywhere.
 */
export function packagedExamples(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = path.dirname(from); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'gridlake')
      return path.join(dir, 'examples', 'embedded');
    if (path.dirname(dir) === dir)
      invalid(`cannot find the gridlake package above ${from} for its examples: give the resources folder with -f`, {
        option: '-f',
      });
  }
}

const defined = (o: Readonly<Record<string, unknown>>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
