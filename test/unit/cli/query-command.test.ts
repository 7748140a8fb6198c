import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerQueryCommand, type QueryCommandDeps } from '../../../src/cli/query-command.js';
import { queryConfig } from '../../../src/config.js';
import { LocalJoinStore } from '../../../src/join/join-store.js';
import { DUCKDB_VERSION } from '../../../src/lake/lake-query.js';
import { makeQueryLake } from '../../fixtures/query/lake.js';

let dir: string;
let out: string;
let err: string;

const stream = (into: (s: string) => void, isTTY = false): Writable & { isTTY: boolean } =>
  Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        into(chunk.toString());
        cb();
      },
    }),
    { isTTY },
  );

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridlake-query-cli-'));
  out = '';
  err = '';
  process.exitCode = 0;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  process.exitCode = 0;
});

async function query(args: readonly string[], deps: QueryCommandDeps & { tty?: boolean } = {}): Promise<void> {
  const program = new Command('gridlake').exitOverride();
  registerQueryCommand(
    program,
    {},
    {
      stdout: stream((s) => (out += s), deps.tty ?? false),
      stderr: stream((s) => (err += s)),
      ...deps,
    },
  );
  await program.parseAsync(['query', ...args], { from: 'user' });
}

const DAILY = `select date, location, round(temperature_c_avg, 2) as t_avg, quality
  from power_weather_daily order by location`;

describe('gridlake query', () => {
  beforeEach(async () => {
    await makeQueryLake(new LocalJoinStore(dir));
  });

  it('prints a table on a terminal', async () => {
    await query(['--lake', dir, DAILY], { tty: true });
    expect(process.exitCode).toBe(0);
    expect(out).toBe(
      [
        'date       │ location │ t_avg │ quality',
        '───────────┼──────────┼───────┼────────',
        '2025-11-22 │ *        │ 13.49 │ ok',
        '2025-11-22 │ busan    │ 15.85 │ ok',
        '2025-11-22 │ seoul    │  11.5 │ ok',
        '(3 rows)',
        '',
      ].join('\n'),
    );
  });

  it('prints JSON to a pipe, with counts as numbers', async () => {
    await query(['--lake', dir, 'select date, count(*) as n from raw_weather group by date order by date']);
    expect(out).toBe('[\n{"date":"2025-11-22","n":47},\n{"date":"2025-11-23","n":47}\n]\n');
    expect(JSON.parse(out)).toHaveLength(2);
  });

  it('prints CSV with -o csv, null as an empty field', async () => {
    await query([
      '-o',
      'csv',
      '--lake',
      dir,
      `select hour, location, temperature_c from power_weather_hourly where location = 'busan' and hour in (6, 7) order by hour`,
    ]);
    expect(out).toBe(`hour,location,temperature_c\n6,busan,13\n7,busan,\n`);
  });

  it('table output on a pipe when asked', async () => {
    await query(['-o', 'table', '--lake', dir, `select count(*) as hours from power_weather_hourly`]);
    expect(out).toBe('hours\n─────\n   72\n(1 row)\n');
  });

  it('names the views the lake has when the SQL names another; exit 1, nothing on stdout', async () => {
    await query(['--lake', dir, 'select * from power_weather_weekly']);
    expect(process.exitCode).toBe(1);
    expect(out).toBe('');
    expect(err).toBe(
      `gridlake query: no view named power_weather_weekly; views in ${dir}: power_weather_daily, power_weather_hourly, raw_power, raw_weather\n`,
    );
  });

  it("reports DuckDB's error in one line, exit 1", async () => {
    await query(['--lake', dir, `select * from raw_power where date = 'not a date'`]);
    expect(process.exitCode).toBe(1);
    expect(err).toMatch(/^gridlake query: Conversion Error: [^\n]*not a date[^\n]*\n$/);
  });

  it('says what to install when DuckDB is missing, exit 1', async () => {
    const missing = Object.assign(new Error("Cannot find package '@duckdb/node-api'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    await query(['--lake', dir, DAILY], { loadDuckDb: () => Promise.reject(missing) });
    expect(process.exitCode).toBe(1);
    expect(err).toBe(
      `gridlake query: gridlake query needs DuckDB, an optional dependency that is not installed: run npm install @duckdb/node-api@${DUCKDB_VERSION}\n`,
    );
  });

  it('refuses a lake folder that does not exist, naming it', async () => {
    const nowhere = join(dir, 'nowhere');
    await query(['--lake', nowhere, DAILY]);
    expect(process.exitCode).toBe(1);
    expect(err).toBe(
      `gridlake query: no lake folder at ${nowhere}: give --lake <folder> (the embedded default writes <data-dir>/lake/<bucket>) or --bucket for S3\n`,
    );
  });

  it('refuses a bad flag with exit 2', async () => {
    await query(['--lake', dir, '--bucket', 'b', DAILY]);
    expect(process.exitCode).toBe(2);
    expect(err).toBe('gridlake query: give --lake (a folder) or --bucket (S3), not both\n');
  });
});

describe('queryConfig', () => {
  it("defaults to the embedded default's lake, and takes S3 credentials from AWS_*", () => {
    const c = queryConfig({ sql: 'select 1' }, { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 's' });
    expect(c).toMatchObject({
      sql: 'select 1',
      lake: '.gridlake/lake/gridlake',
      prefix: '',
      region: 'ap-northeast-2',
      credentials: { accessKeyId: 'a', secretAccessKey: 's' },
    });
    expect(c.output).toBeUndefined();
  });

  it('refuses an empty SQL and an unknown output', () => {
    expect(() => queryConfig({ sql: '' }, {})).toThrow(/the SQL argument/);
    expect(() => queryConfig({ sql: 'select 1', output: 'xml' }, {})).toThrow(/--output/);
  });
});
