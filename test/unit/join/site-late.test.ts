import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderRunJob } from '../../../controllers/daily-join-run-plan.js';
import { summarizeRunReport } from '../../../src/api/run-report.js';
import { joinConfig } from '../../../src/join/join-config.js';
import { LocalJoinStore } from '../../../src/join/join-store.js';
import { dataKey } from '../../../src/join/manifest.js';
import { runDailyJoin } from '../../../src/join/run-join.js';
import type { PowerRecord, WeatherRecord } from '../../../src/join/types.js';
import { OPTS, resource } from '../controllers/fixtures.js';
import { writeRaw } from '../../fixtures/join/raw-files.js';
import { hm, power, weather } from '../../fixtures/join/records.js';

/**
 * A day joined before a remote site had forwarded all of it (the DailyJoin's
 * siteGraceSeconds ran out): the run's `spec.siteLate` becomes `--site-late`,
 * and the warehouse's daily rows say quality `site_late` until the rerun.
 */
const D = '2025-11-22';
let dir: string;
let store: LocalJoinStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridlake-site-late-'));
  store = new LocalJoinStore(dir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fullDay(): { p: PowerRecord[]; w: WeatherRecord[] } {
  const p: PowerRecord[] = [];
  for (let s = 0; s < 288; s++) p.push(power(D, hm(Math.floor(s / 12), (s % 12) * 5), 60_000 + s));
  const w: WeatherRecord[] = [];
  for (let h = 0; h < 24; h++) w.push(weather(D, hm(h), 'seoul', 5 + h / 3));
  return { p, w };
}

async function dailyQualities(): Promise<unknown[]> {
  const bytes = await store.get(dataKey('warehouse', 'power_weather_daily', D));
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return (await parquetReadObjects({ file })).map((r) => r['quality']);
}

async function run(siteLate: boolean) {
  let t = Date.parse('2025-11-23T01:00:00Z');
  return runDailyJoin(
    { store, clock: () => (t += 250), newRunId: () => 'run-1', gridlakeVersion: '0.1.0' },
    joinConfig({ join: 'grid/daily', locations: ['seoul'], ...(siteLate ? { siteLate: true } : {}) }),
    D,
  );
}

describe('a day joined site_late', () => {
  it('writes quality site_late on every daily row, keeps the outcome the coverages give, and reports the level', async () => {
    const { p, w } = fullDay();
    await writeRaw(store, 'power', p);
    await writeRaw(store, 'weather', w);
    const late = await run(true);
    expect(late.outcome).toBe('succeeded');
    expect(await dailyQualities()).toEqual(['site_late', 'site_late']);
    expect(late.quality?.locations.map((l) => l.quality)).toEqual(['site_late', 'site_late']);
    expect(summarizeRunReport(late).quality?.level).toBe('site_late');
    // The rerun once the site caught up (no flag) replaces the day with ok rows.
    const rerun = await run(false);
    expect(await dailyQualities()).toEqual(['ok', 'ok']);
    expect(summarizeRunReport(rerun).quality?.level).toBe('ok');
  });
});

describe('the Job of a flagged run', () => {
  const dj = resource('DailyJoin', 'pw', {
    inputs: { power: { name: 'kpx' }, weather: [{ name: 'kma' }] },
    lake: { bucket: 'gridlake' },
  });
  const argsOf = (spec: Record<string, unknown>) => {
    const r = resource('DailyJoinRun', 'pw-20260305', { joinRef: { name: 'pw' }, date: '2026-03-05', ...spec });
    const job = renderRunJob(r, dj, OPTS) as unknown as {
      spec: { template: { spec: { containers: { args: string[] }[] } } };
    };
    return job.spec.template.spec.containers[0]!.args;
  };
  it('passes --site-late only when the run is flagged', () => {
    expect(argsOf({ trigger: 'Schedule', siteLate: true })).toContain('--site-late');
    expect(argsOf({ trigger: 'Schedule' })).not.toContain('--site-late');
  });
});
