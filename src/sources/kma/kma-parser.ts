import { assertNever } from '../../errors.js';
import { bodyItems, classifyEnvelope } from '../common/classify.js';
import { isoKst, isoUtc } from '../../kst.js';
import { parseKmaDateTime } from '../common/wire-time.js';
import type { Failure } from '../common/outcome.js';
import { intField, textField } from '../common/values.js';
import { readKmaValue } from './kma-values.js';
import type { WeatherObservation } from './weather-observation.js';

/** One observation with its instant and parse notes. */
export interface KmaRow {
  readonly observation: WeatherObservation;
  readonly baseMs: number;
  /** Categories whose value came as text (e.g. RN1 `강수없음`). */
  readonly categorical: readonly string[];
  /** Categories that were absent or carried a missing-value marker. */
  readonly missing: readonly string[];
}

/** The parse of one getUltraSrtNcst answer. */
export type KmaAnswer = { readonly outcome: 'ok'; readonly rows: readonly KmaRow[] } | Failure;

/** Context stamped on every observation. */
export interface KmaParseContext {
  readonly source: string;
  /** The location's name in the resource. */
  readonly location: string;
  readonly ingestedAt: number;
}

const CATEGORIES = ['PTY', 'REH', 'RN1', 'T1H', 'UUU', 'VEC', 'VVV', 'WSD'] as const;
type Category = (typeof CATEGORIES)[number];

/**
 * Parses a KMA nowcast answer (JSON or XML). Items are grouped by base time and
 * cell (normally one group: one hour, one cell). Never throws.
 */
export function parseKmaAnswer(status: number, text: string, ctx: KmaParseContext): KmaAnswer {
  const env = classifyEnvelope(status, text);
  if (!env.ok) return env.failure;
  const items = bodyItems(env.body);
  if (items === null) return { outcome: 'malformed', code: null, reason: '`items` has an unexpected shape' };
  if (items.length === 0) return { outcome: 'no_data', code: '00', reason: 'no items' };
  const groups = new Map<
    string,
    { date: string; time: string; nx: number; ny: number; values: Map<string, unknown> }
  >();
  for (const item of items) {
    const date = textField(item['baseDate']);
    const time = textField(item['baseTime']);
    const nx = intField(item['nx']);
    const ny = intField(item['ny']);
    const category = textField(item['category']);
    if (date === null || time === null || nx === null || ny === null || category === null) {
      return {
        outcome: 'malformed',
        code: null,
        reason: `item lacks baseDate/baseTime/nx/ny/category: ${JSON.stringify(item)}`,
      };
    }
    const key = `${date}${time}:${nx}:${ny}`;
    let g = groups.get(key);
    if (g === undefined) {
      g = { date, time, nx, ny, values: new Map() };
      groups.set(key, g);
    }
    g.values.set(category, item['obsrValue']);
  }
  const rows: KmaRow[] = [];
  for (const g of groups.values()) {
    const baseMs = parseKmaDateTime(g.date, g.time);
    if (baseMs === null)
      return { outcome: 'malformed', code: null, reason: `base time ${g.date} ${g.time} is not yyyyMMdd HHmm` };
    const values: Partial<Record<Category, number | null>> = {};
    const categorical: string[] = [];
    const missing: string[] = [];
    for (const c of CATEGORIES) {
      if (!g.values.has(c)) {
        missing.push(c);
        values[c] = null;
        continue;
      }
      const v = readKmaValue(c, g.values.get(c));
      switch (v.kind) {
        case 'number':
          values[c] = v.value;
          break;
        case 'categorical':
          values[c] = v.value;
          categorical.push(c);
          break;
        case 'missing':
          values[c] = null;
          missing.push(c);
          break;
        case 'invalid':
          return { outcome: 'malformed', code: null, reason: `${c} value ${JSON.stringify(v.text)} is not a number` };
        default:
          return assertNever(v);
      }
    }
    const pty = values.PTY ?? null;
    if (pty !== null && !Number.isInteger(pty)) {
      return { outcome: 'malformed', code: null, reason: `PTY ${pty} is not a code` };
    }
    const observation: WeatherObservation = {
      v: 1,
      source: ctx.source,
      location: ctx.location,
      nx: g.nx,
      ny: g.ny,
      baseTime: isoKst(baseMs),
      baseDateRaw: g.date,
      baseTimeRaw: g.time,
      temperatureC: values.T1H ?? null,
      rain1hMm: values.RN1 ?? null,
      humidityPct: values.REH ?? null,
      precipitationType: pty,
      windSpeedMs: values.WSD ?? null,
      windDirectionDeg: values.VEC ?? null,
      windEastMs: values.UUU ?? null,
      windNorthMs: values.VVV ?? null,
      ingestedAt: isoUtc(ctx.ingestedAt),
    };
    rows.push({ observation, baseMs, categorical, missing });
  }
  return { outcome: 'ok', rows };
}
