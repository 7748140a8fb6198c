import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Conditions, ObservedGeneration, ReporterFields, SecretKeyRef, WorkerError } from './common.js';
import { DEAD_LETTER_TOPIC, WEATHER_TOPIC } from './defaults.js';
import { ageColumn, readyColumn, labelSizedName, outcomeColumn, siteColumn } from './kind-definition.js';
import type { KindDefinition } from './kind-definition.js';
import { POLL_OUTCOMES } from './power-source.js';
import { StringEnum, Timestamp, Topic, withRules } from './schema-kit.js';
import { GRID_LAT_LON_BOX } from '../sources/kma/kma-grid.js';

/** How a location's grid cell was obtained. */
export const CELL_RULES = ['given', 'lambert-round-half-up'] as const;

const BOX = GRID_LAT_LON_BOX;
// CEL has no trigonometry, so the CRD cannot project lat/lon onto the grid: it
// checks the box around the grid, and what lies in the box's corners but off
// the grid is refused by the embedded loader and reported as InvalidSpec by the
// controller (checkWeatherSourceSemantics).
const inBox = (v: number): string => (Number.isInteger(v) ? `${v}.0` : String(v));

/** The CRD's message for coordinates outside the box around KMA's grid. */
export const OFF_GRID_BOX_MESSAGE = `lat/lon lie outside KMA's 5 km grid, which lies within latitude ${BOX.latMin}..${BOX.latMax} and longitude ${BOX.lonMin}..${BOX.lonMax}: KMA has no observations there; give a point in South Korea or a grid cell nx/ny`;

/** A named place: a KMA grid cell (`nx`,`ny`) or coordinates (`lat`,`lon`), never both. */
export const WeatherLocation = withRules(
  Type.Object(
    {
      name: Type.String({
        description:
          "Name of the location; it appears in every observation and warehouse row (e.g. seoul). '*' is reserved for the mean over all locations.",
        minLength: 1,
        maxLength: 63,
        pattern: '^[a-z0-9]([-a-z0-9_]*[a-z0-9])?$',
      }),
      nx: Type.Optional(
        Type.Integer({ description: 'KMA grid column (5 km Lambert grid), 1..149.', minimum: 1, maximum: 149 }),
      ),
      ny: Type.Optional(
        Type.Integer({ description: 'KMA grid row (5 km Lambert grid), 1..253.', minimum: 1, maximum: 253 }),
      ),
      lat: Type.Optional(
        Type.Number({
          description: 'Latitude in degrees (WGS84); converted to the KMA grid cell by the collector.',
          minimum: 30,
          maximum: 45,
        }),
      ),
      lon: Type.Optional(
        Type.Number({
          description: 'Longitude in degrees (WGS84); converted to the KMA grid cell by the collector.',
          minimum: 120,
          maximum: 135,
        }),
      ),
    },
    {
      description:
        "A named place. Give nx and ny (KMA's published cell; use this where a city hall's coordinates fall one cell off, e.g. Daegu, Jeju, Suwon) or lat and lon.",
      additionalProperties: false,
    },
  ),
  [
    {
      rule: '(has(self.nx) && has(self.ny) && !has(self.lat) && !has(self.lon)) || (!has(self.nx) && !has(self.ny) && has(self.lat) && has(self.lon))',
      message:
        'a location gives either nx and ny (a KMA grid cell) or lat and lon (degrees): exactly one of the two pairs',
      check: (l) =>
        (l.nx !== undefined && l.ny !== undefined && l.lat === undefined && l.lon === undefined) ||
        (l.nx === undefined && l.ny === undefined && l.lat !== undefined && l.lon !== undefined),
    },
    {
      rule: `!has(self.lat) || !has(self.lon) || (self.lat >= ${inBox(BOX.latMin)} && self.lat <= ${inBox(BOX.latMax)} && self.lon >= ${inBox(BOX.lonMin)} && self.lon <= ${inBox(BOX.lonMax)})`,
      message: OFF_GRID_BOX_MESSAGE,
      check: (l) =>
        l.lat === undefined ||
        l.lon === undefined ||
        (l.lat >= BOX.latMin && l.lat <= BOX.latMax && l.lon >= BOX.lonMin && l.lon <= BOX.lonMax),
    },
  ],
);
export type WeatherLocation = Static<typeof WeatherLocation>;

export const WeatherSourceSpec = withRules(
  Type.Object(
    {
      endpoint: Type.Object(
        {
          baseUrl: Type.String({
            description: 'Base URL of the KMA API: the data.go.kr gateway or a simulator (gridlake simulate).',
            default: 'https://apis.data.go.kr',
            maxLength: 2048,
            pattern: '^https?://[^\\s]+$',
          }),
        },
        { description: 'Where the KMA API is reached.', additionalProperties: false, default: {} },
      ),
      serviceKeySecretRef: Type.Object(SecretKeyRef.properties, {
        description: 'Secret key holding the data.go.kr service key (Encoding or Decoding form).',
        additionalProperties: false,
      }),
      locations: Type.Array(WeatherLocation, {
        description: 'The places observed; one API call per location and hour.',
        minItems: 1,
        maxItems: 50,
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
      }),
      pollIntervalSeconds: Type.Integer({
        description:
          'Seconds between rounds. Observations are hourly and served from HH:10; a round that meets NO_DATA retries later in the hour.',
        default: 600,
        minimum: 60,
        maximum: 3600,
      }),
      dailyCallBudget: Type.Integer({
        description: 'Calls per day (KST) across all locations; 10000 for a development key.',
        default: 10000,
        minimum: 1,
        maximum: 10000000,
      }),
      requestTimeoutSeconds: Type.Integer({
        description: 'Timeout of one HTTP request, in seconds.',
        default: 30,
        minimum: 1,
        maximum: 300,
      }),
      topic: Topic('Topic the observations are produced to (key: yyyyMMddHHmm:nx:ny).', WEATHER_TOPIC),
      deadLetterTopic: Topic('Topic for answers that cannot be parsed, with the reason.', DEAD_LETTER_TOPIC),
      suspend: Type.Boolean({ description: 'Stop polling without deleting the source.', default: false }),
    },
    {
      description: 'KMA ultra-short-term observations (hourly, 5 km grid) for named locations.',
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
      rule: 'self.locations.all(a, !has(a.nx) || !has(a.ny) || self.locations.exists_one(b, has(b.nx) && has(b.ny) && b.nx == a.nx && b.ny == a.ny))',
      message:
        'two locations name the same grid cell (nx, ny); observations are keyed by cell, so give each cell one name',
      fieldPath: '.locations',
      check: (s) =>
        s.locations.every(
          (a) =>
            a.nx === undefined ||
            a.ny === undefined ||
            s.locations.filter((b) => b.nx !== undefined && b.ny !== undefined && b.nx === a.nx && b.ny === a.ny)
              .length === 1,
        ),
    },
  ],
);
export type WeatherSourceSpec = Static<typeof WeatherSourceSpec>;

export const WeatherSourceProgress = Type.Object(
  {
    ...ReporterFields,
    lastPollTime: Type.Optional(Timestamp('When the collector last called the API.')),
    lastOutcome: Type.Optional(StringEnum(POLL_OUTCOMES, { description: 'How the last poll was classified.' })),
    lastObservationTime: Type.Optional(
      Timestamp('Base time of the newest observation produced for any location (freshness).'),
    ),
    recordsTotal: Type.Optional(
      Type.Integer({ description: 'Observations produced since the collector started (after dedupe).', minimum: 0 }),
    ),
    callsToday: Type.Optional(Type.Integer({ description: 'API calls made today (KST).', minimum: 0 })),
    locations: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ description: 'Location name from the spec.', maxLength: 63 }),
            nx: Type.Integer({ description: 'Grid column used.', minimum: 1, maximum: 149 }),
            ny: Type.Integer({ description: 'Grid row used.', minimum: 1, maximum: 253 }),
            cellRule: StringEnum(CELL_RULES, {
              description: 'given: nx/ny from the spec; lambert-round-half-up: converted from lat/lon.',
            }),
            lastObservationTime: Type.Optional(Timestamp('Base time of the newest observation here.')),
            temperatureC: Type.Optional(Type.Number({ description: 'Newest temperature, °C.' })),
          },
          { description: 'What the collector resolved and saw for one location.', additionalProperties: false },
        ),
        {
          description: 'Per-location progress.',
          maxItems: 50,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
        },
      ),
    ),
    lastError: Type.Optional(WorkerError),
  },
  {
    description: 'Written by the collector (or the remote agent) through the status subresource.',
    additionalProperties: false,
  },
);
export type WeatherSourceProgress = Static<typeof WeatherSourceProgress>;

export const WeatherSourceStatus = Type.Object(
  {
    observedGeneration: Type.Optional(ObservedGeneration),
    conditions: Type.Optional(Conditions('Ready, Collecting, SecretMissing, InvalidSpec')),
    site: Type.Optional(
      Type.String({ description: 'hub, or the remote site that owns this namespace.', maxLength: 63 }),
    ),
    progress: Type.Optional(WeatherSourceProgress),
  },
  { description: 'Observed state of the WeatherSource.', additionalProperties: false },
);
export type WeatherSourceStatus = Static<typeof WeatherSourceStatus>;

export const weatherSourceKind: KindDefinition<WeatherSourceSpec> = {
  kind: 'WeatherSource',
  plural: 'weathersources',
  singular: 'weathersource',
  listKind: 'WeatherSourceList',
  shortNames: ['wxs'],
  scope: 'Namespaced',
  description:
    'WeatherSource collects KMA ultra-short-term observations (temperature, rain, humidity, wind) every hour for named locations and produces them to a topic.',
  spec: WeatherSourceSpec,
  status: WeatherSourceStatus,
  rootRules: [labelSizedName('WeatherSource', 'collector')],
  printerColumns: [
    siteColumn(),
    readyColumn(),
    {
      name: 'Last Observation',
      type: 'date',
      jsonPath: '.status.progress.lastObservationTime',
      description: 'Age of the newest observation (freshness).',
    },
    outcomeColumn(),
    {
      name: 'Locations',
      type: 'string',
      jsonPath: '.spec.locations[*].name',
      description: 'Names of the observed locations.',
      priority: 1,
    },
    ageColumn(),
  ],
};
