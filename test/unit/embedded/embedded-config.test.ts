import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadResourcesOrThrow, type LoadedResource } from '../../../src/api/load.js';
import {
  EMBEDDED_ENV,
  embeddedConfig,
  lakeDirOf,
  needsSimulator,
  type EmbeddedConfigInput,
} from '../../../src/embedded/embedded-config.js';
import { GridlakeError } from '../../../src/errors.js';
import { planWeather } from '../../../src/sources/kma/weather-planner.js';
import { planPower } from '../../../src/sources/kpx/power-planner.js';
import { joinYaml, load, POWER, SINK, weatherYaml } from './resources.js';

// Resources as a person writes them, mapped to what the embedded pipeline runs.

const SIM = 'http://127.0.0.1:4010';

const input = (resources: LoadedResource[], over: Partial<EmbeddedConfigInput> = {}): EmbeddedConfigInput => ({
  resources,
  dataDir: '/data',
  env: {},
  simulatorUrl: SIM,
  ...over,
});

function configError(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (err) {
    if (err instanceof GridlakeError) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('expected an error');
}

describe('embeddedConfig', () => {
  it('points every source at the simulator when no service key is set', () => {
    const c = embeddedConfig(input(load(POWER, weatherYaml('metro', 'grid.weather'), SINK, joinYaml(['metro']))));
    expect(c.usesSimulator).toBe(true);
    expect(c.sources.map((s) => [s.kind, s.source, s.endpoint, s.topic])).toEqual([
      ['power', 'grid/kpx', SIM, 'grid.power'],
      ['weather', 'grid/metro', SIM, 'grid.weather'],
    ]);
    const power = c.sources[0]!;
    expect(power.kind === 'power' && power.pollIntervalMs).toBe(300_000);
    const weather = c.sources[1]!;
    expect(weather.kind === 'weather' && weather.locations).toEqual([
      { name: 'metro-a', nx: 60, ny: 127 },
      { name: 'metro-b', lat: 35.1796, lon: 129.0756 },
    ]);
  });

  it('uses the declared endpoints and the keys from the environment when both are set', () => {
    const env = { [EMBEDDED_ENV.kpxKey]: 'kpx-secret', [EMBEDDED_ENV.kmaKey]: 'kma-secret' };
    expect(needsSimulator(env)).toBe(false);
    const c = embeddedConfig(input(load(POWER, weatherYaml('metro', 'grid.weather')), { env, simulatorUrl: null }));
    expect(c.usesSimulator).toBe(false);
    expect(c.sources.map((s) => s.endpoint)).toEqual(['https://kpx.example', 'https://apis.data.go.kr']);
  });

  it('mixes a real KPX key with the simulator for KMA', () => {
    const env = { [EMBEDDED_ENV.kpxKey]: 'kpx-secret', [EMBEDDED_ENV.kmaKey]: '  ' };
    expect(needsSimulator(env)).toBe(true);
    const c = embeddedConfig(input(load(POWER, weatherYaml('metro', 'grid.weather')), { env }));
    expect(c.sources.map((s) => s.endpoint)).toEqual(['https://kpx.example', SIM]);
    expect(c.usesSimulator).toBe(true);
  });

  it('refuses a source without a key when there is no simulator, naming the variable', () => {
    const e = configError(() => embeddedConfig(input(load(POWER), { simulatorUrl: null })));
    expect(e.code).toBe('GL_EMBEDDED_CONFIG_INVALID');
    expect(e.message).toContain('grid/kpx');
    expect(e.message).toContain(EMBEDDED_ENV.kpxKey);
  });

  it('takes the daily budgets of the resources as the per-operation limits', () => {
    const c = embeddedConfig(input(load(POWER, weatherYaml('metro', 'grid.weather'))));
    expect(c.limits).toEqual({ 'kpx.latest': 120, 'kpx.history': 120, 'kpx.legacy': 120, 'kma.ncst': 900 });
  });

  it('skips suspended sources and keeps a suspended sink marked', () => {
    const c = embeddedConfig(
      input(
        load(
          POWER.replace('dailyCallBudget: 120', 'dailyCallBudget: 120\n  suspend: true'),
          weatherYaml('metro', 'grid.weather', '  suspend: true'),
          SINK.replace('maxAgeSeconds: 120 }', 'maxAgeSeconds: 120 }\n  suspend: true'),
        ),
      ),
    );
    expect(c.sources).toEqual([]);
    expect(c.usesSimulator).toBe(false);
    expect(c.sinks.map((s) => s.suspended)).toEqual([true]);
  });

  it('maps a LakeSink to a folder under the data dir with its flush policy in milliseconds', () => {
    const [sink] = embeddedConfig(input(load(SINK))).sinks;
    expect(sink).toEqual({
      name: 'raw',
      groupId: 'gridlake-sink-grid-raw',
      topics: ['grid.power', 'grid.weather'],
      lakeDir: join('/data', 'lake', 'lake-bucket', 'team', 'zone'),
      maxRecords: 2000,
      maxBytes: expect.any(Number) as number,
      maxAgeMs: 120_000,
      rowGroupSize: 2000,
      suspended: false,
    });
  });

  it('builds each DailyJoin from its sources: locations, topics, thresholds and lake', () => {
    const c = embeddedConfig(
      input(
        load(
          POWER,
          weatherYaml('metro', 'grid.weather'),
          weatherYaml('south', 'grid.weather'),
          joinYaml(['metro', 'south']),
        ),
      ),
    );
    const [j] = c.joins;
    expect(j?.id).toBe('grid/daily');
    expect(j?.lakeDir).toBe(lakeDirOf('/data', { bucket: 'lake-bucket', prefix: 'team/zone/' }));
    expect(j?.config).toMatchObject({
      join: 'grid/daily',
      locations: ['metro-a', 'metro-b', 'south-a', 'south-b'],
      powerTopic: 'grid.power',
      weatherTopic: 'grid.weather',
      thresholds: { powerCoverageMin: 0.8, weatherCoverageMin: 0.7 },
    });
    expect(j?.sql).toBeNull();
  });

  it('refuses WeatherSources of one DailyJoin on different topics', () => {
    const resources = load(
      POWER,
      weatherYaml('metro', 'grid.weather'),
      weatherYaml('south', 'grid.weather.south'),
      joinYaml(['metro', 'south']),
    );
    const e = configError(() => embeddedConfig(input(resources)));
    expect(e.code).toBe('GL_EMBEDDED_CONFIG_INVALID');
    expect(e.message).toContain('share a topic');
  });

  it('refuses a DailyJoin naming a source that is not in the folder', () => {
    const e = configError(() => embeddedConfig(input(load(POWER, joinYaml(['nowhere'])))));
    expect(e.code).toBe('GL_EMBEDDED_CONFIG_INVALID');
    expect(e.message).toBe('DailyJoin grid/daily names a missing WeatherSource');
  });

  it('needs the SQL URL from the environment when a DailyJoin exports to SQL', () => {
    const sql =
      '  outputs:\n    sql: { engine: postgres, connectionSecretRef: { name: db, key: url }, mode: upsert }\n';
    const resources = load(POWER, weatherYaml('metro', 'grid.weather'), joinYaml(['metro'], sql));
    const e = configError(() => embeddedConfig(input(resources)));
    expect(e.message).toContain(EMBEDDED_ENV.sqlUrl);
    const c = embeddedConfig(input(resources, { env: { [EMBEDDED_ENV.sqlUrl]: 'postgres://u@h/db' } }));
    expect(c.joins[0]?.sql).toMatchObject({ url: 'postgres://u@h/db', mode: 'upsert' });
  });
});

describe('lakeDirOf', () => {
  it.each([
    [{ bucket: 'b', prefix: '' }, ['b']],
    [{ bucket: 'b', prefix: 'x/' }, ['b', 'x']],
    [{ bucket: 'b', prefix: 'x/y/' }, ['b', 'x', 'y']],
  ])('puts %o under <data-dir>/lake', (lake, parts) => {
    expect(lakeDirOf('/d', lake)).toBe(join('/d', 'lake', ...parts));
  });
});

describe('the shipped examples', () => {
  it('plan their polling without a BudgetExceeded warning, with the budgets the embedded default gives them', async () => {
    const examples = await loadResourcesOrThrow(join(import.meta.dirname, '../../../examples/embedded'));
    const c = embeddedConfig(input([...examples]));
    const conditions = c.sources.map((s) =>
      s.kind === 'power'
        ? planPower({
            api: s.api,
            latestBudget: c.limits[s.api === 'legacy' ? 'kpx.legacy' : 'kpx.latest'] ?? 0,
            historyBudget: c.limits['kpx.history'] ?? 0,
            requestedIntervalMs: s.pollIntervalMs,
          }).condition
        : planWeather(s.locations.length, c.limits['kma.ncst'] ?? 0).condition,
    );
    expect(c.sources.map((s) => s.kind).sort()).toEqual(['power', 'weather']);
    expect(conditions).toEqual([null, null]);
  });
});
