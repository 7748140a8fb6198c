/*
 * Defaults the custom-resource schemas declare and the commands share, so a
 * resource and the command that runs it cannot disagree. Plain constants (no
 * schema library), so a command's declaration can show them in its help
 * without loading the schemas.
 */

/** Topic of KPX power readings (docs: the messages page). */
export const POWER_TOPIC = 'gridlake.power.kpx.v1';
/** Topic of KMA weather observations. */
export const WEATHER_TOPIC = 'gridlake.weather.kma.v1';
/** Topic of answers and records that could not be parsed. */
export const DEAD_LETTER_TOPIC = 'gridlake.deadletter.v1';

/** S3 region of a lake (`LakeLocation.region`). */
export const DEFAULT_S3_REGION = 'ap-northeast-2';

/** A LakeSink's flush policy: a file closes at whichever limit is reached first. */
export const FLUSH_DEFAULTS = {
  maxRecords: 50_000,
  /** 64 MiB */
  maxBytes: 64 * 1024 * 1024,
  maxAgeSeconds: 900,
} as const;

/** How a DailyJoin loads a day into SQL. */
export const SQL_LOAD_MODES = ['overwrite', 'append', 'upsert'] as const;
export type SqlLoadMode = (typeof SQL_LOAD_MODES)[number];

/**
 * Where `gridlake standalone` keeps the example LakeSink's bucket
 * (`<data-dir>/lake/<bucket>`, data dir .gridlake, bucket gridlake): a join run
 * by hand after `npm start` reads what it wrote.
 */
export const LOCAL_LAKE = '.gridlake/lake/gridlake';
