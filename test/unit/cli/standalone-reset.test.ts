import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resetDataDir } from '../../../src/cli/reset-data-dir.js';
import { startBanner } from '../../../src/cli/run-standalone.js';
import { catchUpSummary } from '../../../src/embedded/catch-up-run.js';
import type { RunReport } from '../../../src/join/manifest.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridlake-reset-'));
  await mkdir(join(dir, 'data', 'lake'), { recursive: true });
  await writeFile(join(dir, 'data', 'lake', 'x.parquet'), 'x');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const exists = (p: string): Promise<boolean> =>
  stat(p).then(
    () => true,
    () => false,
  );
const answer = (yes: boolean, interactive = true) => ({ interactive, ask: async () => yes });

describe('gridlake standalone --reset', () => {
  it('deletes the data folder after a yes, keeps it after a no', async () => {
    expect(await resetDataDir(join(dir, 'data'), { yes: false, prompt: answer(false) })).toBe('declined');
    expect(await exists(join(dir, 'data', 'lake', 'x.parquet'))).toBe(true);
    expect(await resetDataDir(join(dir, 'data'), { yes: false, prompt: answer(true) })).toBe('deleted');
    expect(await exists(join(dir, 'data'))).toBe(false);
  });

  it('refuses without a terminal unless --yes', async () => {
    await expect(resetDataDir(join(dir, 'data'), { yes: false, prompt: answer(true, false) })).rejects.toMatchObject({
      code: 'GL_CONFIG_INVALID',
      message: expect.stringContaining('add --yes'),
    });
    expect(await exists(join(dir, 'data'))).toBe(true);
    expect(await resetDataDir(join(dir, 'data'), { yes: true, prompt: answer(false, false) })).toBe('deleted');
  });

  it('never deletes the current folder or one holding it', async () => {
    for (const d of ['.', '..', '/'])
      await expect(resetDataDir(d, { yes: true, prompt: answer(true) })).rejects.toMatchObject({
        code: 'GL_CONFIG_INVALID',
      });
  });
});

describe('what a person sees first', () => {
  it('the banner says what runs, where the zones are, where to look and how to query', () => {
    const { text, fields } = startBanner({
      resources: 'examples/embedded',
      count: 5,
      env: {},
      address: 'http://127.0.0.1:9464',
      pipeline: {
        simulatorUrl: 'http://127.0.0.1:1',
        zones: { raw: ['.gridlake/lake/gridlake/raw'], warehouse: ['.gridlake/lake/gridlake/warehouse'] },
      },
    });
    expect(text).toContain('simulated KPX and KMA');
    expect(text).toContain('.gridlake/lake/gridlake/raw');
    expect(text).toContain('.gridlake/lake/gridlake/warehouse');
    expect(text).toContain('http://127.0.0.1:9464/metrics');
    expect(text).toMatch(/status page +http:\/\/127.0.0.1:9464\//);
    expect(text).toContain('gridlake query "select * from power_weather_daily limit 5"');
    expect(fields).toMatchObject({ simulated: true });
    const live = startBanner({
      resources: 'r',
      count: 1,
      env: { GRIDLAKE_KPX_SERVICE_KEY: 'k', GRIDLAKE_KMA_SERVICE_KEY: 'k' },
      address: 'http://x',
      pipeline: { simulatorUrl: null, zones: { raw: [], warehouse: [] } },
    });
    expect(live.text).toContain('live KPX and KMA');
  });

  it('the catch-up sums its dates up in a few numbers', () => {
    const report = (date: string, outcome: RunReport['outcome'], rows: number) =>
      ({ date, outcome, rowsOut: { power_weather_hourly: rows, power_weather_daily: 1 } }) as unknown as RunReport;
    expect(
      catchUpSummary('ns/j', [
        report('2026-11-02', 'partial', 10),
        report('2026-11-01', 'succeeded', 24),
        report('2026-11-03', 'no-input', 0),
      ]),
    ).toEqual({
      join: 'ns/j',
      dates: 3,
      from: '2026-11-01',
      to: '2026-11-03',
      complete: 1,
      partial: 1,
      noInput: 1,
      failed: 0,
      hourlyRows: 34,
    });
  });
});
