// Benchmark (not a test): 1,000,000 weather records Kafka → LakeSink (own
// process) → MinIO, timed per round in two modes (drain, age: see runSink), then
// DuckDB writing the same rows to Parquet as the reference.
// Run: node bench/sink/run.mjs [records]
// Env: BENCH_SINK_RUNS, BENCH_MAX_RECORDS, BENCH_MAX_BUFFERED, BENCH_MAX_AGE_MS, BENCH_CHILD_NODE_ARGS.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { KafkaBus } from '../../src/bus/kafka/kafka-bus.js';
import { S3Store } from '../../src/lake/s3-store.js';
import type { SinkConfig } from '../../src/lake/sink-runtime.js';
import { kafka, s3, stopServers } from '../../test/infra/index.js';
import { weatherValue } from '../../test/unit/lake/fixtures.js';
import { lakeCaughtUp } from '../../test/integration/lake/lake-helpers.js';

const N = Number(process.argv[2] ?? 1_000_000);
const PARTITIONS = 4;
const childFile = process.env['GRIDLAKE_SINK_CHILD_FILE']!;

/** CPU seconds (user + system) a process has used: steadier than wall time on a shared machine. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const { brokers } = await kafka();
const info = await s3();
const id = Math.random().toString(36).slice(2, 8);
const topic = `bench.weather.${id}`;
const bus = new KafkaBus({ brokers });
await bus.ensureTopic(topic, PARTITIONS);

// 1. Produce (not timed as sink throughput).
const day0 = Date.parse('2025-11-01T00:00:00+09:00');
const scratch = mkdtempSync(join(tmpdir(), 'gridlake-bench-'));
const ndjson: string[] = [];
let valueBytes = 0;
const t0 = performance.now();
for (let i = 0; i < N; i += 10_000) {
  const batch = [];
  for (let j = i; j < Math.min(i + 10_000, N); j++) {
    const v = JSON.stringify(weatherValue(j, day0 + Math.floor((j * 30 * 86_400_000) / N)));
    valueBytes += Buffer.byteLength(v);
    ndjson.push(v);
    batch.push({ key: `${j}:${60 + (j % 5)}:127`, value: v });
  }
  await bus.send(topic, batch);
}
const produceSec = (performance.now() - t0) / 1000;
writeFileSync(join(scratch, 'values.ndjson'), ndjson.join('\n'));
ndjson.length = 0;
// A fresh broker creates __consumer_offsets when it first sees a consumer group (~0.3 s):
// done here, so the first sink run does not pay for the broker's own set-up.
await bus.consumer({ groupId: `bench-warmup-${id}`, topics: [topic] }).committed({ topic, partition: 0 });

// 2. The sink in its own process, from an empty lake to caught up; BENCH_SINK_RUNS
// repeats it over the same topic (fresh group and prefix) to show the spread.
// BENCH_CHILD_NODE_ARGS passes flags to the sink's node (e.g. --cpu-prof).
const childArgs = (process.env['BENCH_CHILD_NODE_ARGS'] ?? '').split(' ').filter((a) => a !== '');
const maxRecords = Number(process.env['BENCH_MAX_RECORDS'] ?? 25_000);
const maxBufferedBytes = Number(process.env['BENCH_MAX_BUFFERED'] ?? 16 * 1024 * 1024);
interface SinkRun {
  mode: Mode;
  seconds: number;
  peakRss: number;
  cpuSeconds: number;
  files: number;
  parquetBytes: number;
}
/**
 * `drain`: the sink runs with the LakeSink default maxAgeSeconds (900 s) and is
 * stopped as soon as it has taken every offset; its stop flushes what it
 * buffered, so the time runs from spawn until the process has exited with all
 * N records in the lake: the work of N records, without a timer in it.
 * `age`: the sink keeps running with maxAgeMs 2 s (BENCH_MAX_AGE_MS) and the time
 * runs until the lake covers every offset, so it includes the last buffers'
 * wait for their age (at least 10 s with a valid spec): the earlier sessions' figure.
 */
type Mode = 'drain' | 'age';
async function runSink(run: number, mode: Mode): Promise<SinkRun> {
  const prefix = `${id}-${run}-${mode}`;
  const credentials = { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey };
  const store = new S3Store({
    endpoint: info.endpoint,
    region: info.region,
    bucket: 'gridlake-bench',
    prefix,
    credentials,
  });
  await store.ensureBucket();
  const config: SinkConfig = {
    name: 'bench',
    groupId: `bench-${prefix}`,
    topics: [topic],
    bus: { kind: 'kafka', brokers },
    store: { kind: 's3', endpoint: info.endpoint, region: info.region, bucket: 'gridlake-bench', prefix, credentials },
    maxRecords,
    maxBytes: 32 * 1024 * 1024,
    maxAgeMs: mode === 'drain' ? 900_000 : Number(process.env['BENCH_MAX_AGE_MS'] ?? 2000),
    maxBufferedBytes,
  };
  const t1 = performance.now();
  const child = spawn(process.execPath, [...childArgs, childFile], {
    env: {
      ...process.env,
      GRIDLAKE_SINK_CHILD: JSON.stringify(config),
      GRIDLAKE_LOG_LEVEL: 'warn',
      ...(mode === 'drain' ? { GRIDLAKE_SINK_CHILD_STOP_AFTER: String(N) } : {}),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  await new Promise<void>((r) => child.stdout.once('data', () => r()));
  let seconds: number;
  let peak = 0;
  let cpu: number;
  if (mode === 'drain') {
    const code = await exited;
    seconds = (performance.now() - t1) / 1000;
    const drained = /drained (\{.*\})/.exec(out);
    if (code !== 0 || !drained) throw new Error(`sink run ${run} (drain) exited ${code} without draining: ${out}`);
    const usage = JSON.parse(drained[1]!) as {
      cpuSeconds: number;
      peakRss: number;
      takenSeconds: number;
      stopSeconds: number;
    };
    console.log(
      `[bench] drain: every offset taken ${usage.takenSeconds.toFixed(2)} s after the sink's start, then stop in ${usage.stopSeconds.toFixed(2)} s`,
    );
    peak = usage.peakRss;
    cpu = usage.cpuSeconds;
    if (!(await lakeCaughtUp(bus, store, topic)))
      throw new Error(`sink run ${run} (drain) stopped before the lake had every offset`);
  } else {
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, peakRss(child.pid!));
      } catch {
        // exited
      }
    }, 200);
    while (!(await lakeCaughtUp(bus, store, topic))) await new Promise((r) => setTimeout(r, 250));
    seconds = (performance.now() - t1) / 1000;
    peak = Math.max(peak, peakRss(child.pid!));
    cpu = cpuSeconds(child.pid!);
    clearInterval(sampler);
    child.kill('SIGTERM');
    await exited;
  }
  const files = (await store.list(`raw/${topic}/`)).filter((o) => o.key.endsWith('.parquet'));
  const parquetBytes = files.reduce((n, f) => n + f.size, 0);
  console.log(
    `[bench] sink run ${run} (${mode}): ${N} records in ${seconds.toFixed(2)} s (${cpu.toFixed(1)} CPU s), peak RSS ${(peak / 2 ** 20).toFixed(1)} MiB, ${files.length} files`,
  );
  return { mode, seconds, peakRss: peak, cpuSeconds: cpu, files: files.length, parquetBytes };
}
const runs: SinkRun[] = [];
for (let r = 0; r < Number(process.env['BENCH_SINK_RUNS'] ?? 1); r++)
  for (const mode of ['drain', 'age'] as const) runs.push(await runSink(r, mode));

// 3. Reference, in the same run: DuckDB (2 threads) writes the same rows to
// snappy Parquet from the same JSON values (its own NDJSON reader, the fastest
// route it has from that input), and from a table already in DuckDB (encoder only).
const duck = await DuckDBInstance.create(':memory:', { threads: '2' });
const conn = await duck.connect();
const jsonColumns = `{v: 'INTEGER', source: 'VARCHAR', location: 'VARCHAR', nx: 'INTEGER', ny: 'INTEGER', baseTime: 'VARCHAR',
  baseDateRaw: 'VARCHAR', baseTimeRaw: 'VARCHAR', temperatureC: 'DOUBLE', rain1hMm: 'DOUBLE', humidityPct: 'DOUBLE',
  precipitationType: 'INTEGER', windSpeedMs: 'DOUBLE', windDirectionDeg: 'DOUBLE', windEastMs: 'DOUBLE',
  windNorthMs: 'DOUBLE', ingestedAt: 'VARCHAR'}`;
const cols = `baseTime::timestamptz base_time, baseDateRaw base_date_raw, baseTimeRaw base_time_raw, location, nx, ny,
  temperatureC temperature_c, rain1hMm rain_1h_mm, humidityPct humidity_pct, windSpeedMs wind_speed_ms,
  windDirectionDeg wind_direction_deg, windEastMs wind_east_ms, windNorthMs wind_north_ms,
  precipitationType precipitation_type, source, ingestedAt::timestamptz ingested_at`;
const src = `read_json('${join(scratch, 'values.ndjson')}', format = 'newline_delimited', columns = ${jsonColumns})`;
const t2 = performance.now();
await conn.run(
  `copy (select ${cols} from ${src}) to '${join(scratch, 'duck-json.parquet')}' (format parquet, compression snappy)`,
);
const duckJsonSec = (performance.now() - t2) / 1000;
await conn.run(`create table w as select ${cols} from ${src}`);
const t3 = performance.now();
await conn.run(`copy w to '${join(scratch, 'duck-table.parquet')}' (format parquet, compression snappy)`);
const duckTableSec = (performance.now() - t3) / 1000;
const duckRows = Number(
  (
    await conn.runAndReadAll(`select count(*) n from read_parquet('${join(scratch, 'duck-json.parquet')}')`)
  ).getRowObjectsJS()[0]!['n'],
);
conn.closeSync();

const mb = (b: number): string => (b / 2 ** 20).toFixed(1);
const sinkFigures = runs.map((r) => ({
  mode: r.mode,
  seconds: +r.seconds.toFixed(2),
  recordsPerSecond: Math.round(N / r.seconds),
  inputMiBPerSecond: +(valueBytes / 2 ** 20 / r.seconds).toFixed(1),
  parquetMiB: +mb(r.parquetBytes),
  files: r.files,
  peakRssMiB: +mb(r.peakRss),
  cpuSeconds: +r.cpuSeconds.toFixed(2),
  vsDuckdbFromJson: +(r.seconds / duckJsonSec).toFixed(2),
}));
console.log(
  JSON.stringify(
    {
      records: N,
      partitions: PARTITIONS,
      produceSeconds: +produceSec.toFixed(1),
      inputMiB: +mb(valueBytes),
      sinkSettings: { maxRecords, maxBufferedBytes, childNodeArgs: childArgs },
      sink: sinkFigures,
      duckdbReference: {
        rows: duckRows,
        fromJsonSeconds: +duckJsonSec.toFixed(2),
        fromJsonRecordsPerSecond: Math.round(N / duckJsonSec),
        fromTableSeconds: +duckTableSec.toFixed(2),
        parquetMiB: +mb(statSync(join(scratch, 'duck-json.parquet')).size),
        threads: 2,
      },
      loadAverage: loadavg().map((l) => +l.toFixed(2)),
    },
    null,
    2,
  ),
);
rmSync(scratch, { recursive: true, force: true });
await bus.close();
await stopServers();
process.exit(0);
