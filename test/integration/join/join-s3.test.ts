import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3 } from '../../infra/index.js';
import { S3Store } from '../../../src/lake/s3-store.js';
import { joinConfig } from '../../../src/join/join-config.js';
import { LocalJoinStore } from '../../../src/join/join-store.js';
import type { JoinStore } from '../../../src/join/join-store.js';
import { WAREHOUSE_TABLES } from '../../../src/join/warehouse-parquet.js';
import { dataKey, manifestKey } from '../../../src/join/manifest.js';
import { joinStoreFromObjectStore } from '../../../src/join/object-store-join-store.js';
import { runDailyJoin } from '../../../src/join/run-join.js';
import { runJoinCommand } from '../../../src/cli/run-join.js';
import { joinCommandConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/observe/log.js';
import { addDays } from '../../../src/kst.js';
import { writeGenerated } from '../../fixtures/join/generate.js';

// The join over a real S3 (MinIO) lake through the lake's ObjectStore: the
// same generated raw files joined from MinIO and from a local folder must give
// byte-identical warehouse files.

const START = '2025-03-01';
const DAYS = 3;
const gen = { startDate: START, days: DAYS, locations: ['busan', 'seoul'], seed: 7, flushRecords: 300, mess: 1 };
const config = joinConfig({ join: 'grid/s3', locations: ['busan', 'seoul'] });
let remote: JoinStore;
let local: LocalJoinStore;
let dir: string;

beforeAll(async () => {
  const info = await s3();
  const store = new S3Store({
    endpoint: info.endpoint,
    region: info.region,
    bucket: `gridlake-join-${randomBytes(4).toString('hex')}`,
    credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey },
  });
  await store.ensureBucket();
  remote = joinStoreFromObjectStore(store);
  dir = await mkdtemp(join(tmpdir(), 'gridlake-join-s3-'));
  local = new LocalJoinStore(dir);
  await writeGenerated(remote, gen);
  await writeGenerated(local, gen);
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('DailyJoin over MinIO', () => {
  it('writes the same warehouse files as over a local folder, twice over', async () => {
    const deps = (store: JoinStore) => ({ store, clock: () => 0, newRunId: () => 'r', gridlakeVersion: 't' });
    for (let i = 0; i < DAYS; i++) {
      const date = addDays(START, i);
      const a = await runDailyJoin(deps(remote), config, date);
      const b = await runDailyJoin(deps(local), config, date);
      expect(a.outcome).not.toBe('failed');
      expect(a.inputs).toEqual(b.inputs);
      await runDailyJoin(deps(remote), config, date); // a rerun replaces in place
      for (const table of WAREHOUSE_TABLES) {
        expect(await remote.get(dataKey('warehouse', table, date))).toEqual(
          await local.get(dataKey('warehouse', table, date)),
        );
        expect(
          JSON.parse(new TextDecoder().decode(await remote.get(manifestKey('warehouse', table, date)))),
        ).toMatchObject({ table, date });
      }
    }
    expect((await remote.list('warehouse/')).length).toBe(DAYS * 4);
  });
});

describe('gridlake join on an S3 lake (the command the DailyJoinRun Job runs)', () => {
  it('reads and writes under --bucket/--prefix with env credentials and leaves the summary in --report-file', async () => {
    const info = await s3();
    const bucket = `gridlake-join-cli-${randomBytes(4).toString('hex')}`;
    const prefixed = new S3Store({
      endpoint: info.endpoint,
      region: info.region,
      bucket,
      prefix: 'lake',
      credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey },
    });
    await prefixed.ensureBucket();
    await writeGenerated(joinStoreFromObjectStore(prefixed), gen);
    const reportFile = join(dir, 'termination-log');
    const out: string[] = [];
    const env = { AWS_ACCESS_KEY_ID: info.accessKeyId, AWS_SECRET_ACCESS_KEY: info.secretAccessKey };
    const report = await runJoinCommand(
      joinCommandConfig(
        {
          join: 'grid/s3',
          date: START,
          lake: '/nonexistent',
          locations: 'busan,seoul',
          bucket,
          prefix: 'lake/',
          endpoint: info.endpoint,
          region: info.region,
          reportFile,
          sqlUrlEnv: 'GRIDLAKE_JOIN_SQL_URL',
        },
        env,
      ),
      {
        stdout: { write: (s: string) => out.push(s) } as unknown as NodeJS.WritableStream,
        logger: createLogger({ level: 'silent' }),
      },
    );
    expect(report.outcome).not.toBe('failed');
    expect(report.inputs.powerRows).toBeGreaterThan(0);
    // the outputs sit under the prefix, next to the raw zone they came from
    const keys = (await prefixed.list('warehouse/')).map((o) => o.key);
    expect(keys).toContain(dataKey('warehouse', 'power_weather_hourly', START));
    const summary = JSON.parse(await readFile(reportFile, 'utf8')) as Record<string, unknown>;
    expect(summary).toMatchObject({
      outcome: report.outcome,
      rows: { hourlyOut: report.rowsOut.power_weather_hourly },
    });
    expect(Buffer.byteLength(JSON.stringify(summary))).toBeLessThanOrEqual(4096);
  });
});
