import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Conditions, LakeLocation, ObservedGeneration, SecretKeyRef, SourceRef } from './common.js';
import { SQL_LOAD_MODES } from './defaults.js';
import { ageColumn, readyColumn } from './kind-definition.js';
import type { KindDefinition } from './kind-definition.js';
import { CalendarDate, ObjectName, StringEnum, Timestamp, withRules } from './schema-kit.js';

export const CATCH_UP_POLICIES = ['None', 'Latest', 'All'] as const;
export type CatchUpPolicy = (typeof CATCH_UP_POLICIES)[number];
export const CONCURRENCY_POLICIES = ['Forbid', 'Allow', 'Replace'] as const;
export type ConcurrencyPolicy = (typeof CONCURRENCY_POLICIES)[number];
/** Why a finished date runs again (SiteCaughtUp: a date joined `site_late` whose site watermarks have passed). */
export const RERUN_REASONS = ['LateData', 'Deleted', 'SiteCaughtUp'] as const;
export type RerunReason = (typeof RERUN_REASONS)[number];
export const SQL_ENGINES = ['postgres', 'mysql'] as const;
export { SQL_LOAD_MODES, type SqlLoadMode } from './defaults.js';

/**
 * A 5-field cron expression (minute hour day-of-month month day-of-week, names
 * allowed) or a macro. The same expression is the CEL rule and the TS mirror;
 * cron-parser then checks the values (see daily-join-semantics.ts).
 */
export const CRON_PATTERN =
  '^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|[0-9A-Za-z*?/,-]+( +[0-9A-Za-z*?/,-]+){4})$';
const CRON_RE = new RegExp(CRON_PATTERN);

/** SQL identifiers we create: safe in PostgreSQL and MySQL without quoting surprises. */
export const SQL_IDENTIFIER = '^[A-Za-z_][A-Za-z0-9_]*$';

export const SqlOutput = withRules(
  Type.Object(
    {
      engine: StringEnum(SQL_ENGINES, { description: 'postgres (PostgreSQL) or mysql (MySQL / MariaDB).' }),
      connectionSecretRef: Type.Object(SecretKeyRef.properties, {
        description: 'Secret key holding the connection URL (postgres://… or mysql://…, with credentials).',
        additionalProperties: false,
      }),
      schema: Type.Optional(
        Type.String({
          description: 'Database schema (PostgreSQL) the tables live in; absent: the connection default.',
          minLength: 1,
          maxLength: 63,
          pattern: SQL_IDENTIFIER,
        }),
      ),
      hourlyTable: Type.String({
        description: 'Table for power_weather_hourly rows (primary key date, hour, location).',
        default: 'power_weather_hourly',
        minLength: 1,
        maxLength: 63,
        pattern: SQL_IDENTIFIER,
      }),
      dailyTable: Type.String({
        description: 'Table for power_weather_daily rows (primary key date, location).',
        default: 'power_weather_daily',
        minLength: 1,
        maxLength: 63,
        pattern: SQL_IDENTIFIER,
      }),
      mode: StringEnum(SQL_LOAD_MODES, {
        description:
          'overwrite: delete the date and insert, in one transaction (reruns are idempotent). append: insert only. upsert: insert or update on the primary key.',
        default: 'overwrite',
      }),
      createTables: Type.Boolean({
        description: 'Create missing tables from the warehouse schema; a mismatching table fails the run.',
        default: true,
      }),
      batchRows: Type.Integer({ description: 'Rows per INSERT batch.', default: 500, minimum: 1, maximum: 10000 }),
    },
    { description: 'Also load the day into SQL tables.', additionalProperties: false },
  ),
  [
    {
      rule: 'self.hourlyTable != self.dailyTable',
      message: 'hourlyTable and dailyTable must be different tables',
      fieldPath: '.dailyTable',
      check: (s) => s.hourlyTable !== s.dailyTable,
    },
  ],
);
export type SqlOutput = Static<typeof SqlOutput>;

export const DailyJoinSpec = withRules(
  Type.Object(
    {
      schedule: Type.String({
        description:
          'Cron schedule (5 fields: minute hour day-of-month month day-of-week, or @daily) in timeZone. A firing at time T joins the logical date before T, so the default 01:30 joins yesterday once the day is complete.',
        default: '30 1 * * *',
        minLength: 1,
        maxLength: 128,
      }),
      timeZone: Type.String({
        description: 'IANA time zone of the schedule and of logical dates.',
        default: 'Asia/Seoul',
        minLength: 1,
        maxLength: 64,
        pattern: '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$',
      }),
      inputs: withRules(
        Type.Object(
          {
            power: Type.Object(SourceRef.properties, {
              description: 'The PowerSource whose topic feeds the join.',
              additionalProperties: false,
            }),
            weather: Type.Array(
              Type.Object(SourceRef.properties, { description: 'A WeatherSource.', additionalProperties: false }),
              {
                description: 'The WeatherSources whose locations become rows (plus the mean over them, location *).',
                minItems: 1,
                maxItems: 16,
              },
            ),
          },
          { description: 'The sources joined.', additionalProperties: false },
        ),
        [
          {
            rule: "self.weather.all(a, self.weather.exists_one(b, b.name == a.name && (has(b.__namespace__) ? b.__namespace__ : '') == (has(a.__namespace__) ? a.__namespace__ : '')))",
            message: 'each WeatherSource is listed once',
            fieldPath: '.weather',
            check: (i) =>
              i.weather.every(
                (a) =>
                  i.weather.filter((b) => b.name === a.name && (b.namespace ?? '') === (a.namespace ?? '')).length ===
                  1,
              ),
          },
        ],
      ),
      lake: LakeLocation,
      outputs: Type.Object(
        {
          warehouse: Type.Object(
            {
              compression: StringEnum(['snappy', 'uncompressed'] as const, {
                description: 'Parquet codec of warehouse files.',
                default: 'snappy',
              }),
            },
            {
              description:
                'warehouse/<table>/year=YYYY/month=MM/day=DD/data.parquet with _manifest.json, replaced whole by a rerun.',
              additionalProperties: false,
              default: {},
            },
          ),
          sql: Type.Optional(SqlOutput),
        },
        { description: 'Where the joined day goes.', additionalProperties: false, default: {} },
      ),
      quality: Type.Object(
        {
          minPowerCoverage: Type.Number({
            description: "A day's quality is ok when distinct 5-minute readings / 288 reaches this.",
            default: 0.95,
            minimum: 0,
            maximum: 1,
          }),
          minWeatherCoverage: Type.Number({
            description: 'A day is ok when hours with a temperature / 24 reaches this.',
            default: 0.9,
            minimum: 0,
            maximum: 1,
          }),
        },
        { description: 'Thresholds for quality ok versus partial.', additionalProperties: false, default: {} },
      ),
      startDate: Type.Optional(
        CalendarDate(
          'First logical date (YYYY-MM-DD) to join; absent: the day the DailyJoin was created. A date after today is reported by the InvalidSpec condition.',
        ),
      ),
      catchUp: Type.Object(
        {
          policy: StringEnum(CATCH_UP_POLICIES, {
            description:
              'Missed dates (since startDate or the last run): None skips them, Latest runs only the most recent, All runs every one, oldest first, at most maxDates.',
            default: 'Latest',
          }),
          maxDates: Type.Integer({
            description: 'Cap on the dates one catch-up creates (policy All).',
            default: 30,
            minimum: 1,
            maximum: 366,
          }),
        },
        {
          description: 'What happens to dates missed while the controller was down or the join suspended.',
          additionalProperties: false,
          default: {},
        },
      ),
      maxActiveRuns: Type.Integer({
        description:
          'At most this many DailyJoinRuns of this join run at once (needs concurrencyPolicy Allow above 1).',
        default: 1,
        minimum: 1,
        maximum: 32,
      }),
      concurrencyPolicy: StringEnum(CONCURRENCY_POLICIES, {
        description:
          'When a date is due while a run is active: Forbid waits for it, Allow starts another (up to maxActiveRuns), Replace deletes the active run and starts the new one.',
        default: 'Forbid',
      }),
      startingDeadlineSeconds: Type.Optional(
        Type.Integer({
          description:
            'A scheduled firing not started within this many seconds counts as missed (then catchUp decides).',
          minimum: 0,
          maximum: 2678400,
        }),
      ),
      suspend: Type.Boolean({
        description: 'Create no new runs; active runs finish. Resuming applies catchUp to the dates missed.',
        default: false,
      }),
      successfulRunsHistoryLimit: Type.Integer({
        description: 'Finished successful runs kept; older ones are deleted.',
        default: 3,
        minimum: 0,
        maximum: 1000,
      }),
      failedRunsHistoryLimit: Type.Integer({
        description: 'Failed runs kept; older ones are deleted.',
        default: 1,
        minimum: 0,
        maximum: 1000,
      }),
      backoffLimit: Type.Integer({
        description: 'Retries of a run before it fails (the Job backoffLimit).',
        default: 2,
        minimum: 0,
        maximum: 10,
      }),
      runTimeoutSeconds: Type.Integer({
        description: "A run taking longer fails (the Job's activeDeadlineSeconds).",
        default: 3600,
        minimum: 60,
        maximum: 86400,
      }),
      siteGraceSeconds: Type.Integer({
        description:
          "How long a due date waits for remote sites: a date whose inputs include a source in a site namespace (gridlake-site-<site>) starts once the site's forwarded watermark for that source (RemoteSite status.sources) passes the end of the date, or when this many seconds have passed since the date became due; then it runs flagged site_late and is joined again once the watermark passes. 0: never wait (late days are still flagged and rerun).",
        default: 7200,
        minimum: 0,
        maximum: 2678400,
      }),
      lateDataDays: Type.Integer({
        description:
          'Look-back in days: each run also checks this many dates before its own, and a joined date whose inputs in the lake changed since its run (late data) is rerun once that run finishes (in the embedded default the scheduler checks the window itself). 0 turns it off.',
        default: 3,
        minimum: 0,
        maximum: 31,
      }),
    },
    { description: 'A daily join of power and weather into the warehouse.', additionalProperties: false },
  ),
  [
    {
      rule: "!self.schedule.startsWith('TZ=') && !self.schedule.startsWith('CRON_TZ=')",
      message: 'put the time zone in spec.timeZone, not in the schedule (TZ= and CRON_TZ= are not accepted)',
      fieldPath: '.schedule',
      check: (s) => !s.schedule.startsWith('TZ=') && !s.schedule.startsWith('CRON_TZ='),
    },
    {
      rule: `self.schedule.startsWith('TZ=') || self.schedule.startsWith('CRON_TZ=') || self.schedule.matches('${CRON_PATTERN}')`,
      message:
        'schedule must be a cron expression of 5 fields (minute hour day-of-month month day-of-week), e.g. "30 1 * * *", or a macro such as @daily',
      fieldPath: '.schedule',
      check: (s) => s.schedule.startsWith('TZ=') || s.schedule.startsWith('CRON_TZ=') || CRON_RE.test(s.schedule),
    },
    {
      rule: "self.maxActiveRuns == 1 || self.concurrencyPolicy == 'Allow'",
      message: 'maxActiveRuns above 1 needs concurrencyPolicy Allow (Forbid and Replace keep one run active)',
      fieldPath: '.maxActiveRuns',
      check: (s) => s.maxActiveRuns === 1 || s.concurrencyPolicy === 'Allow',
    },
  ],
);
export type DailyJoinSpec = Static<typeof DailyJoinSpec>;

export const DailyJoinStatus = Type.Object(
  {
    observedGeneration: Type.Optional(ObservedGeneration),
    conditions: Type.Optional(Conditions('Ready, Scheduling, InvalidSpec, LastRunFailed, NoInput, WaitingForSites')),
    lastScheduleTime: Type.Optional(Timestamp('When the controller last created a run for a due date.')),
    nextScheduleTime: Type.Optional(Timestamp('When the next firing is due (absent while suspended).')),
    nextDate: Type.Optional(CalendarDate('Logical date the next firing will join.')),
    lastSuccessfulDate: Type.Optional(CalendarDate('Newest logical date whose run succeeded.')),
    lastSuccessfulTime: Type.Optional(Timestamp('When that run finished.')),
    knownRuns: Type.Optional(
      Type.Array(
        Type.Object(
          {
            date: CalendarDate('Logical date of the run (its name is <join>-<yyyymmdd>).'),
            finished: Type.Boolean({ description: 'Whether the run had finished.' }),
          },
          { description: 'A run the controller saw and did not delete itself.', additionalProperties: false },
        ),
        {
          description:
            'The runs of this join as the controller last saw them: a run missing from here was deleted by someone else, and its date is run again.',
          maxItems: 2100,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['date'],
        },
      ),
    ),
    pendingReruns: Type.Optional(
      Type.Array(
        Type.Object(
          {
            date: CalendarDate('Logical date to run again.'),
            reason: StringEnum(RERUN_REASONS, {
              description:
                'LateData: a run found inputs its manifest does not list. Deleted: a person deleted its run. SiteCaughtUp: the date ran flagged site_late and the sites have now forwarded it.',
            }),
            since: Type.Optional(
              Timestamp('LateData: when the late data was found; a run of the date created after that has it.'),
            ),
          },
          { description: 'A date waiting to run again.', additionalProperties: false },
        ),
        {
          description: 'Dates waiting to run again (within maxActiveRuns, after due dates).',
          maxItems: 64,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['date'],
        },
      ),
    ),
    siteWaits: Type.Optional(
      Type.Array(
        Type.Object(
          {
            date: CalendarDate('Logical date due but not started.'),
            since: Timestamp('When the date became due (its firing); spec.siteGraceSeconds counts from here.'),
            trigger: StringEnum(['Schedule', 'CatchUp'] as const, {
              description: 'Trigger of the run once it starts.',
            }),
          },
          { description: 'A due date waiting for remote sites.', additionalProperties: false },
        ),
        {
          description:
            "Due dates not started yet because a site's forwarded watermark for one of the inputs has not passed the end of the date (the WaitingForSites condition names the site, the source and the watermark); each starts when the watermarks pass, or flagged site_late when spec.siteGraceSeconds is over.",
          maxItems: 366,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['date'],
        },
      ),
    ),
    siteLateDates: Type.Optional(
      Type.Array(
        Type.Object(
          {
            date: CalendarDate('Logical date joined before its sites had forwarded it.'),
            since: Timestamp('When its flagged run was created.'),
          },
          { description: 'A date joined site_late.', additionalProperties: false },
        ),
        {
          description:
            'Dates whose run started flagged site_late (spec.siteLate of the DailyJoinRun; quality site_late in the warehouse); each is joined again (pendingReruns, SiteCaughtUp) once the watermarks pass.',
          maxItems: 366,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['date'],
        },
      ),
    ),
    noInputDates: Type.Optional(
      Type.Array(
        Type.Object(
          {
            date: CalendarDate('Logical date whose last run found no rows.'),
            emptyInputs: Type.Array(StringEnum(['power', 'weather'] as const, { description: 'An input.' }), {
              description: 'The inputs that had no rows.',
              maxItems: 2,
            }),
          },
          { description: 'A date joined without input.', additionalProperties: false },
        ),
        {
          description:
            "Dates within the catch-up window (catchUp.maxDates, or lateDataDays when longer) whose last run found no rows (the NoInput condition); a run's late-data pass reports one once raw files for it exist, and it is joined again.",
          maxItems: 366,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['date'],
        },
      ),
    ),
    activeRuns: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: ObjectName('Name of the DailyJoinRun.'),
            date: CalendarDate('Its logical date.'),
          },
          { description: 'A run not finished yet.', additionalProperties: false },
        ),
        {
          description: 'Runs not finished yet, oldest date first.',
          maxItems: 64,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
        },
      ),
    ),
  },
  { description: 'Observed state of the DailyJoin (written by the controller).', additionalProperties: false },
);
export type DailyJoinStatus = Static<typeof DailyJoinStatus>;

/** DailyJoin names leave room for `-yyyymmdd` within a Job name (63). */
export const DAILY_JOIN_NAME_MAX = 54;

export const dailyJoinKind: KindDefinition<DailyJoinSpec> = {
  kind: 'DailyJoin',
  plural: 'dailyjoins',
  singular: 'dailyjoin',
  listKind: 'DailyJoinList',
  shortNames: ['dj'],
  scope: 'Namespaced',
  description:
    'DailyJoin joins a day of power readings and weather observations from the lake into the warehouse (and optionally SQL) on a cron schedule, one DailyJoinRun per logical date (named <join>-<yyyymmdd>).',
  spec: DailyJoinSpec,
  status: DailyJoinStatus,
  rootRules: [
    {
      rule: `self.metadata.name.size() <= ${DAILY_JOIN_NAME_MAX}`,
      message: `DailyJoin names are at most ${DAILY_JOIN_NAME_MAX} characters, so a run name <join>-<yyyymmdd> stays a valid Job name (63)`,
      check: (r) => r.metadata.name.length <= DAILY_JOIN_NAME_MAX,
    },
  ],
  printerColumns: [
    { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule', description: 'Cron schedule.' },
    { name: 'Suspend', type: 'boolean', jsonPath: '.spec.suspend', description: 'Whether new runs are held.' },
    readyColumn(),
    {
      name: 'Last Success',
      type: 'string',
      jsonPath: '.status.lastSuccessfulDate',
      description: 'Newest logical date joined successfully.',
    },
    {
      name: 'Active',
      type: 'string',
      jsonPath: '.status.activeRuns[*].date',
      description: 'Dates being joined now.',
    },
    {
      name: 'Next',
      type: 'string',
      jsonPath: '.status.nextScheduleTime',
      description: 'Next firing (kubectl cannot show a future time as an age, so it is printed as is).',
    },
    { name: 'Time Zone', type: 'string', jsonPath: '.spec.timeZone', description: 'Time zone.', priority: 1 },
    ageColumn(),
  ],
};
