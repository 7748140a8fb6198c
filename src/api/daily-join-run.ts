import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Conditions, ObservedGeneration, ReporterFields } from './common.js';
import { ageColumn } from './kind-definition.js';
import type { KindDefinition } from './kind-definition.js';
import { CalendarDate, ObjectName, StringEnum, Timestamp, withRules } from './schema-kit.js';

/** Why a run exists. */
export const RUN_TRIGGERS = ['Schedule', 'CatchUp', 'LateData', 'Manual'] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];
/** Where the run's Job is. */
export const RUN_STATES = ['Pending', 'Running', 'Succeeded', 'Failed'] as const;
export type RunState = (typeof RUN_STATES)[number];
/** What the join reported (docs/warehouse.md: succeeded, partial, no-input, failed). */
export const RUN_OUTCOMES = ['Succeeded', 'Partial', 'NoInput', 'Failed'] as const;
export type RunOutcome = (typeof RUN_OUTCOMES)[number];
/** Why a run reports an earlier date for a rerun (see `status.lateData`). */
export const LATE_DATA_REASONS = ['InputsChanged', 'NeverJoined'] as const;
export type LateDataReason = (typeof LATE_DATA_REASONS)[number];
/** Steps of a join, as the worker reports them in `status.progress.stage`. */
export const RUN_STAGES = ['Reading', 'Deduplicating', 'Joining', 'Writing', 'Exporting', 'Done'] as const;

export const DailyJoinRunSpec = withRules(
  Type.Object(
    {
      joinRef: Type.Object(
        { name: ObjectName('Name of the DailyJoin in this namespace.', 54) },
        { description: 'The DailyJoin whose inputs and outputs this run uses.', additionalProperties: false },
      ),
      date: CalendarDate('Logical date joined (YYYY-MM-DD, in the DailyJoin time zone): 00:00 to 24:00.'),
      trigger: StringEnum(RUN_TRIGGERS, {
        description:
          'Why the run exists: Schedule, CatchUp and LateData are set by the controller; Manual is a person backfilling a date.',
        default: 'Manual',
      }),
      siteLate: Type.Optional(
        Type.Boolean({
          description:
            "Set by the controller when the run started although a remote site had not forwarded the whole date (the DailyJoin's siteGraceSeconds ran out): the join writes quality site_late, and the date is joined again once the site catches up.",
        }),
      ),
    },
    { description: 'One logical date of one DailyJoin.', additionalProperties: false },
  ),
  [
    {
      rule: 'self == oldSelf',
      message: 'a DailyJoinRun spec cannot change; delete the run to have the date run again',
      transition: true,
      check: (self, old) => old === undefined || JSON.stringify(self) === JSON.stringify(old),
    },
  ],
);
export type DailyJoinRunSpec = Static<typeof DailyJoinRunSpec>;

export const DailyJoinRunProgress = Type.Object(
  {
    ...ReporterFields,
    stage: StringEnum(RUN_STAGES, { description: 'Step the join is in.' }),
    message: Type.Optional(Type.String({ description: 'What the step is doing, in a sentence.', maxLength: 1024 })),
  },
  { description: 'Written by the join process (the Job) while it runs.', additionalProperties: false },
);
export type DailyJoinRunProgress = Static<typeof DailyJoinRunProgress>;

export const DailyJoinRunStatus = Type.Object(
  {
    observedGeneration: Type.Optional(ObservedGeneration),
    conditions: Type.Optional(Conditions('Succeeded, Running, NoInput')),
    state: Type.Optional(StringEnum(RUN_STATES, { description: "Where the run's Job is." })),
    outcome: Type.Optional(
      StringEnum(RUN_OUTCOMES, {
        description:
          'What the join reported: Succeeded, Partial (quality below thresholds), NoInput (nothing to join), Failed.',
      }),
    ),
    jobName: Type.Optional(ObjectName('The Job running the join.')),
    attempts: Type.Optional(Type.Integer({ description: 'Pods the Job started (1 + retries).', minimum: 0 })),
    startTime: Type.Optional(Timestamp('When the Job started.')),
    completionTime: Type.Optional(Timestamp('When the run finished.')),
    durationSeconds: Type.Optional(Type.Number({ description: 'Seconds from start to finish.', minimum: 0 })),
    rows: Type.Optional(
      Type.Object(
        {
          powerIn: Type.Integer({ description: 'Power readings read from the raw zone.', minimum: 0 }),
          weatherIn: Type.Integer({ description: 'Weather observations read from the raw zone.', minimum: 0 }),
          duplicatesRemoved: Type.Integer({ description: 'Readings dropped as duplicates.', minimum: 0 }),
          rejected: Type.Integer({ description: 'Readings excluded for impossible values.', minimum: 0 }),
          hourlyOut: Type.Integer({ description: 'Rows written to power_weather_hourly.', minimum: 0 }),
          dailyOut: Type.Integer({ description: 'Rows written to power_weather_daily.', minimum: 0 }),
        },
        { description: 'Row counts from the run report.', additionalProperties: false },
      ),
    ),
    quality: Type.Optional(
      Type.Object(
        {
          powerCoverage: Type.Number({ description: 'Distinct 5-minute readings / 288.', minimum: 0, maximum: 1 }),
          weatherCoverage: Type.Number({
            description: 'Hours with a temperature / 24 (location *).',
            minimum: 0,
            maximum: 1,
          }),
          level: StringEnum(['ok', 'partial', 'site_late'] as const, {
            description:
              'ok when both coverages reach the thresholds, else partial; site_late when the run started before a remote site had forwarded the whole date (spec.siteLate).',
          }),
        },
        { description: 'Quality of the joined day, from the run report.', additionalProperties: false },
      ),
    ),
    message: Type.Optional(Type.String({ description: 'Why the run failed, or a summary.', maxLength: 4096 })),
    lateData: Type.Optional(
      Type.Array(
        Type.Object(
          {
            date: CalendarDate('An earlier logical date of the same join.'),
            reason: StringEnum(LATE_DATA_REASONS, {
              description:
                'InputsChanged: the lake holds raw files for the date that its manifest does not list (late data). NeverJoined: the date has inputs but no manifest (its run found nothing, or failed).',
            }),
          },
          { description: 'A date the DailyJoin reruns because of late data.', additionalProperties: false },
        ),
        {
          description:
            "Earlier dates (within the DailyJoin's lateDataDays) whose inputs changed since they were joined, found by this run; the DailyJoin reruns them.",
          maxItems: 31,
        },
      ),
    ),
    progress: Type.Optional(DailyJoinRunProgress),
  },
  {
    description: 'Observed state of the run; copied from its Job and run report by the controller.',
    additionalProperties: false,
  },
);
export type DailyJoinRunStatus = Static<typeof DailyJoinRunStatus>;

/** `<join>-<yyyymmdd>`: the one name a date of a join can have. */
export function dailyJoinRunName(joinName: string, date: string): string {
  return `${joinName}-${date.replaceAll('-', '')}`;
}

export const dailyJoinRunKind: KindDefinition<DailyJoinRunSpec> = {
  kind: 'DailyJoinRun',
  plural: 'dailyjoinruns',
  singular: 'dailyjoinrun',
  listKind: 'DailyJoinRunList',
  shortNames: ['djr'],
  scope: 'Namespaced',
  description:
    'DailyJoinRun is one logical date of one DailyJoin, run as a Job. The scheduler creates them; a person may create one to backfill a date, or delete one to have it rerun.',
  spec: DailyJoinRunSpec,
  status: DailyJoinRunStatus,
  rootRules: [
    {
      // spec.date has format date, so CEL sees a timestamp; turning it back into a
      // string is too costly for the estimator, so the name's date suffix is parsed instead.
      rule: "self.metadata.name.size() == self.spec.joinRef.name.size() + 9 && self.metadata.name.startsWith(self.spec.joinRef.name + '-') && self.metadata.name.matches('-[0-9]{8}$') && timestamp(self.metadata.name.substring(self.metadata.name.size() - 8, self.metadata.name.size() - 4) + '-' + self.metadata.name.substring(self.metadata.name.size() - 4, self.metadata.name.size() - 2) + '-' + self.metadata.name.substring(self.metadata.name.size() - 2, self.metadata.name.size()) + 'T00:00:00Z') == self.spec.date",
      message:
        'a DailyJoinRun is named <joinRef.name>-<yyyymmdd> (e.g. power-weather-20251122), so a date of a join can never run twice at once',
      check: (r) => r.metadata.name === dailyJoinRunName(r.spec.joinRef.name, r.spec.date),
    },
  ],
  printerColumns: [
    { name: 'Join', type: 'string', jsonPath: '.spec.joinRef.name', description: 'The DailyJoin.' },
    { name: 'Date', type: 'string', jsonPath: '.spec.date', description: 'Logical date joined.' },
    { name: 'State', type: 'string', jsonPath: '.status.state', description: "Where the run's Job is." },
    { name: 'Outcome', type: 'string', jsonPath: '.status.outcome', description: 'What the join reported.' },
    { name: 'Rows', type: 'integer', jsonPath: '.status.rows.hourlyOut', description: 'Hourly rows written.' },
    {
      name: 'Quality',
      type: 'string',
      jsonPath: '.status.quality.level',
      description: 'ok, partial, or site_late.',
    },
    {
      name: 'Duration',
      type: 'number',
      jsonPath: '.status.durationSeconds',
      description: 'Seconds from start to finish.',
    },
    { name: 'Trigger', type: 'string', jsonPath: '.spec.trigger', description: 'Why the run exists.', priority: 1 },
    ageColumn(),
  ],
};
