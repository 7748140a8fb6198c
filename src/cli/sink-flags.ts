import type { LakeSinkSpec } from '../api/lake-sink.js';
import { loadResourcesFromText } from '../api/load.js';
import { glError } from '../errors.js';
import { DEAD_LETTER_TOPIC } from '../lake/dead-letters.js';
import type { SinkConfig } from '../lake/sink-runtime.js';

export interface SinkFlags {
  name: string;
  group: string;
  topics: string;
  brokers?: string;
  localLog?: string;
  lakeDir?: string;
  bucket?: string;
  prefix: string;
  endpoint?: string;
  region: string;
  createBucket?: boolean;
  maxRecords: string;
  maxBytes: string;
  maxAgeMs: string;
  maxBufferedBytes: string;
  metricsPort: string;
  /** a LakeSink resource (the operator's rendered config.json) */
  config?: string;
  /** namespace/name of the LakeSink; the sink's name */
  sink?: string;
  reportStatus?: boolean;
  kubeconfig?: string;
}

/**
 * The flags a LakeSink resource stands for: what the operator renders into the
 * sink Deployment's config.json, so the Deployment's command line stays short
 * and the spec has one reading (the same one as the embedded default's).
 */
export function flagsFromLakeSink(text: string, file: string): Partial<SinkFlags> {
  const loaded = loadResourcesFromText(text, file);
  if (!loaded.ok) {
    const first = loaded.errors[0];
    throw glError(
      'GL_CONFIG_INVALID',
      `${file}: not a valid LakeSink: ${first ? `${first.path || '(root)'}: ${first.message}` : 'no document'}`,
      { context: { file, errors: loaded.errors.length } },
    );
  }
  const doc = loaded.resources[0]?.resource;
  if (doc?.kind !== 'LakeSink' || loaded.resources.length !== 1)
    throw glError('GL_CONFIG_INVALID', `${file}: expected exactly one LakeSink`, { context: { file } });
  const spec = doc.spec as LakeSinkSpec;
  const ns = doc.metadata.namespace ?? 'default';
  return {
    name: doc.metadata.name,
    group: spec.consumerGroup ?? `gridlake-sink-${ns}-${doc.metadata.name}`,
    topics: spec.topics.join(','),
    bucket: spec.lake.bucket,
    prefix: spec.lake.prefix,
    ...(spec.lake.endpoint === undefined ? {} : { endpoint: spec.lake.endpoint }),
    region: spec.lake.region,
    maxRecords: String(spec.flush.maxRecords),
    maxBytes: String(spec.flush.maxBytes),
    maxAgeMs: String(spec.flush.maxAgeSeconds * 1000),
  };
}

const positive = (name: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0)
    throw glError('GL_CONFIG_INVALID', `--${name} must be a positive integer`, { context: { value: v } });
  return n;
};

/** Turns flags and the environment (credentials only) into a SinkConfig. */
export function sinkConfigFromFlags(f: SinkFlags, env: Readonly<Record<string, string | undefined>>): SinkConfig {
  const topics = f.topics
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '' && t !== DEAD_LETTER_TOPIC);
  if ((f.brokers === undefined) === (f.localLog === undefined))
    throw glError('GL_CONFIG_INVALID', 'give exactly one of --brokers and --local-log');
  if ((f.bucket === undefined) === (f.lakeDir === undefined))
    throw glError('GL_CONFIG_INVALID', 'give exactly one of --bucket and --lake-dir');
  const accessKeyId = env['AWS_ACCESS_KEY_ID'];
  const secretAccessKey = env['AWS_SECRET_ACCESS_KEY'];
  return {
    name: f.name,
    groupId: f.group,
    topics,
    bus:
      f.brokers !== undefined ? { kind: 'kafka', brokers: f.brokers.split(',') } : { kind: 'local', dir: f.localLog! },
    store:
      f.bucket !== undefined
        ? {
            kind: 's3',
            region: f.region,
            bucket: f.bucket,
            prefix: f.prefix,
            ...(f.endpoint === undefined ? {} : { endpoint: f.endpoint }),
            ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
            createBucket: f.createBucket ?? false,
          }
        : { kind: 'folder', dir: f.lakeDir! },
    maxRecords: positive('max-records', f.maxRecords),
    maxBytes: positive('max-bytes', f.maxBytes),
    maxAgeMs: positive('max-age-ms', f.maxAgeMs),
    maxBufferedBytes: positive('max-buffered-bytes', f.maxBufferedBytes),
  };
}
