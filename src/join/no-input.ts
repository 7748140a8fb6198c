import type { DailyJoinSpec } from '../api/daily-join.js';
import type { RunInputs } from './manifest.js';

/**
 * A run that found no rows is not a success: both runtimes show it as a
 * `NoInput` condition naming the inputs that were empty, and join the date
 * again once raw files for it appear (docs/warehouse.md, "Late data"). The
 * words are here so the embedded state and the cluster's conditions agree.
 */

export const NO_INPUT_CONDITION = 'NoInput';
/** NoInput True on a join: some dates in its window were joined without input. */
export const DATES_WITHOUT_INPUT = 'DatesWithoutInput';
/** NoInput True on one run: its date had no rows. */
export const INPUTS_EMPTY = 'InputsEmpty';
/** NoInput False: every date (or the run's date) had rows. */
export const INPUTS_FOUND = 'InputsFound';

export type JoinInput = 'power' | 'weather';

/** A date whose last run found no rows, and the inputs that were empty. */
export interface NoInputDate {
  readonly date: string;
  readonly emptyInputs: readonly JoinInput[];
}

/**
 * How far back a date joined without rows (no-input, or failed: no manifest)
 * is joined again once raw files for it exist: the DailyJoin's catch-up
 * window (`catchUp.maxDates`), or `lateDataDays` when that is longer. Late
 * data for a date that has rows stays within `lateDataDays`.
 */
export function rejoinWindowDays(spec: Pick<DailyJoinSpec, 'lateDataDays' | 'catchUp'>): number {
  return Math.max(spec.lateDataDays, spec.catchUp.maxDates);
}

/** The inputs of a run that had no rows. */
export function emptyInputs(inputs: Pick<RunInputs, 'powerRows' | 'weatherRows'>): JoinInput[] {
  return [
    ...(inputs.powerRows === 0 ? ['power' as const] : []),
    ...(inputs.weatherRows === 0 ? ['weather' as const] : []),
  ];
}

/** The same from a run summary's row counts (DailyJoinRun `status.rows`); without them, both. */
export function emptyInputsOfRows(
  rows: { readonly powerIn: number; readonly weatherIn: number } | undefined,
): JoinInput[] {
  return rows === undefined
    ? ['power', 'weather']
    : emptyInputs({ powerRows: rows.powerIn, weatherRows: rows.weatherIn });
}

/** "power (PowerSource kpx) and weather (WeatherSource kma)": the inputs named as the DailyJoin names them. */
export function describeInputs(spec: Pick<DailyJoinSpec, 'inputs'> | undefined, which: readonly JoinInput[]): string {
  const names = which.map((i) =>
    spec === undefined
      ? i
      : i === 'power'
        ? `power (PowerSource ${spec.inputs.power.name})`
        : `weather (WeatherSource ${spec.inputs.weather.map((w) => w.name).join(', ')})`,
  );
  return names.join(' and ');
}

/** The NoInput message of one run's date. */
export function runNoInputMessage(spec: Pick<DailyJoinSpec, 'inputs'> | undefined, d: NoInputDate): string {
  return `No rows from ${describeInputs(spec, d.emptyInputs)} for ${d.date}; the date is joined again when raw files for it appear.`;
}

/** The NoInput message of a join with dates joined without input (oldest first). */
export function joinNoInputMessage(spec: Pick<DailyJoinSpec, 'inputs'>, dates: readonly NoInputDate[]): string {
  const shown = dates.slice(-10).map((d) => `${d.date} (no rows from ${describeInputs(spec, d.emptyInputs)})`);
  const more = dates.length > shown.length ? `${dates.length - shown.length} older and ` : '';
  return `${dates.length} date(s) joined without input: ${more}${shown.join(', ')}; each is joined again when raw files for it appear.`;
}

/** `list` with `d` in date order (replacing an entry of the same date), or without `date` when `d` is null. */
export function withNoInputDate(list: readonly NoInputDate[], date: string, d: NoInputDate | null): NoInputDate[] {
  const out = list.filter((x) => x.date !== date);
  if (d !== null) out.push(d);
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}
