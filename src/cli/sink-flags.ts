import type { LakeSinkSpec } from '../api/lake-sink.js';
import { loadResourcesFromText } from '../api/load.js';
import type { SinkSettings } from '../config.js';
import { glError } from '../errors.js';

/**
 * The settings a LakeSink resource stands for: what the operator renders into
 * the sink Deployment's config.json, so the Deployment's command line stays
 * short and the spec has one reading (the same one as the embedded default's).
 */
export function flagsFromLakeSink(text: string, file: string): Partial<SinkSettings> {
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
    maxRecords: spec.flush.maxRecords,
    maxBytes: spec.flush.maxBytes,
    maxAgeMs: spec.flush.maxAgeSeconds * 1000,
  };
}
