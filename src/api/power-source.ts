import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Conditions, ObservedGeneration, ReporterFields, SecretKeyRef, WorkerError } from './common.js';
import { DEAD_LETTER_TOPIC, POWER_TOPIC } from './defaults.js';
import { ageColumn, readyColumn, labelSizedName, outcomeColumn, siteColumn } from './kind-definition.js';
import type { KindDefinition } from './kind-definition.js';
import { StringEnum, Timestamp, Topic, withRules } from './schema-kit.js';

/** How a collector classifies one poll (docs/upstream-apis.md, metrics `outcome`). */
export const POLL_OUTCOMES = [
  'ok',
  'no_data',
  'quota',
  'auth',
  'bad_request',
  'http_error',
  'timeout',
  'malformed',
] as const;
export type PollOutcome = (typeof POLL_OUTCOMES)[number];

/** Which KPX interface a PowerSource polls. */
export const KPX_APIS = ['gateway', 'legacy'] as const;

export const PowerSourceSpec = withRules(
  Type.Object(
    {
      endpoint: Type.Object(
        {
          baseUrl: Type.String({
            description:
              'Base URL of the API: the data.go.kr gateway, the legacy openapi.kpx.or.kr host, or a simulator (gridlake simulate).',
            default: 'https://apis.data.go.kr',
            maxLength: 2048,
            pattern: '^https?://[^\\s]+$',
          }),
          api: StringEnum(KPX_APIS, {
            description:
              "gateway: the data.go.kr JSON operations (latest and history). legacy: the seed's XML operation on openapi.kpx.or.kr, which now answers SERVICE ACCESS DENIED; kept as an option only.",
            default: 'gateway',
          }),
        },
        { description: 'Where the KPX API is reached.', additionalProperties: false, default: {} },
      ),
      serviceKeySecretRef: Type.Object(SecretKeyRef.properties, {
        description:
          'Secret key holding the data.go.kr service key (the Encoding or Decoding form; it is encoded exactly once).',
        additionalProperties: false,
      }),
      pollIntervalSeconds: Type.Integer({
        description:
          'Seconds between polls of the latest 5-minute slot. KPX publishes one slot every 300 s; a development key allows 100 calls a day per operation.',
        default: 300,
        minimum: 60,
        maximum: 86400,
      }),
      dailyCallBudget: Type.Integer({
        description:
          'Calls per day (KST) the collector may make across operations; it slows down rather than exceed it. 100 for a development key.',
        default: 100,
        minimum: 1,
        maximum: 1000000,
      }),
      gapFill: Type.Boolean({
        description:
          'After a start or an outage, recover missed slots from the history operation (two calls of 288 rows recover a day).',
        default: true,
      }),
      requestTimeoutSeconds: Type.Integer({
        description: 'Timeout of one HTTP request, in seconds.',
        default: 30,
        minimum: 1,
        maximum: 300,
      }),
      topic: Topic('Topic the readings are produced to (key: base time yyyyMMddHHmmss KST).', POWER_TOPIC),
      deadLetterTopic: Topic('Topic for answers that cannot be parsed, with the reason.', DEAD_LETTER_TOPIC),
      suspend: Type.Boolean({ description: 'Stop polling without deleting the source.', default: false }),
    },
    {
      description: 'A KPX national supply-and-demand feed (one reading every 5 minutes).',
      additionalProperties: false,
    },
  ),
  [
    {
      rule: 'self.topic != self.deadLetterTopic',
      message: 'topic and deadLetterTopic must differ',
      fieldPath: '.deadLetterTopic',
      check: (s) => s.topic !== s.deadLetterTopic,
    },
    {
      rule: 'self.dailyCallBudget >= 86400 / self.pollIntervalSeconds || self.gapFill',
      message:
        'dailyCallBudget is below one call per poll interval; raise it, lengthen pollIntervalSeconds, or enable gapFill to recover missed slots',
      fieldPath: '.dailyCallBudget',
      // CEL divides integers with truncation, as Math.trunc does.
      check: (s) => s.dailyCallBudget >= Math.trunc(86400 / s.pollIntervalSeconds) || s.gapFill,
    },
  ],
);
export type PowerSourceSpec = Static<typeof PowerSourceSpec>;

export const PowerSourceProgress = Type.Object(
  {
    ...ReporterFields,
    lastPollTime: Type.Optional(Timestamp('When the collector last called the API.')),
    lastOutcome: Type.Optional(
      StringEnum(POLL_OUTCOMES, { description: 'How the last poll was classified (docs/upstream-apis.md).' }),
    ),
    lastReadingTime: Type.Optional(Timestamp('Base time of the newest reading produced (its freshness).')),
    lastReading: Type.Optional(
      Type.Object(
        {
          currentDemandMw: Type.Number({ description: 'Current demand, MW.' }),
          supplyCapacityMw: Type.Number({ description: 'Supply capability, MW.' }),
          supplyReservePct: Type.Optional(Type.Number({ description: 'Supply reserve rate, %.' })),
        },
        { description: 'Values of the newest reading.', additionalProperties: false },
      ),
    ),
    recordsTotal: Type.Optional(
      Type.Integer({ description: 'Readings produced since the collector started (after dedupe).', minimum: 0 }),
    ),
    callsToday: Type.Optional(Type.Integer({ description: 'API calls made today (KST).', minimum: 0 })),
    lastError: Type.Optional(WorkerError),
  },
  {
    description:
      'Written by the collector (or the remote agent) through the status subresource; the controller never writes it.',
    additionalProperties: false,
  },
);
export type PowerSourceProgress = Static<typeof PowerSourceProgress>;

export const PowerSourceStatus = Type.Object(
  {
    observedGeneration: Type.Optional(ObservedGeneration),
    conditions: Type.Optional(Conditions('Ready, Collecting, SecretMissing, InvalidSpec')),
    site: Type.Optional(
      Type.String({
        description:
          'Where the source runs: hub, or the remote site that owns this namespace. Written by the controller.',
        maxLength: 63,
      }),
    ),
    progress: Type.Optional(PowerSourceProgress),
  },
  { description: 'Observed state of the PowerSource.', additionalProperties: false },
);
export type PowerSourceStatus = Static<typeof PowerSourceStatus>;

export const powerSourceKind: KindDefinition<PowerSourceSpec> = {
  kind: 'PowerSource',
  plural: 'powersources',
  singular: 'powersource',
  listKind: 'PowerSourceList',
  shortNames: ['pws'],
  scope: 'Namespaced',
  description:
    'PowerSource collects KPX national power supply and demand every 5 minutes and produces readings to a topic. In a hub namespace the controller runs a collector Deployment; in a site namespace (gridlake-site-<site>) the remote agent runs it.',
  spec: PowerSourceSpec,
  status: PowerSourceStatus,
  rootRules: [labelSizedName('PowerSource', 'collector')],
  printerColumns: [
    siteColumn(),
    readyColumn(),
    {
      name: 'Last Reading',
      type: 'date',
      jsonPath: '.status.progress.lastReadingTime',
      description: 'Age of the newest reading (freshness).',
    },
    {
      name: 'Demand MW',
      type: 'number',
      jsonPath: '.status.progress.lastReading.currentDemandMw',
      description: 'Current demand in the newest reading, MW.',
    },
    outcomeColumn(),
    {
      name: 'Reason',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
      description: 'Why the source is (not) ready.',
      priority: 1,
    },
    ageColumn(),
  ],
};
