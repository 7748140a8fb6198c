import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { glError } from '../../errors.js';

/** A fault the simulator injects, at start (`--faults`) or at run time (`PUT /_sim/faults`). */
export const FaultSchema = Type.Object(
  {
    /** Which API: `kpx` (latest, history, legacy), `kma`, or `all`. */
    api: Type.Union([Type.Literal('kpx'), Type.Literal('kma'), Type.Literal('all')], { default: 'all' }),
    /**
     * `result`: a service result code in the requested format (`code` e.g. '03', '99', '10');
     * `gateway`: the XML gateway envelope (`code` 20, 22, 30, 32...); `http`: a status (`code` 401, 429, 500, 503);
     * `html`: HTTP 200 with an HTML error page; `slow`: answer after `delayMs`; `truncate`: cut the body;
     * `missing`: missing-value markers in KMA answers.
     */
    kind: Type.Union([
      Type.Literal('result'),
      Type.Literal('gateway'),
      Type.Literal('http'),
      Type.Literal('html'),
      Type.Literal('slow'),
      Type.Literal('truncate'),
      Type.Literal('missing'),
    ]),
    code: Type.Optional(Type.String()),
    delayMs: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Chance per call (seeded, deterministic), default 1. */
    probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** Applies this many times, then is removed (default: until cleared). */
    remaining: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type Fault = Static<typeof FaultSchema>;

/** Simulator settings; all can change at run time through `PUT /_sim/config`. */
export const SimConfigSchema = Type.Object(
  {
    /** Calls per KST day per key per operation (defaults: development quotas). */
    quotaKpx: Type.Integer({ minimum: 0, default: 100 }),
    quotaKma: Type.Integer({ minimum: 0, default: 10_000 }),
    /** Accepted service keys (decoded form); empty = any key. */
    keys: Type.Array(Type.String(), { default: [] }),
    /** Client addresses served; others have their connection dropped (KPX and AWS). Empty = all. */
    allowClients: Type.Array(Type.String(), { default: [] }),
    /** The legacy operation answers code 20 as it does today (default) or serves data. */
    legacyDenied: Type.Boolean({ default: true }),
    /** A KPX slot appears this long after its boundary. */
    kpxPublishDelayMs: Type.Integer({ minimum: 0, default: 60_000 }),
    /** A KMA base hour appears at HH:00 + this (HH:10). */
    kmaPublishOffsetMs: Type.Integer({ minimum: 0, default: 600_000 }),
    /** Hours of nowcast still served. */
    kmaRetentionHours: Type.Integer({ minimum: 1, default: 26 }),
    /** Seed of the fault dice. */
    seed: Type.Integer({ default: 1 }),
    faults: Type.Array(FaultSchema, { default: [] }),
  },
  { additionalProperties: false },
);
export type SimConfig = Static<typeof SimConfigSchema>;

/** Validates a (partial) config over defaults; throws GL_SOURCES_SIM_OPTION_INVALID with the paths. */
export function parseSimConfig(input: unknown, base?: SimConfig): SimConfig {
  const merged = {
    ...(base ?? Value.Create(SimConfigSchema)),
    ...(typeof input === 'object' && input !== null ? input : {}),
  };
  const withDefaults = Value.Default(SimConfigSchema, Value.Clone(merged));
  if (!Value.Check(SimConfigSchema, withDefaults)) {
    const errors = [...Value.Errors(SimConfigSchema, withDefaults)]
      .slice(0, 5)
      .map((e) => `${e.path || '/'}: ${e.message}`);
    throw glError('GL_SOURCES_SIM_OPTION_INVALID', `invalid simulator config: ${errors.join('; ')}`);
  }
  return withDefaults as SimConfig;
}

/** Validates a list of faults. */
export function parseFaults(input: unknown): Fault[] {
  const list = Array.isArray(input) ? input : [input];
  return list.map((f) => {
    const withDefaults = Value.Default(FaultSchema, Value.Clone(f));
    if (!Value.Check(FaultSchema, withDefaults)) {
      const errors = [...Value.Errors(FaultSchema, withDefaults)]
        .slice(0, 5)
        .map((e) => `${e.path || '/'}: ${e.message}`);
      throw glError('GL_SOURCES_SIM_OPTION_INVALID', `invalid fault ${JSON.stringify(f)}: ${errors.join('; ')}`);
    }
    return withDefaults as Fault;
  });
}
