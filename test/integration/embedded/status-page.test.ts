import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadResourcesOrThrow } from '../../../src/api/load.js';
import { ofKind } from '../../../src/api/resource.js';
import { runStandalone } from '../../../src/cli/run-standalone.js';
import { lakeDirOf } from '../../../src/embedded/embedded-config.js';
import type { WarehouseSeries } from '../../../src/join/warehouse-series.js';
import { eventually } from '../../eventually.js';
import { duckConnection } from '../../fixtures/join/duckdb-reference.js';
import { memoryLogger } from '../../fixtures/memory-logger.js';

// The status page in a real browser: the embedded default (example resources,
// simulator, simulated clock) catches up a week, then headless Chromium opens
// the page. Every chart must have drawn points, and the numbers shown must be
// the warehouse's (read here with DuckDB, not with the page's own reader).
// GRIDLAKE_UPDATE_SCREENSHOT=1 writes the README's screenshot.

const ROOT = resolve(import.meta.dirname, '../../..');
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(ROOT, 'docs/img/status-page.png');
const RESOURCES = 'examples/embedded';
/**
 * 02:00 KST, after the 01:30 firing: the catch-up joins 2026-11-01 … 2026-11-07
 * (the DailyJoin's startDate is 11-01) from the simulator's history, which for
 * weather is only the last day (as KMA's nowcast API); 11-08 is then collected
 * live and joined at 01:30 on 11-09, about 45 s later at SPEED.
 */
const START = Date.parse('2026-11-08T02:00:00+09:00');
const SPEED = 2000;
const DATES = ['2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06', '2026-11-07', '2026-11-08'];

let dataDir: string;
let lakeDir: string;
let address: string;
let stop: (signal: string) => void;
let standalone: Promise<number>;
let browser: BrowserContext | undefined;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `the browser test needs Debian's chromium at ${CHROMIUM}, and it is not there: ` +
        'run `bash test/infra/tools/ensure-tools.sh chromium` (apt-get install chromium; `npm test` does it)',
    );
  dataDir = await mkdtemp(join(tmpdir(), 'gridlake-status-page-'));
  const [sink] = ofKind(
    (await loadResourcesOrThrow(RESOURCES)).map((r) => r.resource),
    'LakeSink',
  );
  lakeDir = lakeDirOf(dataDir, sink!.spec.lake);
  const { logger } = memoryLogger();
  let banner = '';
  standalone = runStandalone({
    resources: RESOURCES,
    dataDir,
    port: 0,
    host: '127.0.0.1',
    logger,
    env: {},
    stopSignal: new Promise<string>((r) => (stop = r)),
    printBanner: (text) => (banner = text),
    pipeline: { simulatedClock: { startMs: START, speed: SPEED }, catchUpWaitMs: 20_000 },
  });
  address = await eventually(
    'the banner names the status page',
    () => /status page +(http:\/\/\S+?)\/\s/.exec(banner)?.[1],
    { timeoutMs: 30_000 },
  );
  // ready: the start-up catch-up has joined its dates
  await eventually('the embedded default is ready', async () => (await fetch(`${address}/readyz`)).ok, {
    timeoutMs: 90_000,
    intervalMs: 250,
  });
  // a fresh profile in the temp folder: nothing from an earlier run or the user's own
  await eventually(
    'the live day is joined',
    () => existsSync(join(lakeDir, 'warehouse/power_weather_daily/year=2026/month=11/day=08/_manifest.json')),
    { timeoutMs: 120_000, intervalMs: 250 },
  );
  browser = await chromium.launchPersistentContext(join(dataDir, 'chromium-profile'), {
    executablePath: CHROMIUM,
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  await page.goto(`${address}/`);
  await page.waitForFunction(
    () => (globalThis as unknown as { gridlake?: { refreshes: number } }).gridlake?.refreshes,
    {
      timeout: 30_000,
    },
  );
}, 240_000);

const pageErrors: string[] = [];

afterAll(async () => {
  await browser?.close();
  stop?.('SIGINT');
  await standalone?.catch(() => undefined);
  if (dataDir !== undefined && process.env['GRIDLAKE_KEEP_TEST_DATA'] !== '1')
    await rm(dataDir, { recursive: true, force: true });
}, 60_000);

/** What the page drew: per chart, its series labels and how many non-null points each has. */
interface Drawn {
  readonly series: readonly { readonly label: string; readonly points: number }[];
  readonly xs: number;
  /** pixels of the plot canvas in a saturated colour (the series, not axes or grid) */
  readonly colouredPixels: number;
}

const drawn = (): Promise<Record<string, Drawn>> =>
  page.evaluate(() => {
    // uPlot's chart, as much of it as is read here (the test's types know no DOM)
    type Chart = {
      data: (number | null)[][];
      series: { label?: string }[];
      ctx: {
        canvas: { width: number; height: number };
        getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
      };
    };
    const charts = (globalThis as unknown as { gridlake: { charts: Record<string, Chart> } }).gridlake.charts;
    const out: Record<string, unknown> = {};
    for (const [name, u] of Object.entries(charts)) {
      const { width, height } = u.ctx.canvas;
      const px = u.ctx.getImageData(0, 0, width, height).data;
      let coloured = 0;
      for (let i = 0; i < px.length; i += 4) {
        const r = px[i]!,
          g = px[i + 1]!,
          b = px[i + 2]!;
        if (px[i + 3]! > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
      }
      out[name] = {
        xs: u.data[0]!.length,
        series: u.series.slice(1).map((s, i) => ({
          label: String(s.label),
          points: u.data[i + 1]!.filter((v) => v !== null && v !== undefined).length,
        })),
        colouredPixels: coloured,
      };
    }
    return out as Record<string, Drawn>;
  });

const tileText = (key: string): Promise<string> =>
  page.locator(`[data-tile="${key}"] .value`).innerText({ timeout: 5_000 });

describe('the status page in headless Chromium', () => {
  it('draws the four warehouse charts with points for every joined hour', async () => {
    const series = (await (await fetch(`${address}/api/warehouse/hourly?days=7`)).json()) as WarehouseSeries;
    expect(series.dates).toEqual(DATES);
    const { con, close } = await duckConnection(1);
    let hours: number;
    try {
      const rows = (
        await con.runAndReadAll(
          `SELECT count(*) AS n FROM read_parquet('${lakeDir}/warehouse/power_weather_hourly/*/*/*/data.parquet')
           WHERE location = '*' AND demand_mw_avg IS NOT NULL AND date >= '${DATES[0]}'`,
        )
      ).getRowObjectsJS();
      hours = Number(rows[0]!['n']);
    } finally {
      close();
    }
    expect(hours).toBeGreaterThanOrEqual(24 * 6);

    const charts = await drawn();
    expect(Object.keys(charts).sort()).toEqual(['demand', 'reserve', 'scatter', 'temperature']);
    expect(charts['demand']!.series.map((s) => s.label)).toEqual(['demand', 'supply capacity']);
    expect(charts['demand']!.series.map((s) => s.points)).toEqual([hours, hours]);
    expect(charts['reserve']!.series[0]!.points).toBe(hours);
    expect(charts['temperature']!.series.map((s) => s.label)).toEqual(['busan', 'daegu', 'gwangju', 'seoul']);
    // the simulator's weather history is one day; the live day adds 24 hours
    for (const s of charts['temperature']!.series) expect(s.points).toBeGreaterThanOrEqual(24 + 20);
    // one point per hour with both a demand and a mean temperature
    expect(charts['scatter']!.series[0]!.points).toBeGreaterThanOrEqual(24 + 20);
    for (const [name, c] of Object.entries(charts))
      expect(c.colouredPixels, `${name} has drawn series on its canvas`).toBeGreaterThan(300);
    expect(pageErrors).toEqual([]);
  });

  it('shows the latest national demand and temperatures as the warehouse has them', async () => {
    const { con, close } = await duckConnection(1);
    const newest = async (where: string): Promise<Record<string, Record<string, unknown>>> => {
      const rows = (
        await con.runAndReadAll(
          `WITH h AS (SELECT * FROM read_parquet('${lakeDir}/warehouse/power_weather_hourly/*/*/*/data.parquet')),
                t AS (SELECT max(hour_start) AS at FROM h WHERE location = '*' AND ${where})
           SELECT h.* FROM h, t WHERE h.hour_start = t.at`,
        )
      ).getRowObjectsJS();
      return Object.fromEntries(rows.map((r) => [String(r['location']), r]));
    };
    let power: Record<string, Record<string, unknown>>;
    let weather: Record<string, Record<string, unknown>>;
    try {
      power = await newest('demand_mw_avg IS NOT NULL');
      weather = await newest('temperature_c IS NOT NULL');
    } finally {
      close();
    }
    const mw = (v: unknown) => `${Math.round(Number(v)).toLocaleString('en-US')} MW`;
    const one = (v: unknown) => (v === null ? '–' : Number(v).toFixed(1));
    expect(await tileText('demand')).toBe(mw(power['*']!['demand_mw_avg']));
    expect(await tileText('capacity')).toBe(mw(power['*']!['supply_capacity_mw_avg']));
    expect(await tileText('reserve')).toBe(`${one(power['*']!['supply_reserve_pct_min'])} %`);
    expect(await tileText('temp-mean')).toBe(`${one(weather['*']!['temperature_c'])} °C`);
    expect(await tileText('temp-seoul')).toBe(`${one(weather['seoul']!['temperature_c'])} °C`);
    expect(await tileText('temp-busan')).toBe(`${one(weather['busan']!['temperature_c'])} °C`);
    // the comparison compares numbers, not two dashes
    expect(Number(power['*']!['demand_mw_avg'])).toBeGreaterThan(10_000);
    expect(weather['seoul']!['temperature_c']).not.toBeNull();
  });

  it('lists the sources, the sink and the last join runs, with the coverage the warehouse has', async () => {
    const sources = await page
      .locator('[data-row="source"]')
      .evaluateAll((rows) => rows.map((r) => (r as unknown as { dataset: { name: string } }).dataset.name));
    expect(sources.sort()).toEqual(['kma-metro', 'kpx-national']);
    await expect.poll(() => page.locator('[data-row="sink"][data-name="raw"]').count()).toBe(1);
    const { con, close } = await duckConnection(1);
    let daily: Record<string, unknown>[];
    try {
      daily = (
        await con.runAndReadAll(
          `SELECT date, power_coverage, weather_coverage, quality
           FROM read_parquet('${lakeDir}/warehouse/power_weather_daily/*/*/*/data.parquet') WHERE location = '*'`,
        )
      ).getRowObjectsJS();
    } finally {
      close();
    }
    const pct = (v: unknown) => `${(Number(v) * 100).toFixed(0)} %`;
    for (const date of ['2026-11-08', '2026-11-07']) {
      const cells = await page.locator(`[data-row="run"][data-date="${date}"] td`).allInnerTexts();
      const row = daily.find((r) => r['date'] === date)!;
      // date, trigger, outcome, power coverage, weather coverage, quality
      expect(cells.slice(3, 6)).toEqual([pct(row['power_coverage']), pct(row['weather_coverage']), row['quality']]);
    }
  });

  it('refreshes itself and saves the screenshot the README shows', async () => {
    const before = await page.evaluate(
      () => (globalThis as unknown as { gridlake: { refreshes: number } }).gridlake.refreshes,
    );
    await page.waitForFunction(
      (n) => (globalThis as unknown as { gridlake: { refreshes: number } }).gridlake.refreshes > n,
      before,
      { timeout: 30_000 },
    );
    if (process.env['GRIDLAKE_UPDATE_SCREENSHOT'] === '1') {
      await mkdir(join(ROOT, 'docs/img'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }
    expect(pageErrors).toEqual([]);
  }, 45_000);
});
