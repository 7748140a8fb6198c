import { POWER_TOPIC, WEATHER_TOPIC } from '../api/defaults.js';
import { glError } from '../errors.js';
import { DEFAULT_THRESHOLDS } from './types.js';
import type { Thresholds } from './types.js';

/**
 * What one DailyJoin declares that the engine needs: its name, the locations
 * of its WeatherSources, topics, lake prefixes and quality thresholds.
 */
export interface JoinConfig {
  /** `namespace/name` of the DailyJoin; a metrics label and log field */
  readonly join: string;
  /** configured location names (observed ones are added; `*` is implicit) */
  readonly locations: readonly string[];
  readonly thresholds: Thresholds;
  readonly powerTopic: string;
  readonly weatherTopic: string;
  /** prefix of the raw zone in the lake, default `raw` */
  readonly rawPrefix: string;
  /** prefix of the warehouse zone in the lake, default `warehouse` */
  readonly warehousePrefix: string;
  /** a remote site had not forwarded the whole date when the run started: every daily row's quality is `site_late` */
  readonly siteLate?: boolean;
}

/** Default topic names (docs/messages.md). */
export const DEFAULT_POWER_TOPIC = POWER_TOPIC;
export const DEFAULT_WEATHER_TOPIC = WEATHER_TOPIC;

const JOIN_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;
const PREFIX = /^[A-Za-z0-9_.=+-]+(\/[A-Za-z0-9_.=+-]+)*$/;

function invalid(message: string, context: Record<string, unknown>): never {
  throw glError('GL_JOIN_CONFIG_INVALID', message, { context });
}

/** Fills defaults and validates; throws GL_JOIN_CONFIG_INVALID with the offending field. */
export function joinConfig(input: Partial<JoinConfig> & { readonly join: string }): JoinConfig {
  const cfg: JoinConfig = {
    locations: [],
    thresholds: DEFAULT_THRESHOLDS,
    powerTopic: DEFAULT_POWER_TOPIC,
    weatherTopic: DEFAULT_WEATHER_TOPIC,
    rawPrefix: 'raw',
    warehousePrefix: 'warehouse',
    ...input,
  };
  if (!JOIN_NAME.test(cfg.join))
    invalid(`join must be namespace/name, got ${JSON.stringify(cfg.join)}`, { join: cfg.join });
  for (const [field, v] of Object.entries(cfg.thresholds)) {
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      invalid(`threshold ${field} must be within 0…1`, { field, value: v });
  }
  for (const loc of cfg.locations) {
    if (loc === '' || loc === '*')
      invalid(`location name ${JSON.stringify(loc)} is reserved or empty`, { location: loc });
  }
  for (const [field, v] of [
    ['powerTopic', cfg.powerTopic],
    ['weatherTopic', cfg.weatherTopic],
    ['rawPrefix', cfg.rawPrefix],
    ['warehousePrefix', cfg.warehousePrefix],
  ] as const) {
    if (!PREFIX.test(v) || v.split('/').some((seg) => seg === '.' || seg === '..'))
      invalid(`${field} ${JSON.stringify(v)} is not a valid lake path segment`, { field, value: v });
  }
  return cfg;
}
