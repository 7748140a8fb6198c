/**
 * DailyJoin benchmark (issue 6): one generated year of raw data (5-minute
 * power, hourly weather for 50 locations) in a local-folder lake, joined as
 * 365 daily runs; in the same run DuckDB (1 thread) computes the same outputs
 * from the same files, per day and as one whole-year query.
 *
 *   npx tsc -p bench/join/tsconfig.json
 *   node --expose-gc dist/bench-join/bench/join/join-bench.js [--days 365] [--dir <lake>]
 *   # MinIO lake (test infra reads tools/versions.env beside its compiled module):
 *   ln -sfn ../../../../test/infra/tools dist/bench-join/test/infra/tools
 *   node --expose-gc dist/bench-join/bench/join/join-bench.js --s3 [--days 365]
 *
 * `--spark-days N` (default 0): also run the original project's engine,
 * PySpark in local mode (1 thread), over the first N days, one run per day
 * (bench/join/spark-join.py, the same SQL as the DuckDB reference). PySpark is
 * installed from PyPI into ~/.cache/gridlake-test/pyspark-venv on first use;
 * if that fails the figure says why instead.
 *
 * Peak RSS per day: the kernel high-water mark is reset before each run
 * (/proc/self/clear_refs) and VmHWM read after it. Data generation runs in a
 * child process so its heap does not count.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { joinConfig } from '../../src/join/join-config.js';
import type { JoinStore } from '../../src/join/join-store.js';
import { joinStoreFromObjectStore } from '../../src/join/object-store-join-store.js';
import { S3Store } from '../../src/lake/s3-store.js';
import { LocalJoinStore } from '../../src/join/join-store.js';
import { addDays } from '../../src/kst.js';
import { runDailyJoin } from '../../src/join/run-join.js';
import { computeReference, duckConnection } from '../../test/fixtures/join/duckdb-reference.js';
import { writeGenerated } from '../../test/fixtures/join/generate.js';

const START = '2025-01-01';
const PYSPARK_VERSION = '4.0.1';
const LOCATIONS = Array.from({ length: 50 }, (_, i) => `loc${String(i).padStart(2, '0')}`);

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function hwmMiB(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function resetHwm(): Promise<void> {
  await writeFile('/proc/self/clear_refs', '5').catch(() => undefined);
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

interface S3Target {
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

function s3JoinStore(t: S3Target): JoinStore {
  const { endpoint, region, bucket, accessKeyId, secretAccessKey } = t;
  return joinStoreFromObjectStore(
    new S3Store({ endpoint, region, bucket, credentials: { accessKeyId, secretAccessKey } }),
  );
}

/**
 * `--s3`: the same year in MinIO (test infra), joined through the lake's S3
 * ObjectStore. Generation runs here; the 365 runs in a child process (so the
 * generator's heap does not count toward peak RSS). DuckDB cannot read s3://
 * here (its httpfs extension would download itself): JS side only.
 */
async function mainS3(days: number): Promise<void> {
  // Loaded only here: the test infra reads files beside its compiled module (see the symlink above).
  const { s3, stopServers } = await import('../../test/infra/index.js');
  const info = await s3();
  const target: S3Target = { ...info, bucket: `gridlake-bench-join-${Date.now()}` };
  await new S3Store({
    endpoint: info.endpoint,
    region: info.region,
    bucket: target.bucket,
    credentials: info,
  }).ensureBucket();
  const g0 = performance.now();
  await writeGenerated(s3JoinStore(target), {
    startDate: START,
    days,
    locations: LOCATIONS,
    seed: 365,
    flushRecords: 2_000,
    mess: 0.2,
    rowGroupSize: 10_000,
  });
  const generateSeconds = (performance.now() - g0) / 1000;
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', fileURLToPath(import.meta.url), '--s3-runs', '--days', String(days)],
    {
      env: { ...process.env, GRIDLAKE_BENCH_S3: JSON.stringify(target) },
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
    },
  );
  await stopServers();
  if (child.status !== 0) throw new Error('S3 runs failed');
  const runs = JSON.parse(child.stdout) as Record<string, unknown>;
  process.stdout.write(`${JSON.stringify({ lake: 'minio', days, generateSeconds, ...runs }, null, 2)}\n`);
}

/** The child of `--s3`: 365 daily runs against the bucket named in GRIDLAKE_BENCH_S3. */
async function s3Runs(days: number): Promise<void> {
  const store = s3JoinStore(JSON.parse(process.env['GRIDLAKE_BENCH_S3'] ?? '{}') as S3Target);
  const config = joinConfig({ join: 'bench/daily', locations: LOCATIONS });
  let id = 0;
  const deps = {
    store,
    clock: () => performance.timeOrigin + performance.now(),
    newRunId: () => `r${++id}`,
    gridlakeVersion: 'bench',
  };
  let peak = 0;
  const t0 = performance.now();
  for (let i = 0; i < days; i++) {
    await resetHwm();
    const r = await runDailyJoin(deps, config, addDays(START, i));
    if (r.outcome === 'failed') throw new Error(r.reason);
    peak = Math.max(peak, await hwmMiB());
  }
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(
    JSON.stringify({ js365RunsSeconds: seconds, jsPerDayMs: (seconds / days) * 1000, jsPeakRssMiB: peak }),
  );
}

interface SparkFigures {
  readonly sparkVersion: string;
  readonly days: number;
  readonly sessionStartSeconds: number;
  readonly runsSeconds: number;
  readonly perDaySeconds: number;
  readonly rowsOut: number;
}

/** PySpark from PyPI into the test cache (once), then spark-join.py over the first `days` days. */
function runSpark(
  dir: string,
  days: number,
  t: { powerCoverageMin: number; weatherCoverageMin: number },
): SparkFigures | { error: string } {
  const venv = join(homedir(), '.cache', 'gridlake-test', 'pyspark-venv');
  const python = join(venv, 'bin', 'python');
  const installed = existsSync(python) && spawnSync(python, ['-c', 'import pyspark']).status === 0;
  if (!installed) {
    const mk = spawnSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    const pip =
      mk.status === 0
        ? spawnSync(python, ['-m', 'pip', 'install', '-q', `pyspark==${PYSPARK_VERSION}`], { stdio: 'inherit' })
        : mk;
    if (pip.status !== 0)
      return { error: `PySpark ${PYSPARK_VERSION} could not be installed from PyPI (exit ${pip.status})` };
  }
  const script = fileURLToPath(new URL('../../../../bench/join/spark-join.py', import.meta.url));
  const res = spawnSync(
    python,
    [
      script,
      ...['--lake', dir, '--start', START, '--days', String(days), '--locations', LOCATIONS.join(',')],
      ...['--power-min', String(t.powerCoverageMin), '--weather-min', String(t.weatherCoverageMin), '--threads', '1'],
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 },
  );
  const line = res.stdout.trim().split('\n').at(-1) ?? '';
  if (res.status !== 0 || !line.startsWith('{')) return { error: `spark-join.py failed (exit ${res.status})` };
  return JSON.parse(line) as SparkFigures;
}

async function main(): Promise<void> {
  const days = Number(arg('days') ?? 365);
  if (process.argv.includes('--s3-runs')) return s3Runs(days);
  if (process.argv.includes('--s3')) return mainS3(days);
  const given = arg('dir');
  const dir = given ?? (await mkdtemp(join(tmpdir(), 'gridlake-bench-join-')));
  const store = new LocalJoinStore(dir);

  if (process.argv.includes('--generate-only')) {
    const t0 = performance.now();
    const n = await writeGenerated(store, {
      startDate: START,
      days,
      locations: LOCATIONS,
      seed: 365,
      flushRecords: 2_000,
      mess: 0.2,
      rowGroupSize: 10_000,
    });
    process.stdout.write(`${JSON.stringify({ generated: n, seconds: (performance.now() - t0) / 1000 })}\n`);
    return;
  }
  if (!existsSync(join(dir, 'raw'))) {
    const gen = spawnSync(
      process.execPath,
      [fileURLToPath(import.meta.url), '--generate-only', '--days', String(days), '--dir', dir],
      { stdio: 'inherit' },
    );
    if (gen.status !== 0) throw new Error('generation failed');
  }
  const rawFiles = (await store.list('raw/')).length;

  // --- JS: 365 daily runs ---
  const config = joinConfig({ join: 'bench/daily', locations: LOCATIONS, warehousePrefix: 'warehouse-js' });
  let id = 0;
  const deps = {
    store,
    clock: () => performance.timeOrigin + performance.now(),
    newRunId: () => `r${++id}`,
    gridlakeVersion: 'bench',
  };
  let peak = 0;
  let peakDay = '';
  let rows = 0;
  const sparkDays = Math.min(days, Number(arg('spark-days') ?? 0));
  let jsSparkDaysSeconds = 0;
  let jsSparkDaysRows = 0;
  const jsStart = performance.now();
  for (let i = 0; i < days; i++) {
    const date = addDays(START, i);
    await resetHwm();
    const dayStart = performance.now();
    const r = await runDailyJoin(deps, config, date);
    if (r.outcome === 'failed') throw new Error(`${date}: ${r.reason ?? ''}`);
    const dayRows = r.rowsOut.power_weather_hourly + r.rowsOut.power_weather_daily;
    rows += dayRows;
    if (i < sparkDays) {
      jsSparkDaysSeconds += (performance.now() - dayStart) / 1000;
      jsSparkDaysRows += dayRows;
    }
    const hwm = await hwmMiB();
    if (hwm > peak) {
      peak = hwm;
      peakDay = date;
    }
  }
  const jsSeconds = (performance.now() - jsStart) / 1000;
  gc();

  // --- DuckDB, 1 thread: the same 365 per-day runs (files in, files out) ---
  const { con, close } = await duckConnection(1);
  const out = join(dir, 'warehouse-duckdb');
  const duckDayStart = performance.now();
  for (let i = 0; i < days; i++) {
    const date = addDays(START, i);
    await computeReference(con, dir, LOCATIONS, config.thresholds, date);
    const part = `year=${date.slice(0, 4)}/month=${date.slice(5, 7)}/day=${date.slice(8, 10)}`;
    for (const [table, ref] of [
      ['power_weather_hourly', 'ref_hourly'],
      ['power_weather_daily', 'ref_daily'],
    ] as const) {
      await mkdir(`${out}/${table}/${part}`, { recursive: true });
      await con.run(
        `COPY (SELECT * FROM ${ref}) TO '${out}/${table}/${part}/data.parquet' (FORMAT parquet, COMPRESSION snappy)`,
      );
    }
  }
  const duckDaysSeconds = (performance.now() - duckDayStart) / 1000;

  // --- DuckDB, 1 thread: the whole year in one query, partitioned output ---
  const duckYearStart = performance.now();
  await computeReference(con, dir, LOCATIONS, config.thresholds);
  const duckYearComputeSeconds = (performance.now() - duckYearStart) / 1000;
  for (const [table, ref] of [
    ['power_weather_hourly', 'ref_hourly'],
    ['power_weather_daily', 'ref_daily'],
  ] as const) {
    await mkdir(`${dir}/warehouse-duckdb-year`, { recursive: true });
    await con.run(
      `COPY (SELECT * FROM ${ref}) TO '${dir}/warehouse-duckdb-year/${table}' (FORMAT parquet, COMPRESSION snappy, PARTITION_BY (date), OVERWRITE_OR_IGNORE)`,
    );
  }
  const duckYearSeconds = (performance.now() - duckYearStart) / 1000;
  const duckRows = Number(
    (
      await con.runAndReadAll(`SELECT (SELECT count(*) FROM ref_hourly) + (SELECT count(*) FROM ref_daily) AS n`)
    ).getRowObjectsJS()[0]?.['n'],
  );
  close();
  const spark = sparkDays > 0 ? runSpark(dir, sparkDays, config.thresholds) : null;

  const result = {
    node: process.version,
    days,
    locations: LOCATIONS.length,
    rawFiles,
    rowsOut: { js: rows, duckdb: duckRows },
    js365RunsSeconds: jsSeconds,
    jsPerDayMs: (jsSeconds / days) * 1000,
    jsPeakRssMiB: peak,
    jsPeakRssDay: peakDay,
    duckdb365RunsSeconds: duckDaysSeconds,
    duckdbYearQuerySeconds: duckYearSeconds,
    duckdbYearComputeOnlySeconds: duckYearComputeSeconds,
    ratio365Runs: jsSeconds / duckDaysSeconds,
    ratioYearVsOneQuery: jsSeconds / duckYearSeconds,
    ...(spark === null
      ? {}
      : {
          spark:
            'error' in spark
              ? spark
              : { ...spark, jsSameDaysSeconds: jsSparkDaysSeconds, jsSameDaysRows: jsSparkDaysRows },
          ratioSparkVsJs: 'error' in spark ? null : spark.runsSeconds / jsSparkDaysSeconds,
        }),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (given === undefined) await rm(dir, { recursive: true, force: true });
}

await main();
