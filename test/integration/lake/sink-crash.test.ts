import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import { KafkaBus } from '../../../src/bus/kafka/kafka-bus.js';
import { checkLake } from '../../../src/lake/lake-check.js';
import { POWER_SCHEMA, WEATHER_SCHEMA } from '../../../src/lake/lake-schemas.js';
import { S3Store } from '../../../src/lake/s3-store.js';
import type { SinkConfig } from '../../../src/lake/sink-runtime.js';
import { kafka, s3 } from '../../infra/index.js';
import { buildChild } from '../../unit/bus/build-child.js';
import { downloadRaw, duck, lakeCaughtUp, produceReadings, rand } from './lake-helpers.js';

// Full proof: GRIDLAKE_CRASH_N=200000 GRIDLAKE_CRASH_KILLS=20; the suite runs a smaller default.
const N = Number(process.env['GRIDLAKE_CRASH_N'] ?? 20_000);
const KILLS = Number(process.env['GRIDLAKE_CRASH_KILLS'] ?? 5);
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function startChild(file: string, config: SinkConfig, stderrLines: string[], putDelayMs = 0): ChildProcess {
  const proc = spawn(process.execPath, [file], {
    env: {
      ...process.env,
      GRIDLAKE_SINK_CHILD: JSON.stringify(config),
      GRIDLAKE_SINK_PUT_DELAY_MS: String(putDelayMs),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let buf = '';
  proc.stderr!.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    stderrLines.push(...lines);
  });
  return proc;
}

describe('LakeSink under kill -9 (real Kafka and MinIO)', () => {
  it(`writes each of ${N} offsets exactly once despite ${KILLS} kills`, { timeout: 45 * 60_000 }, async () => {
    const started = Date.now();
    const { brokers } = await kafka();
    const info = await s3();
    const bus = new KafkaBus({ brokers });
    cleanups.push(() => bus.close());
    const id = rand();
    const weather = `crash.weather.${id}`;
    const power = `crash.power.${id}`;
    await bus.ensureTopic(weather, 4);
    await bus.ensureTopic(power, 3);
    const store = new S3Store({
      endpoint: info.endpoint,
      region: info.region,
      bucket: 'gridlake-crash',
      prefix: id,
      credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey },
    });
    await store.ensureBucket();
    const child = await buildChild(join(import.meta.dirname, 'sink-child.ts'), 'sink-child');

    const nWeather = Math.round(N * 0.8);
    const nPower = N - nWeather;
    // Half before the first sink, half while it is being killed.
    await produceReadings(bus, weather, 'weather', nWeather / 2, 5, 0, nWeather);
    await produceReadings(bus, power, 'power', nPower / 2, 5, 0, nPower);
    // The second half trickles in over the whole kill phase, so every run has fresh records to cut.
    const steps = KILLS * 9;
    const pause = 1000;
    const producing = (async () => {
      for (let s = 0; s < steps; s++) {
        const w0 = nWeather / 2 + Math.floor((s * nWeather) / 2 / steps);
        const w1 = nWeather / 2 + Math.floor(((s + 1) * nWeather) / 2 / steps);
        const p0 = nPower / 2 + Math.floor((s * nPower) / 2 / steps);
        const p1 = nPower / 2 + Math.floor(((s + 1) * nPower) / 2 / steps);
        await produceReadings(bus, weather, 'weather', w1 - w0, 5, w0, nWeather);
        await produceReadings(bus, power, 'power', p1 - p0, 5, p0, nPower);
        await new Promise((r) => setTimeout(r, pause));
      }
    })();

    const base: Omit<SinkConfig, 'maxRecords' | 'maxAgeMs'> = {
      name: 'crash',
      groupId: `crash-${id}`,
      topics: [weather, power],
      bus: { kind: 'kafka', brokers },
      store: {
        kind: 's3',
        endpoint: info.endpoint,
        region: info.region,
        bucket: 'gridlake-crash',
        prefix: id,
        credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey },
      },
      maxBytes: 32 * 1024 * 1024,
      maxBufferedBytes: 64 * 1024 * 1024,
      sessionTimeoutMs: 6000,
    };
    const logs: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      // Vary the cut on purpose: other record limits and flush ages every run.
      const config: SinkConfig = {
        ...base,
        maxRecords: 1000 + Math.floor(Math.random() * 8000),
        maxAgeMs: 300 + Math.floor(Math.random() * 1500),
      };
      const before = logs.length;
      const proc = startChild(child, config, logs, 150);
      // Kill at a random moment once this run is really consuming (it first waits for the
      // dead member's session to expire), so kills land inside reads, timer flushes and uploads.
      const deadline = Date.now() + 60_000;
      while (!logs.slice(before).some((l) => l.includes('partition resumes from the lake')) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 3000));
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
    }
    await producing;
    const finalProc = startChild(child, { ...base, maxRecords: 50_000, maxAgeMs: 1000 }, logs);
    await eventually(
      'the lake holds every record of both topics',
      async () => (await lakeCaughtUp(bus, store, weather)) && (await lakeCaughtUp(bus, store, power)),
      { timeoutMs: 10 * 60_000, intervalMs: 2000 },
    );
    finalProc.kill('SIGTERM');
    await new Promise((r) => finalProc.once('exit', r));

    const redone = logs.filter((l) => l.includes('partition resumes from the lake') && l.includes('"redoLast"')).length;
    for (const [topic, schema] of [
      [weather, WEATHER_SCHEMA],
      [power, POWER_SCHEMA],
    ] as const) {
      const report = await checkLake(store, schema, topic);
      expect(report.unreadable).toEqual([]);
      expect(report.duplicates).toEqual([]);
      expect(report.overlaps).toEqual([]);
      // Readings arrive in time order here, so even files of different days never interleave.
      expect(report.interleavedDays).toEqual([]);
      expect(report.misnamed).toEqual([]);
      for (const end of await bus.endOffsets(topic))
        expect(report.offsets.get(end.partition)).toEqual(Array.from({ length: end.offset }, (_, i) => i));
      console.log(`[crash] ${topic}: ${report.rows} rows in ${report.files} files`);
    }
    expect((await checkLake(store, WEATHER_SCHEMA, weather)).rows).toBe(nWeather);
    expect((await checkLake(store, POWER_SCHEMA, power)).rows).toBe(nPower);

    // The independent reader: DuckDB over the Hive layout gets the same counts and values.
    const dir = mkdtempSync(join(tmpdir(), 'gridlake-duck-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    await downloadRaw(store, weather, dir);
    const glob = join(dir, 'raw', weather, '*/*/*/*.parquet');
    const [row] = await duck(
      `select count(*)::bigint n, count(distinct (kafka_partition, kafka_offset))::bigint distinct_offsets, count(distinct day)::bigint n_days, sum(nx)::bigint nx_sum, count(temperature_c)::bigint t_non_null from read_parquet('${glob}', hive_partitioning=true)`,
    );
    expect(Number(row!['n'])).toBe(nWeather);
    expect(Number(row!['distinct_offsets'])).toBe(nWeather);
    expect(Number(row!['n_days'])).toBeGreaterThanOrEqual(5);
    expect(Number(row!['nx_sum'])).toBe(
      Array.from({ length: nWeather }, (_, j) => 60 + (j % 5)).reduce((a, b) => a + b, 0),
    );
    expect(Number(row!['t_non_null'])).toBe(
      Array.from({ length: nWeather }, (_, j) => j).filter((j) => j % 7 !== 0).length,
    );
    const types = await duck(
      `select column_name, column_type from (describe select * from read_parquet('${glob}', hive_partitioning=true))`,
    );
    expect(types.find((t) => t['column_name'] === 'base_time')?.['column_type']).toBe('TIMESTAMP WITH TIME ZONE');
    console.log(
      `[crash] N=${N} kills=${KILLS} restarts that redid an interrupted flush=${redone} duration=${Math.round((Date.now() - started) / 1000)}s`,
    );
  });
});
