import type { JoinConfig } from './join-config.js';
import type { JoinStore } from './join-store.js';
import { inputsChanged, manifestKey } from './manifest.js';
import type { Manifest } from './manifest.js';
import { listDayFiles } from './raw-reader.js';
import { addDays } from '../kst.js';

/**
 * Late-data check for the scheduler: compares the raw files listed now with
 * the input list in the day's manifest. The raw zone is append-only and file
 * names encode offset ranges, so a changed list means new readings arrived.
 */
export type RerunCheck =
  | { readonly kind: 'never-run'; readonly inputFiles: number }
  | { readonly kind: 'up-to-date'; readonly runId: string }
  | {
      readonly kind: 'inputs-changed';
      readonly runId: string;
      readonly added: readonly string[];
      readonly removed: readonly string[];
    };

/** Whether a finished date needs a rerun because its inputs changed. */
export async function checkRerun(store: JoinStore, config: JoinConfig, date: string): Promise<RerunCheck> {
  const powerFiles = await listDayFiles(store, config.rawPrefix, config.powerTopic, date);
  const weatherFiles = await listDayFiles(store, config.rawPrefix, config.weatherTopic, date);
  const key = manifestKey(config.warehousePrefix, 'power_weather_daily', date);
  const existing = await store.list(key);
  if (!existing.includes(key)) return { kind: 'never-run', inputFiles: powerFiles.length + weatherFiles.length };
  const manifest = JSON.parse(new TextDecoder().decode(await store.get(key))) as Manifest;
  if (!inputsChanged(manifest, powerFiles, weatherFiles)) return { kind: 'up-to-date', runId: manifest.runId };
  const before = new Set([...manifest.inputs.powerFiles, ...manifest.inputs.weatherFiles]);
  const now = new Set([...powerFiles, ...weatherFiles]);
  return {
    kind: 'inputs-changed',
    runId: manifest.runId,
    added: [...now].filter((k) => !before.has(k)),
    removed: [...before].filter((k) => !now.has(k)),
  };
}

/** An earlier date whose inputs changed since it was joined, as a run reports it. */
export interface LateDate {
  readonly date: string;
  /** inputs-changed: raw files the manifest does not list; never-joined: inputs but no manifest */
  readonly reason: 'inputs-changed' | 'never-joined';
}

/** Whether a date without a manifest now has raw files (manifest listed first: most dates have one). */
async function neverJoinedWithInput(store: JoinStore, config: JoinConfig, date: string): Promise<boolean> {
  const key = manifestKey(config.warehousePrefix, 'power_weather_daily', date);
  if ((await store.list(key)).includes(key)) return false;
  if ((await listDayFiles(store, config.rawPrefix, config.powerTopic, date)).length > 0) return true;
  return (await listDayFiles(store, config.rawPrefix, config.weatherTopic, date)).length > 0;
}

/**
 * The late-data pass a cluster run makes after joining `date`: checks the
 * `days` dates before it for changed inputs, and the `rejoinDays` dates
 * before it (when longer) for dates without a manifest that now have raw
 * files, and returns those to rerun, oldest first. The DailyJoin controller
 * decides what to rerun (window, known runs); this only reads the lake. A
 * date whose check fails is left out and logged by the caller through
 * `onError`: the run's own result does not depend on it.
 */
export async function findLateDates(
  store: JoinStore,
  config: JoinConfig,
  date: string,
  days: number,
  onError: (date: string, err: unknown) => void = () => undefined,
  rejoinDays = 0,
): Promise<LateDate[]> {
  const out: LateDate[] = [];
  for (let back = Math.max(days, rejoinDays); back >= 1; back--) {
    const d = addDays(date, -back);
    if (back > days) {
      const found = await neverJoinedWithInput(store, config, d).catch((err: unknown) => {
        onError(d, err);
        return false;
      });
      if (found) out.push({ date: d, reason: 'never-joined' });
      continue;
    }
    const check = await checkRerun(store, config, d).catch((err: unknown) => {
      onError(d, err);
      return null;
    });
    if (check?.kind === 'inputs-changed') out.push({ date: d, reason: 'inputs-changed' });
    else if (check?.kind === 'never-run' && check.inputFiles > 0) out.push({ date: d, reason: 'never-joined' });
  }
  return out;
}
