import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Conditions, LakeLocation, ObservedGeneration, ReporterFields, WorkerError } from './common.js';
import { FLUSH_DEFAULTS } from './defaults.js';
import { ageColumn, readyColumn, labelSizedName } from './kind-definition.js';
import type { KindDefinition } from './kind-definition.js';
import { StringEnum, Timestamp, TOPIC, withRules } from './schema-kit.js';

/** Parquet codecs a LakeSink may name (docs/lake.md: the sink writes snappy). */
export const COMPRESSIONS = ['snappy', 'uncompressed'] as const;

/** When the sink closes a file: whichever limit is reached first. */
export const FlushPolicy = Type.Object(
  {
    maxRecords: Type.Integer({
      description: 'Close the file after this many records.',
      default: FLUSH_DEFAULTS.maxRecords,
      minimum: 100,
      maximum: 10000000,
    }),
    maxBytes: Type.Integer({
      description: 'Close the file when the buffered records reach this many bytes (1 MiB to 1 GiB).',
      default: FLUSH_DEFAULTS.maxBytes,
      minimum: 1048576,
      maximum: 1073741824,
    }),
    maxAgeSeconds: Type.Integer({
      description:
        'Close the file when its oldest record has waited this long, in seconds. With a few partitions, 900 s keeps a topic well under 300 files a day.',
      default: FLUSH_DEFAULTS.maxAgeSeconds,
      minimum: 10,
      maximum: 86400,
    }),
  },
  {
    description: 'When a file is closed and uploaded (then offsets committed).',
    additionalProperties: false,
    default: {},
  },
);
export type FlushPolicy = Static<typeof FlushPolicy>;

export const LakeSinkSpec = withRules(
  Type.Object(
    {
      topics: Type.Array(Type.String({ description: 'A topic name.', minLength: 1, maxLength: 249, pattern: TOPIC }), {
        description: 'Topics consumed; each lands under raw/<topic>/year=YYYY/month=MM/day=DD/ in the lake.',
        minItems: 1,
        maxItems: 32,
        'x-kubernetes-list-type': 'set',
      }),
      consumerGroup: Type.Optional(
        Type.String({
          description: 'Kafka consumer group; defaults to gridlake-sink-<namespace>-<name>.',
          minLength: 1,
          maxLength: 255,
          pattern: '^[a-zA-Z0-9._-]+$',
        }),
      ),
      lake: LakeLocation,
      flush: FlushPolicy,
      compression: StringEnum(COMPRESSIONS, { description: 'Parquet compression codec.', default: 'snappy' }),
      rowGroupRows: Type.Optional(
        Type.Integer({
          description: 'Rows per Parquet row group; absent: 10000, or flush.maxRecords when that is smaller.',
          minimum: 100,
          maximum: 1000000,
        }),
      ),
      suspend: Type.Boolean({
        description: 'Stop consuming (offsets stay where they are) without deleting the sink.',
        default: false,
      }),
    },
    { description: 'Topics to the raw zone of the lake, as Parquet.', additionalProperties: false },
  ),
  [
    {
      rule: '!has(self.rowGroupRows) || self.rowGroupRows <= self.flush.maxRecords',
      message: 'rowGroupRows must not exceed flush.maxRecords: a file holds at most maxRecords rows',
      fieldPath: '.rowGroupRows',
      check: (s) => s.rowGroupRows === undefined || s.rowGroupRows <= s.flush.maxRecords,
    },
  ],
);
export type LakeSinkSpec = Static<typeof LakeSinkSpec>;

export const LakeSinkProgress = Type.Object(
  {
    ...ReporterFields,
    lastFlushTime: Type.Optional(Timestamp('When the last file was written and its offsets committed.')),
    filesTotal: Type.Optional(Type.Integer({ description: 'Files written since the sink started.', minimum: 0 })),
    recordsTotal: Type.Optional(Type.Integer({ description: 'Records written since the sink started.', minimum: 0 })),
    bytesTotal: Type.Optional(Type.Integer({ description: 'Bytes written since the sink started.', minimum: 0 })),
    lagRecords: Type.Optional(
      Type.Integer({
        description: 'End offset minus committed offset, summed over topics and partitions.',
        minimum: 0,
      }),
    ),
    topics: Type.Optional(
      Type.Array(
        Type.Object(
          {
            topic: Type.String({ description: 'Topic name.', maxLength: 249 }),
            lagRecords: Type.Integer({ description: 'Lag of this topic, records.', minimum: 0 }),
            lastFlushTime: Type.Optional(Timestamp('Last file written for this topic.')),
          },
          { description: 'Progress of one topic.', additionalProperties: false },
        ),
        {
          description: 'Per-topic progress.',
          maxItems: 32,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['topic'],
        },
      ),
    ),
    lastError: Type.Optional(WorkerError),
  },
  { description: 'Written by the sink through the status subresource.', additionalProperties: false },
);
export type LakeSinkProgress = Static<typeof LakeSinkProgress>;

export const LakeSinkStatus = Type.Object(
  {
    observedGeneration: Type.Optional(ObservedGeneration),
    conditions: Type.Optional(Conditions('Ready, Sinking, SecretMissing, InvalidSpec')),
    progress: Type.Optional(LakeSinkProgress),
  },
  { description: 'Observed state of the LakeSink.', additionalProperties: false },
);
export type LakeSinkStatus = Static<typeof LakeSinkStatus>;

export const lakeSinkKind: KindDefinition<LakeSinkSpec> = {
  kind: 'LakeSink',
  plural: 'lakesinks',
  singular: 'lakesink',
  listKind: 'LakeSinkList',
  shortNames: ['lks'],
  scope: 'Namespaced',
  description:
    'LakeSink consumes topics and writes them as Parquet files to the raw zone of the lake (S3 or a local folder), committing offsets only after a file is written.',
  spec: LakeSinkSpec,
  status: LakeSinkStatus,
  rootRules: [labelSizedName('LakeSink', 'sink')],
  printerColumns: [
    {
      name: 'Bucket',
      type: 'string',
      jsonPath: '.spec.lake.bucket',
      description: 'Bucket of the lake.',
    },
    readyColumn(),
    {
      name: 'Last Flush',
      type: 'date',
      jsonPath: '.status.progress.lastFlushTime',
      description: 'Age of the last file written.',
    },
    {
      name: 'Lag',
      type: 'integer',
      jsonPath: '.status.progress.lagRecords',
      description: 'Records not yet written, over all topics.',
    },
    {
      name: 'Files',
      type: 'integer',
      jsonPath: '.status.progress.filesTotal',
      description: 'Files written since the sink started.',
      priority: 1,
    },
    ageColumn(),
  ],
};
