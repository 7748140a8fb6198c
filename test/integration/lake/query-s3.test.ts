import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { s3, type S3Info } from '../../infra/index.js';
import { registerQueryCommand } from '../../../src/cli/query-command.js';
import { joinStoreFromObjectStore } from '../../../src/join/object-store-join-store.js';
import { S3Store } from '../../../src/lake/s3-store.js';
import { JOINED, RAW_ONLY, makeQueryLake } from '../../fixtures/query/lake.js';

// `gridlake query --bucket`: DuckDB has no httpfs here, so the command copies
// the objects of the views the SQL names through gridlake's own S3 client.
// Proven against MinIO with a prefixed lake, credentials from AWS_*.

const bucket = `gridlake-query-${randomBytes(4).toString('hex')}`;
const prefix = 'lakes/one';
let info: S3Info;
let out = '';
let err = '';

const stream = (into: (s: string) => void): Writable =>
  new Writable({
    write(chunk: Buffer, _enc, cb) {
      into(chunk.toString());
      cb();
    },
  });

beforeAll(async () => {
  info = await s3();
  const store = new S3Store({
    endpoint: info.endpoint,
    region: info.region,
    bucket,
    prefix,
    credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey },
  });
  await store.ensureBucket();
  await makeQueryLake(joinStoreFromObjectStore(store));
});

beforeEach(() => {
  process.exitCode = 0;
});
afterEach(() => {
  out = '';
  err = '';
  process.exitCode = 0;
});

async function query(sql: string, output = 'json'): Promise<void> {
  const program = new Command('gridlake').exitOverride();
  const env = { AWS_ACCESS_KEY_ID: info.accessKeyId, AWS_SECRET_ACCESS_KEY: info.secretAccessKey };
  registerQueryCommand(program, env, { stdout: stream((s) => (out += s)), stderr: stream((s) => (err += s)) });
  const flags = ['--bucket', bucket, '--prefix', prefix, '--endpoint', info.endpoint, '--region', info.region];
  await program.parseAsync(['query', ...flags, '-o', output, sql], { from: 'user' });
}

describe('gridlake query on S3 (MinIO)', () => {
  it('reads the warehouse and the raw zone from the bucket', async () => {
    await query(`
      select d.date, d.location, d.quality, count(r.base_time) as readings
      from power_weather_daily d join raw_power r using (date)
      group by all order by d.location`);
    expect(err).toBe('');
    expect(process.exitCode).toBe(0);
    expect(JSON.parse(out)).toEqual([
      { date: JOINED, location: '*', quality: 'ok', readings: 288 },
      { date: JOINED, location: 'busan', quality: 'ok', readings: 288 },
      { date: JOINED, location: 'seoul', quality: 'ok', readings: 288 },
    ]);
  });

  it('sees raw days the warehouse does not have yet', async () => {
    await query(`select date, count(*) as n from raw_weather group by date order by date`, 'csv');
    expect(out).toBe(`date,n\n${JOINED},47\n${RAW_ONLY},47\n`);
  });

  it('names the views of the bucket when the SQL names another', async () => {
    await query('select * from power_weather_monthly');
    expect(process.exitCode).toBe(1);
    expect(err).toBe(
      `gridlake query: no view named power_weather_monthly; views in s3://${bucket}/${prefix}/: power_weather_daily, power_weather_hourly, raw_power, raw_weather\n`,
    );
  });
});
