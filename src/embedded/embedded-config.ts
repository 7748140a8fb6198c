import { join } from 'node:path';
import type { LoadedResource } from '../api/load.js';
import { ofKind } from '../api/resource.js';
import type { ResourceOf } from '../api/resource.js';
import type { LakeLocation } from '../api/common.js';
import { WEATHER_TOPIC } from '../api/defaults.js';
import { glError } from '../errors.js';
import { joinConfig } from '../join/join-config.js';
import type { JoinConfig } from '../join/join-config.js';
import type { SqlExportConfig } from '../join/sql-export.js';
import type { Operation } from '../sources/common/budget.js';
import { ServiceKey } from '../sources/common/service-key.js';
import type { SourceConfig } from '../sources/source-tasks.js';

/**
 * Turns the loaded custom resources into what the embedded pipeline runs:
 * collector configs, one sink per LakeSink and one join per DailyJoin. Service
 * keys and the SQL URL come from the environment (the embedded default's
 * stand-in for Secrets); without service keys the simulator's URL is used.
 */

/** Environment variables the embedded default reads. */
export const EMBEDDED_ENV = {
  kpxKey: 'GRIDLAKE_KPX_SERVICE_KEY',
  kmaKey: 'GRIDLAKE_KMA_SERVICE_KEY',
  sqlUrl: 'GRIDLAKE_JOIN_SQL_URL',
} as const;

/** The key the simulator accepts when no real key is set (any key works there). */
const SIMULATOR_KEY = 'gridlake-embedded-simulator';

/** One LakeSink as the embedded pipeline runs it. */
export interface EmbeddedSinkConfig {
  readonly name: string;
  readonly groupId: string;
  readonly topics: readonly string[];
  /** `<data-dir>/lake/<bucket>/<prefix>` */
  readonly lakeDir: string;
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly maxAgeMs: number;
  readonly rowGroupSize: number;
  readonly suspended: boolean;
}

/** One DailyJoin as the embedded scheduler runs it. */
export interface EmbeddedJoinConfig {
  /** `namespace/name` */
  readonly id: string;
  readonly resource: ResourceOf<'DailyJoin'>;
  readonly config: JoinConfig;
  readonly lakeDir: string;
  readonly sql: SqlExportConfig | null;
}

/** Everything the pipeline needs from the resources and the environment. */
export interface EmbeddedConfig {
  readonly sources: readonly SourceConfig[];
  readonly limits: Partial<Record<Operation, number>>;
  readonly sinks: readonly EmbeddedSinkConfig[];
  readonly joins: readonly EmbeddedJoinConfig[];
  /** true when at least one source talks to the built-in simulator */
  readonly usesSimulator: boolean;
}

/** Inputs of `embeddedConfig`. */
export interface EmbeddedConfigInput {
  readonly resources: readonly LoadedResource[];
  readonly dataDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** base URL of the in-process simulator, used for sources without a key */
  readonly simulatorUrl: string | null;
}

const nsOf = (r: { metadata: { namespace?: string } }): string => r.metadata.namespace ?? 'default';
const idOf = (r: { metadata: { name: string; namespace?: string } }): string => `${nsOf(r)}/${r.metadata.name}`;

/** The folder of a lake location in the embedded default. */
export function lakeDirOf(dataDir: string, lake: Pick<LakeLocation, 'bucket' | 'prefix'>): string {
  return join(dataDir, 'lake', lake.bucket, ...lake.prefix.split('/').filter((s) => s !== ''));
}

/** Whether any source needs the simulator: a service key is missing for its API. */
export function needsSimulator(env: Readonly<Record<string, string | undefined>>): boolean {
  return !present(env[EMBEDDED_ENV.kpxKey]) || !present(env[EMBEDDED_ENV.kmaKey]);
}

const present = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

/** Builds the embedded pipeline's configuration; throws GL_EMBEDDED_CONFIG_INVALID when a reference dangles. */
export function embeddedConfig(input: EmbeddedConfigInput): EmbeddedConfig {
  const all = input.resources.map((r) => r.resource);
  const { env, simulatorUrl } = input;
  const endpointFor = (envName: string, declared: string): { endpoint: string; key: ServiceKey } | null => {
    const raw = env[envName];
    if (present(raw)) return { endpoint: declared, key: new ServiceKey(raw) };
    return simulatorUrl === null ? null : { endpoint: simulatorUrl, key: new ServiceKey(SIMULATOR_KEY) };
  };
  const sources: SourceConfig[] = [];
  const limits: Partial<Record<Operation, number>> = {};
  let usesSimulator = false;
  for (const p of ofKind(all, 'PowerSource')) {
    if (p.spec.suspend) continue;
    const where = endpointFor(EMBEDDED_ENV.kpxKey, p.spec.endpoint.baseUrl);
    if (where === null) throw missingKey(EMBEDDED_ENV.kpxKey, idOf(p));
    usesSimulator ||= where.endpoint === simulatorUrl;
    sources.push({
      kind: 'power',
      source: idOf(p),
      api: p.spec.endpoint.api,
      endpoint: where.endpoint,
      key: where.key,
      topic: p.spec.topic,
      deadLetterTopic: p.spec.deadLetterTopic,
      pollIntervalMs: p.spec.pollIntervalSeconds * 1000,
    });
    // The budget is per key and operation: the resource's daily budget applies to each KPX operation.
    limits['kpx.latest'] = p.spec.dailyCallBudget;
    limits['kpx.history'] = p.spec.dailyCallBudget;
    limits['kpx.legacy'] = p.spec.dailyCallBudget;
  }
  for (const w of ofKind(all, 'WeatherSource')) {
    if (w.spec.suspend) continue;
    const where = endpointFor(EMBEDDED_ENV.kmaKey, w.spec.endpoint.baseUrl);
    if (where === null) throw missingKey(EMBEDDED_ENV.kmaKey, idOf(w));
    usesSimulator ||= where.endpoint === simulatorUrl;
    sources.push({
      kind: 'weather',
      source: idOf(w),
      endpoint: where.endpoint,
      key: where.key,
      topic: w.spec.topic,
      deadLetterTopic: w.spec.deadLetterTopic,
      locations: w.spec.locations.map((l) =>
        l.nx !== undefined && l.ny !== undefined
          ? { name: l.name, nx: l.nx, ny: l.ny }
          : { name: l.name, lat: l.lat ?? 0, lon: l.lon ?? 0 },
      ),
    });
    limits['kma.ncst'] = w.spec.dailyCallBudget;
  }
  const sinks = ofKind(all, 'LakeSink').map((s): EmbeddedSinkConfig => ({
    name: s.metadata.name,
    groupId: s.spec.consumerGroup ?? `gridlake-sink-${nsOf(s)}-${s.metadata.name}`,
    topics: s.spec.topics,
    lakeDir: lakeDirOf(input.dataDir, s.spec.lake),
    maxRecords: s.spec.flush.maxRecords,
    maxBytes: s.spec.flush.maxBytes,
    maxAgeMs: s.spec.flush.maxAgeSeconds * 1000,
    rowGroupSize: s.spec.rowGroupRows ?? Math.min(10_000, s.spec.flush.maxRecords),
    suspended: s.spec.suspend,
  }));
  const joins = embeddedJoins(input);
  return { sources, limits, sinks, joins, usesSimulator };
}

/**
 * The DailyJoins alone, as the embedded scheduler runs them: for
 * `gridlake backfill`, which starts no source and so needs no service key.
 */
export function embeddedJoins(input: Omit<EmbeddedConfigInput, 'simulatorUrl'>): EmbeddedJoinConfig[] {
  const all = input.resources.map((r) => r.resource);
  return ofKind(all, 'DailyJoin').map((j) => dailyJoinConfig(j, all, { ...input, simulatorUrl: null }));
}

function dailyJoinConfig(
  j: ResourceOf<'DailyJoin'>,
  all: readonly LoadedResource['resource'][],
  input: EmbeddedConfigInput,
): EmbeddedJoinConfig {
  const ns = nsOf(j);
  const find = <K extends 'PowerSource' | 'WeatherSource'>(kind: K, ref: { name: string; namespace?: string }) => {
    const hit = ofKind(all, kind).find((r) => r.metadata.name === ref.name && nsOf(r) === (ref.namespace ?? ns));
    if (hit === undefined)
      throw glError('GL_EMBEDDED_CONFIG_INVALID', `DailyJoin ${ns}/${j.metadata.name} names a missing ${kind}`, {
        context: { join: `${ns}/${j.metadata.name}`, kind, ref },
      });
    return hit;
  };
  const power = find('PowerSource', j.spec.inputs.power);
  const weather = j.spec.inputs.weather.map((w) => find('WeatherSource', w));
  const weatherTopics = new Set(weather.map((w) => w.spec.topic));
  if (weatherTopics.size > 1)
    throw glError('GL_EMBEDDED_CONFIG_INVALID', 'the WeatherSources of one DailyJoin must share a topic', {
      context: { join: idOf(j), topics: [...weatherTopics] },
    });
  const sql = j.spec.outputs.sql;
  const sqlUrl = input.env[EMBEDDED_ENV.sqlUrl];
  if (sql !== undefined && !present(sqlUrl))
    throw glError('GL_EMBEDDED_CONFIG_INVALID', `DailyJoin ${idOf(j)} exports to SQL: set ${EMBEDDED_ENV.sqlUrl}`, {
      context: { join: idOf(j), env: EMBEDDED_ENV.sqlUrl },
    });
  return {
    id: idOf(j),
    resource: j,
    lakeDir: lakeDirOf(input.dataDir, j.spec.lake),
    config: joinConfig({
      join: idOf(j),
      locations: [...new Set(weather.flatMap((w) => w.spec.locations.map((l) => l.name)))],
      powerTopic: power.spec.topic,
      weatherTopic: weather[0]?.spec.topic ?? WEATHER_TOPIC,
      thresholds: {
        powerCoverageMin: j.spec.quality.minPowerCoverage,
        weatherCoverageMin: j.spec.quality.minWeatherCoverage,
      },
    }),
    sql:
      sql === undefined || !present(sqlUrl)
        ? null
        : {
            url: sqlUrl,
            mode: sql.mode,
            tables: { power_weather_hourly: sql.hourlyTable, power_weather_daily: sql.dailyTable },
            batchRows: sql.batchRows,
          },
  };
}

function missingKey(envName: string, source: string): Error {
  return glError('GL_EMBEDDED_CONFIG_INVALID', `no service key for ${source}: set ${envName}`, {
    context: { source, env: envName },
  });
}
