import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { sinkRuntimeConfig } from '../../../src/cli/run-sink.js';
import { flagsFromLakeSink } from '../../../src/cli/sink-flags.js';
import { sinkCommandConfig } from '../../../src/config.js';

const flags = {
  name: 'lake',
  group: 'g',
  topics: 'gridlake.power.kpx.v1, gridlake.weather.kma.v1,gridlake.deadletter.v1',
  prefix: 'lake',
  region: 'ap-northeast-2',
  maxRecords: '1000',
  maxBytes: '1000000',
  maxAgeMs: '60000',
  maxBufferedBytes: '5000000',
  metricsPort: '9464',
};

const runtimeConfig = (f: Record<string, unknown>, env: Record<string, string> = {}) =>
  sinkRuntimeConfig(sinkCommandConfig(f, env));

describe('sink command flags', () => {
  it('builds a Kafka-to-S3 config with credentials from the environment only', () => {
    const c = runtimeConfig(
      { ...flags, brokers: 'a:9092,b:9092', bucket: 'b', endpoint: 'http://minio:9000' },
      { AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' },
    );
    expect(c.topics).toEqual(['gridlake.power.kpx.v1', 'gridlake.weather.kma.v1']);
    expect(c.bus).toEqual({ kind: 'kafka', brokers: ['a:9092', 'b:9092'] });
    expect(c.store).toMatchObject({
      kind: 's3',
      bucket: 'b',
      prefix: 'lake',
      endpoint: 'http://minio:9000',
      credentials: { accessKeyId: 'id', secretAccessKey: 'secret' },
    });
    expect(c).toMatchObject({ maxRecords: 1000, maxBytes: 1_000_000, maxAgeMs: 60_000 });
  });

  it.each([
    [{ bucket: 'b' }, /exactly one of --brokers and --local-log/],
    [{ brokers: 'a', localLog: '/x', bucket: 'b' }, /exactly one of --brokers and --local-log/],
    [{ brokers: 'a' }, /exactly one of --bucket and --lake-dir/],
    [{ brokers: 'a', lakeDir: '/l', maxRecords: '0' }, /--max-records: .*greater or equal to 1/],
    [{ brokers: 'a', lakeDir: '/l', maxRecords: 'many' }, /--max-records: .*integer.*"many"/],
    [{ brokers: 'a', lakeDir: '/l', reportStatus: true }, /--report-status needs --sink/],
  ])('refuses %o', (extra, message) => {
    expect(() => sinkCommandConfig({ ...flags, ...extra }, {})).toThrow(message);
  });
});

describe('sink command --config (the LakeSink the operator renders)', () => {
  const example = readFileSync(new URL('../../../examples/cluster/lake-sink.yaml', import.meta.url), 'utf8');

  it('reads topics, lake and flush policy from the resource, with the API defaults applied', () => {
    const f = flagsFromLakeSink(example, 'config.json');
    const doc = parse(example) as { metadata: { name: string; namespace: string }; spec: Record<string, never> };
    expect(f.name).toBe(doc.metadata.name);
    expect(f.group).toBe(`gridlake-sink-${doc.metadata.namespace}-${doc.metadata.name}`);
    const c = sinkRuntimeConfig(sinkCommandConfig({ brokers: 'k:9092' }, {}, f));
    expect(c.store).toMatchObject({ kind: 's3', bucket: expect.any(String) });
    expect(c.maxAgeMs % 1000).toBe(0);
    expect(c.topics.length).toBeGreaterThan(0);
  });

  it('lets the command line win over the resource, and names the sink after --sink', () => {
    const f = flagsFromLakeSink(example, 'config.json');
    const c = sinkCommandConfig({ brokers: 'k:9092', sink: 'ns/raw-sink', maxRecords: '200' }, {}, f);
    expect(c).toMatchObject({ name: 'raw-sink', maxRecords: 200, bucket: f.bucket });
    expect(sinkCommandConfig({ brokers: 'k:9092', sink: 'ns/raw-sink', name: 'n' }, {}, f).name).toBe('n');
  });

  it('refuses a resource that is not a valid LakeSink, naming the file and the field', () => {
    const bad = example.replace(/maxRecords: \d+/, 'maxRecords: -5');
    expect(bad).not.toBe(example);
    expect(() => flagsFromLakeSink(bad, '/etc/gridlake/config.json')).toThrow(
      /\/etc\/gridlake\/config\.json: not a valid LakeSink: .*maxRecords/,
    );
    expect(() => flagsFromLakeSink(example.replace('kind: LakeSink', 'kind: DailyJoin'), 'c.json')).toThrow(
      /c\.json: not a valid LakeSink|expected exactly one LakeSink/,
    );
  });
});
