import type { JoinConfig } from './join-config.js';
import type { JoinStore } from './join-store.js';
import { inputsChanged, manifestKey } from './manifest.js';
import type { Manifest } from './manifest.js';
import { listDayFiles } from './raw-reader.js';

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
