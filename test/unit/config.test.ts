import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LakeLocation } from '../../src/api/common.js';
import { SQL_LOAD_MODES } from '../../src/api/defaults.js';
import { SqlOutput } from '../../src/api/daily-join.js';
import { FlushPolicy } from '../../src/api/lake-sink.js';
import { PowerSourceSpec } from '../../src/api/power-source.js';
import { WeatherSourceSpec } from '../../src/api/weather-source.js';
import {
  collectConfig,
  controllerConfig,
  joinCommandConfig,
  packagedExamples,
  simulateConfig,
  sinkCommandConfig,
  standaloneConfig,
} from '../../src/config.js';
import { DEFAULT_POWER_TOPIC, DEFAULT_WEATHER_TOPIC } from '../../src/join/join-config.js';
import { TOPICS } from '../../src/sources/source-tasks.js';

const def = (schema: unknown): unknown => (schema as { default: unknown }).default;
const SINK = { brokers: 'k:9092', lakeDir: '/lake' };
const COLLECT = { kind: 'power', source: 'ns/kpx' };
const KEY = { GRIDLAKE_SERVICE_KEY: 'k' };

describe('config defaults come from the CRD schemas', () => {
  it('the sink flushes as a LakeSink does, in the region a lake has', () => {
    const c = sinkCommandConfig(SINK, {});
    expect(c.maxRecords).toBe(def(FlushPolicy.properties.maxRecords));
    expect(c.maxBytes).toBe(def(FlushPolicy.properties.maxBytes));
    expect(c.maxAgeMs).toBe((def(FlushPolicy.properties.maxAgeSeconds) as number) * 1000);
    expect(c.region).toBe(def(LakeLocation.properties.region));
    expect(c.topics.split(',')).toEqual([
      def(PowerSourceSpec.properties.topic),
      def(WeatherSourceSpec.properties.topic),
    ]);
    // the numbers the issue names, so a change of the CRD shows here
    expect([c.maxRecords, c.maxBytes, c.maxAgeMs]).toEqual([50_000, 64 * 1024 * 1024, 900_000]);
  });

  it('the join reads the lake in the same region and knows the SQL modes the DailyJoin allows', () => {
    expect(joinCommandConfig({ join: 'ns/j', date: '2025-01-01' }, {}).region).toBe(
      def(LakeLocation.properties.region),
    );
    expect((SqlOutput.properties.mode as unknown as { enum: string[] }).enum).toEqual([...SQL_LOAD_MODES]);
  });

  it('topics are one pair of names across the schemas, the collectors and the join', () => {
    expect([TOPICS.power, TOPICS.weather]).toEqual([
      def(PowerSourceSpec.properties.topic),
      def(WeatherSourceSpec.properties.topic),
    ]);
    expect([DEFAULT_POWER_TOPIC, DEFAULT_WEATHER_TOPIC]).toEqual([TOPICS.power, TOPICS.weather]);
  });
});

describe('config validation', () => {
  it.each([
    ['simulate', () => simulateConfig({ port: 'abc' }, {}), /--port: .*"abc"/],
    ['standalone', () => standaloneConfig({ port: '99999' }, {}), /--port: .*65535/],
    ['collect', () => collectConfig({ ...COLLECT, timeoutMs: '10s' }, KEY), /--timeout-ms: .*"10s"/],
    ['collect', () => collectConfig({ ...COLLECT, metricsPort: '' }, KEY), /--metrics-port: .*""/],
    ['sink', () => sinkCommandConfig({ ...SINK, maxBytes: 'NaN' }, {}), /--max-bytes: .*"NaN"/],
    ['join', () => joinCommandConfig({ join: 'a/b', date: 'd', lateDataDays: '40' }, {}), /--late-data-days/],
    ['join', () => joinCommandConfig({ join: 'a/b', date: 'd', powerCoverageMin: 'x' }, {}), /--power-coverage-min/],
    [
      'controller',
      () => controllerConfig({ leaseDurationSeconds: '-1' }, { POD_NAMESPACE: 'ns' }),
      /--lease-duration-seconds/,
    ],
  ])('%s refuses a bad number, naming the flag', (_name, build, message) => {
    expect(build).toThrow(
      expect.objectContaining({ code: 'GL_CONFIG_INVALID', message: expect.stringMatching(message) }),
    );
  });

  it('refuses unknown keys', () => {
    expect(() => sinkCommandConfig({ ...SINK, maxRecordz: '5' }, {})).toThrow(/unknown option --max-recordz/);
    expect(() => standaloneConfig({ color: 'blue' }, {})).toThrow(
      expect.objectContaining({ code: 'GL_CONFIG_INVALID', context: { option: '--color' } }),
    );
  });

  it('names the environment variable that is missing or bad', () => {
    expect(() => collectConfig(COLLECT, {})).toThrow(/no service key: set GRIDLAKE_SERVICE_KEY/);
    expect(() => simulateConfig({}, { GRIDLAKE_LOG_LEVEL: 'loud' })).toThrow(/GRIDLAKE_LOG_LEVEL/);
    expect(() => controllerConfig({}, {})).toThrow(/--lease-namespace or POD_NAMESPACE/);
    expect(() => controllerConfig({ retryPeriodSeconds: '20' }, { POD_NAMESPACE: 'ns' })).toThrow(/lease timing/);
  });
});

describe('each command parses its flags and the injected environment', () => {
  it('simulate', () => {
    expect(simulateConfig({ port: '0', quotaKpx: '5' }, {})).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      clock: 'now,1',
      quotaKpx: 5,
      logLevel: 'info',
    });
  });

  it('collect: the key from the variable --service-key-env names, POD_NAME as the reporter', () => {
    const c = collectConfig(
      { kind: 'weather', source: 'ns/kma', location: ['seoul=60,127'], serviceKeyEnv: 'MY_KEY', budgetKma: '7' },
      { MY_KEY: 'secret', POD_NAME: 'pod-1', GRIDLAKE_LOG_LEVEL: 'debug' },
    );
    expect(c).toMatchObject({
      serviceKey: 'secret',
      podName: 'pod-1',
      logLevel: 'debug',
      budgetKma: 7,
      api: 'gateway',
      timeoutMs: 10_000,
      metricsPort: 9464,
      metricsHost: '0.0.0.0',
    });
    expect(() => collectConfig({ kind: 'weather', source: 'ns/kma' }, KEY)).toThrow(/at least one --location/);
  });

  it('sink: credentials only from the environment', () => {
    const c = sinkCommandConfig(
      { brokers: 'k:9092', bucket: 'b' },
      { AWS_ACCESS_KEY_ID: 'i', AWS_SECRET_ACCESS_KEY: 's' },
    );
    expect(c.credentials).toEqual({ accessKeyId: 'i', secretAccessKey: 's' });
    expect(
      sinkCommandConfig({ brokers: 'k:9092', bucket: 'b' }, { AWS_ACCESS_KEY_ID: 'i' }).credentials,
    ).toBeUndefined();
  });

  it('join: --report-file over GRIDLAKE_RUN_REPORT_FILE', () => {
    const flags = { join: 'ns/j', date: '2025-01-01', lateDataDays: '3', powerCoverageMin: '0.5' };
    expect(joinCommandConfig(flags, { GRIDLAKE_RUN_REPORT_FILE: '/dev/termination-log' })).toMatchObject({
      reportFile: '/dev/termination-log',
      lake: '.gridlake/lake/gridlake', // where the embedded default writes the example's bucket
      prefix: '',
      lateDataDays: 3,
      powerCoverageMin: 0.5,
      sqlUrl: undefined,
    });
    expect(joinCommandConfig({ ...flags, reportFile: '/tmp/r' }, { GRIDLAKE_RUN_REPORT_FILE: '/x' }).reportFile).toBe(
      '/tmp/r',
    );
  });

  it('controller: flags over GRIDLAKE_IMAGE, GRIDLAKE_BROKERS, POD_NAMESPACE and POD_NAME', () => {
    const env = { GRIDLAKE_IMAGE: 'img:1', GRIDLAKE_BROKERS: 'k:9092', POD_NAMESPACE: 'ns', POD_NAME: 'p' };
    expect(controllerConfig({ leaderElect: true, metricsPort: '0' }, env)).toMatchObject({
      image: 'img:1',
      brokers: 'k:9092',
      leaseNamespace: 'ns',
      identity: 'p',
      metricsPort: 0,
      leaseDurationSeconds: 15,
      renewDeadlineSeconds: 10,
      retryPeriodSeconds: 2,
    });
    expect(controllerConfig({ image: 'mine', leaderElect: false }, {})).toMatchObject({
      image: 'mine',
      leaderElect: false,
    });
    expect(controllerConfig({ leaderElect: false }, {}).image).toBe('ghcr.io/gridlake/gridlake:0.1.0');
  });

  it('standalone finds the examples shipped in the package, wherever it runs from', () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const examples = path.join(root, 'examples', 'embedded');
    // from the sources (vitest) and from the build (dist/src/config.js in an installed package)
    expect(packagedExamples(path.join(root, 'src', 'config.ts'))).toBe(examples);
    expect(packagedExamples(path.join(root, 'dist', 'src', 'config.js'))).toBe(examples);
    expect(existsSync(path.join(examples, 'power-source.yaml'))).toBe(true);
    expect(() => packagedExamples('/nowhere/dist/src/config.js')).toThrow(/give the resources folder with -f/);
  });

  it('ships the example resources in the npm package', () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
    });
    const files = (JSON.parse(out) as [{ files: { path: string }[] }])[0].files.map((f) => f.path);
    const examples = readdirSync(path.join(root, 'examples', 'embedded')).map((f) => `examples/embedded/${f}`);
    expect(files).toEqual(expect.arrayContaining(examples));
  }, 30_000);

  it('standalone', () => {
    expect(standaloneConfig({ dataDir: '/d' }, { GRIDLAKE_KPX_SERVICE_KEY: 'k' })).toMatchObject({
      resources: path.resolve(import.meta.dirname, '../../examples/embedded'),
      dataDir: '/d',
      port: 9464,
      host: '127.0.0.1',
      env: { GRIDLAKE_KPX_SERVICE_KEY: 'k' },
    });
  });
});
