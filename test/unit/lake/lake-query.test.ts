import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalJoinStore } from '../../../src/join/join-store.js';
import {
  DUCKDB_PACKAGE,
  DUCKDB_VERSION,
  lakeViews,
  mentions,
  queryLake,
  rawViewName,
} from '../../../src/lake/lake-query.js';
import { LocalFolderStore } from '../../../src/lake/local-folder-store.js';
import type { ObjectStore } from '../../../src/lake/object-store.js';
import { JOINED, RAW_ONLY, joinFirstDay, makeQueryLake } from '../../fixtures/query/lake.js';

let dir: string;
let store: LocalFolderStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridlake-query-'));
  store = new LocalFolderStore(dir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ask = (sql: string, s: ObjectStore = store) => queryLake(sql, { store: s, folder: dir });

describe('the lake as SQL views', () => {
  it('has one view per warehouse table and raw topic with files, and none for the rest', async () => {
    await makeQueryLake(new LocalJoinStore(dir), { join: false });
    expect((await lakeViews(store)).map((v) => v.name)).toEqual(['raw_power', 'raw_weather']);
    await joinFirstDay(new LocalJoinStore(dir));
    const views = await lakeViews(store);
    expect(views.map((v) => [v.name, v.zone, v.files.length])).toEqual([
      ['power_weather_daily', 'warehouse', 1],
      ['power_weather_hourly', 'warehouse', 1],
      ['raw_power', 'raw', 2],
      ['raw_weather', 'raw', 2],
    ]);
  });

  it('names raw views after their topic', () => {
    expect(rawViewName('gridlake.power.kpx.v1')).toBe('raw_power');
    expect(rawViewName('gridlake.weather.kma.v1')).toBe('raw_weather');
    expect(rawViewName('Test.Power-2')).toBe('raw_test_power_2');
  });

  it('reads the warehouse and the raw zone, with date as a DATE column in both', async () => {
    await makeQueryLake(new LocalJoinStore(dir));
    const daily = await ask(
      'select date, location, power_coverage, weather_coverage, quality from power_weather_daily order by location',
    );
    expect(daily.columns.map((c) => `${c.name} ${c.type}`)).toEqual([
      'date DATE',
      'location VARCHAR',
      'power_coverage DOUBLE',
      'weather_coverage DOUBLE',
      'quality VARCHAR',
    ]);
    expect(daily.rows).toEqual([
      [JOINED, '*', 1, 1, 'ok'],
      [JOINED, 'busan', 1, 23 / 24, 'ok'],
      [JOINED, 'seoul', 1, 1, 'ok'],
    ]);
    const raw = await ask('select date, year, month, day, count(*) as n from raw_power group by all order by date');
    expect(raw.rows).toEqual([
      [JOINED, 2025, 11, 22, '288'],
      [RAW_ONLY, 2025, 11, 23, '288'],
    ]);
    // The views join on date: the raw day without a warehouse row shows as such.
    const joined = await ask(`
      select r.date, count(distinct d.location) as locations
      from raw_weather r left join power_weather_daily d using (date) group by all order by r.date`);
    expect(joined.rows).toEqual([
      [JOINED, '3'],
      [RAW_ONLY, '0'],
    ]);
  });

  it('answers an unknown view with the views the lake has', async () => {
    await makeQueryLake(new LocalJoinStore(dir), { join: false });
    await expect(ask('select * from power_weather_daily')).rejects.toMatchObject({
      code: 'GL_QUERY_FAILED',
      message: `no view named power_weather_daily; views in ${dir}: raw_power, raw_weather`,
    });
  });

  it('says when the lake has no views at all', async () => {
    await expect(ask('select * from raw_power')).rejects.toMatchObject({
      code: 'GL_QUERY_FAILED',
      message: `no view named raw_power; the lake at ${dir} has no warehouse or raw files yet, so there are no views (run the sink and a join first)`,
    });
    // SQL that names no view still runs on an empty lake
    expect((await ask('select 40 + 2 as answer')).rows).toEqual([[42]]);
  });

  it("gives DuckDB's message on one line, without the caret drawing", async () => {
    await makeQueryLake(new LocalJoinStore(dir), { join: false });
    const err = await ask('select nope from raw_power').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GL_QUERY_FAILED' });
    const message = (err as Error).message;
    expect(message).toMatch(/^Binder Error: Referenced column "nope" not found/);
    expect(message).not.toContain('\n');
    expect(message).not.toContain('LINE 1');
    await expect(ask('selec 1')).rejects.toMatchObject({
      message: 'Parser Error: syntax error at or near "selec"',
    });
  });

  it('says how to install DuckDB when it is missing', async () => {
    const missing = Object.assign(new Error(`Cannot find package '${DUCKDB_PACKAGE}'`), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const err = await queryLake('select 1', { store, folder: dir, load: () => Promise.reject(missing) }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: 'GL_QUERY_ENGINE_MISSING',
      message: `gridlake query needs DuckDB, an optional dependency that is not installed: run npm install @duckdb/node-api@${DUCKDB_VERSION}`,
    });
    // another failure while loading is not mistaken for a missing install
    const broken = new Error('invalid ELF header');
    await expect(queryLake('select 1', { store, folder: dir, load: () => Promise.reject(broken) })).rejects.toBe(
      broken,
    );
  });

  it('names the version package.json pins as an optional dependency', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../../package.json'), 'utf8')) as {
      optionalDependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
      dependencies?: Record<string, string>;
    };
    expect(pkg.optionalDependencies?.[DUCKDB_PACKAGE]).toBe(DUCKDB_VERSION);
    expect(pkg.devDependencies?.[DUCKDB_PACKAGE]).toBeUndefined();
    expect(pkg.dependencies?.[DUCKDB_PACKAGE]).toBeUndefined();
  });

  it('without a folder (S3), copies only the files of the views the SQL names, then removes them', async () => {
    await makeQueryLake(new LocalJoinStore(dir));
    const fetched: string[] = [];
    const counting: ObjectStore = {
      location: store.location,
      list: (p) => store.list(p),
      get: (k) => (fetched.push(k), store.get(k)),
      head: (k) => store.head(k),
      put: () => Promise.reject(new Error('a query writes nothing')),
      putIfAbsent: () => Promise.reject(new Error('a query writes nothing')),
      delete: () => Promise.reject(new Error('a query deletes nothing')),
    };
    const scratch = await mkdtemp(join(tmpdir(), 'gridlake-query-tmp-'));
    try {
      const res = await queryLake('select count(*) as n from POWER_WEATHER_HOURLY', {
        store: counting,
        tmpDir: scratch,
      });
      expect(res.rows).toEqual([['72']]);
      expect(fetched).toEqual([`warehouse/power_weather_hourly/year=2025/month=11/day=22/data.parquet`]);
      expect(await readdir(scratch)).toEqual([]);
      await expect(queryLake('select * from raw_x', { store: counting, tmpDir: scratch })).rejects.toMatchObject({
        message: `no view named raw_x; views in ${dir}: power_weather_daily, power_weather_hourly, raw_power, raw_weather`,
      });
      expect(await readdir(scratch)).toEqual([]);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('finds view names as words in the SQL, any case, quoted or not', () => {
    expect(mentions('select * from raw_power', 'raw_power')).toBe(true);
    expect(mentions('SELECT * FROM "RAW_POWER"', 'raw_power')).toBe(true);
    expect(mentions('select * from raw_power_x', 'raw_power')).toBe(false);
    expect(mentions('select * from xraw_power', 'raw_power')).toBe(false);
  });
});
