import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * Invalid specs, each refused both by the embedded validator (unit tests) and
 * by a real kube-apiserver with the generated CRDs (integration tests).
 * `expect` is a piece of the message both must show.
 */

export type Doc = Record<string, unknown> & { metadata: Record<string, unknown>; spec: Record<string, unknown> };

const EXAMPLES = path.resolve(import.meta.dirname, '../../../examples');

/** A valid example document (by file under examples/), deep-copied. */
export function example(file: string): Doc {
  return parse(readFileSync(path.join(EXAMPLES, file), 'utf8')) as Doc;
}

export interface InvalidCase {
  readonly name: string;
  /** The document to create (or, with `previous`, the update). */
  readonly doc: () => Doc;
  /** For transition rules: the stored object the update replaces. */
  readonly previous?: () => Doc;
  readonly expect: string;
}

function edit(file: string, mutate: (d: Doc) => void): () => Doc {
  return () => {
    const d = example(file);
    mutate(d);
    return d;
  };
}

const spec = (d: Doc) => d.spec as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const POWER = 'embedded/power-source.yaml';
const WEATHER = 'embedded/weather-source.yaml';
const SINK = 'embedded/lake-sink.yaml';
const JOIN = 'cluster/daily-join.yaml';
const RUN = 'cluster/daily-join-run-backfill.yaml';
const SITE = 'cluster/remote-site-naver.yaml';

export const INVALID_CASES: readonly InvalidCase[] = [
  // --- PowerSource
  {
    name: 'a PowerSource polling faster than once a minute',
    doc: edit(POWER, (d) => (spec(d).pollIntervalSeconds = 10)),
    expect: 'should be greater than or equal to 60',
  },
  {
    name: 'a PowerSource producing readings to its dead-letter topic',
    doc: edit(POWER, (d) => (spec(d).topic = 'gridlake.deadletter.v1')),
    expect: 'topic and deadLetterTopic must differ',
  },
  {
    name: 'a PowerSource without a service-key Secret reference',
    doc: edit(POWER, (d) => delete spec(d).serviceKeySecretRef),
    expect: 'Required value',
  },
  {
    name: 'a PowerSource with an unknown API flavour',
    doc: edit(POWER, (d) => (spec(d).endpoint = { api: 'soap' })),
    expect: 'Unsupported value: "soap": supported values: "gateway", "legacy"',
  },
  {
    name: 'a PowerSource whose call budget cannot cover its polls without gap fill',
    doc: edit(POWER, (d) => Object.assign(spec(d), { gapFill: false, dailyCallBudget: 100, pollIntervalSeconds: 300 })),
    expect: 'dailyCallBudget is below one call per poll interval',
  },
  {
    name: 'a PowerSource with a misspelt field',
    doc: edit(POWER, (d) => (spec(d).pollInterval = 300)),
    expect: 'unknown field',
  },
  {
    name: 'a resource with a misspelt top-level field',
    doc: edit(SINK, (d) => (d['spce'] = { suspend: true })),
    expect: 'unknown field "spce"',
  },
  // --- WeatherSource
  {
    name: 'a location giving both a grid cell and coordinates',
    doc: edit(WEATHER, (d) => Object.assign(spec(d).locations[0], { lat: 37.56, lon: 126.97 })),
    expect: 'a location gives either nx and ny (a KMA grid cell) or lat and lon (degrees)',
  },
  {
    name: 'a location giving only half a grid cell',
    doc: edit(WEATHER, (d) => delete spec(d).locations[0].ny),
    expect: 'a location gives either nx and ny (a KMA grid cell) or lat and lon (degrees)',
  },
  {
    name: 'two locations with the same name',
    doc: edit(WEATHER, (d) => (spec(d).locations[1] = { name: 'seoul', nx: 61, ny: 126 })),
    expect: 'Duplicate value',
  },
  {
    name: 'two location names for one grid cell',
    doc: edit(WEATHER, (d) => (spec(d).locations[2] = { name: 'jongno', nx: 60, ny: 127 })),
    expect: 'two locations name the same grid cell',
  },
  {
    name: 'a grid column outside the KMA grid',
    doc: edit(WEATHER, (d) => (spec(d).locations[0].nx = 200)),
    expect: 'should be less than or equal to 149',
  },
  {
    name: 'coordinates far off the KMA grid (Shanghai)',
    doc: edit(WEATHER, (d) => (spec(d).locations[1] = { name: 'shanghai', lat: 31.23, lon: 121.47 })),
    expect: "outside KMA's 5 km grid",
  },
  {
    name: 'coordinates north-east of the KMA grid',
    doc: edit(WEATHER, (d) => (spec(d).locations[1] = { name: 'vladivostok', lat: 43.5, lon: 131.9 })),
    expect: "outside KMA's 5 km grid",
  },
  {
    name: 'a WeatherSource with no locations',
    doc: edit(WEATHER, (d) => (spec(d).locations = [])),
    expect: 'should have at least 1 items',
  },
  // --- LakeSink
  {
    name: 'a LakeSink whose row groups are larger than its files',
    doc: edit(SINK, (d) => Object.assign(spec(d), { rowGroupRows: 10000, flush: { maxRecords: 5000 } })),
    expect: 'rowGroupRows must not exceed flush.maxRecords',
  },
  {
    name: 'a LakeSink flushing at a few bytes',
    doc: edit(SINK, (d) => (spec(d).flush.maxBytes = 100)),
    expect: 'should be greater than or equal to 1048576',
  },
  {
    name: 'a bucket name with two adjacent periods',
    doc: edit(SINK, (d) => (spec(d).lake.bucket = 'grid..lake')),
    expect: 'bucket must not contain two adjacent periods',
  },
  {
    name: 'a topic name with a space',
    doc: edit(SINK, (d) => (spec(d).topics = ['gridlake power'])),
    expect: 'should match',
  },
  // --- DailyJoin
  {
    name: 'a time zone inside the schedule',
    doc: edit(JOIN, (d) => (spec(d).schedule = 'TZ=Asia/Seoul 30 1 * * *')),
    expect: 'put the time zone in spec.timeZone, not in the schedule',
  },
  {
    name: 'a schedule that is not cron',
    doc: edit(JOIN, (d) => (spec(d).schedule = 'every night')),
    expect: 'schedule must be a cron expression of 5 fields',
  },
  {
    name: 'several active runs under concurrencyPolicy Forbid',
    doc: edit(JOIN, (d) => Object.assign(spec(d), { concurrencyPolicy: 'Forbid', maxActiveRuns: 3 })),
    expect: 'maxActiveRuns above 1 needs concurrencyPolicy Allow',
  },
  {
    name: 'a negative history limit',
    doc: edit(JOIN, (d) => (spec(d).successfulRunsHistoryLimit = -1)),
    expect: 'should be greater than or equal to 0',
  },
  {
    name: 'an unknown concurrency policy',
    doc: edit(JOIN, (d) => (spec(d).concurrencyPolicy = 'Sometimes')),
    expect: 'Unsupported value: "Sometimes": supported values: "Forbid", "Allow", "Replace"',
  },
  {
    name: 'an unknown catch-up policy',
    doc: edit(JOIN, (d) => (spec(d).catchUp.policy = 'Some')),
    expect: 'Unsupported value: "Some": supported values: "None", "Latest", "All"',
  },
  {
    name: 'an unknown SQL load mode',
    doc: edit(JOIN, (d) => (spec(d).outputs.sql.mode = 'merge')),
    expect: 'Unsupported value: "merge": supported values: "overwrite", "append", "upsert"',
  },
  {
    name: 'one SQL table for hourly and daily rows',
    doc: edit(JOIN, (d) => Object.assign(spec(d).outputs.sql, { hourlyTable: 'facts', dailyTable: 'facts' })),
    expect: 'hourlyTable and dailyTable must be different tables',
  },
  {
    name: 'an SQL table name that is not an identifier',
    doc: edit(JOIN, (d) => (spec(d).outputs.sql.hourlyTable = 'hourly; drop table x')),
    expect: 'should match',
  },
  {
    name: 'a start date that is not a calendar date',
    doc: edit(JOIN, (d) => (spec(d).startDate = '2026-13-45')),
    expect: 'must be of type date',
  },
  {
    name: 'the same WeatherSource listed twice',
    doc: edit(JOIN, (d) => (spec(d).inputs.weather = [{ name: 'kma-metro' }, { name: 'kma-metro' }])),
    expect: 'each WeatherSource is listed once',
  },
  {
    name: 'a DailyJoin name too long for its run and Job names',
    doc: edit(JOIN, (d) => (d.metadata.name = 'j'.repeat(55))),
    expect: 'DailyJoin names are at most 54 characters',
  },
  // --- DailyJoinRun
  {
    name: 'a DailyJoinRun not named <join>-<yyyymmdd>',
    doc: edit(RUN, (d) => (d.metadata.name = 'backfill-october')),
    expect: 'a DailyJoinRun is named <joinRef.name>-<yyyymmdd>',
  },
  {
    name: 'changing the spec of an existing DailyJoinRun',
    previous: edit(RUN, () => undefined),
    doc: edit(RUN, (d) => (spec(d).trigger = 'CatchUp')),
    expect: 'a DailyJoinRun spec cannot change',
  },
  // --- RemoteSite
  {
    name: 'a RemoteSite name too long for its namespace',
    doc: edit(SITE, (d) => (d.metadata.name = 's'.repeat(50))),
    expect: 'a RemoteSite name is a DNS label of at most 49 characters',
  },
  {
    name: 'an egress CIDR with a /33 mask',
    doc: edit(SITE, (d) => (spec(d).egressCIDRs = ['203.0.113.7/33'])),
    expect: 'egressCIDRs entries are IPv4 CIDRs such as 203.0.113.7/32',
  },
  {
    name: 'an agent token shorter than ten leases',
    doc: edit(SITE, (d) => Object.assign(spec(d), { leaseDurationSeconds: 600, tokenExpirationSeconds: 3600 })),
    expect: 'tokenExpirationSeconds must be at least ten lease durations',
  },
  {
    name: 'lowering credentialsEpoch',
    previous: edit(SITE, (d) => (spec(d).credentialsEpoch = 2)),
    doc: edit(SITE, (d) => (spec(d).credentialsEpoch = 1)),
    expect: 'credentialsEpoch can only increase',
  },
];
