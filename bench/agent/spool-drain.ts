// Benchmark (not a test): N PowerReadings in the agent's spool, forwarded to
// hub Kafka over SASL_SSL + SCRAM-SHA-512 as a site user by the forwarder in
// its own process; records/s and that process's peak RSS. Reference in the
// same run: the same records produced by kafkajs straight from memory, same
// user, listener, batch size and producer settings (idempotent, acks=all).
// Run: node bench/agent/run.mjs [records=1000000]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { openSpool } from '../../src/agent/spool.js';
import { addSiteUser, kafka, stopServers } from '../../test/infra/index.js';
import type { ForwarderChildConfig } from '../../test/integration/agent/forwarder-child.js';
import { powerValue } from '../../test/unit/lake/fixtures.js';

const N = Number(process.argv[2] ?? 1_000_000);
const PARTITIONS = 3;
const childFile = process.env['GRIDLAKE_FORWARDER_CHILD_FILE']!;
const user = 'site-bench';
const password = 'bench-secret';

const info = await kafka();
const id = Math.random().toString(36).slice(2, 8);
const topic = `bench.power.${id}`;
const refTopic = `bench.power-ref.${id}`;
const admin = new Kafka({ clientId: 'bench', brokers: [...info.brokers], logLevel: logLevel.NOTHING }).admin();
await admin.connect();
await admin.createTopics({
  topics: [topic, refTopic].map((t) => ({ topic: t, numPartitions: PARTITIONS })),
  waitForLeaders: true,
});
await addSiteUser(info, { user, password, topics: [topic, refTopic] });

// 1. Spool N readings (not timed as forwarding).
const dir = mkdtempSync(join(tmpdir(), 'gridlake-bench-spool-'));
const spool = openSpool({ dir, limitBytes: 4 * 1024 ** 3, site: 'bench' });
const records: { key: string; value: string }[] = [];
const t0 = Date.UTC(2016, 0, 1);
let valueBytes = 0;
for (let i = 0; i < N; i++) {
  const v = powerValue(t0 + i * 300_000, { source: 'gridlake-site-naver/kpx' });
  const value = JSON.stringify(v);
  valueBytes += Buffer.byteLength(value);
  records.push({ key: String(v['baseDatetimeRaw']), value });
}
const spoolStart = performance.now();
for (let i = 0; i < N; i += 10_000) await spool.bus.send(topic, records.slice(i, i + 10_000));
const spoolSec = (performance.now() - spoolStart) / 1000;
const onDisk = spool.usage().bytes;
await spool.close();

// 2. The forwarder in its own process, until the spool is empty.
const config: ForwarderChildConfig = {
  dir,
  limitBytes: 4 * 1024 ** 3,
  brokers: info.site.brokers,
  ca: info.site.ca,
  user,
  password,
  exitWhenDrained: true,
};
const load0 = loadavg()[0]!;
const spawnAt = performance.now();
// GRIDLAKE_BENCH_CHILD_ARGS: node flags for the forwarder process only (e.g. --cpu-prof).
const childArgs = (process.env['GRIDLAKE_BENCH_CHILD_ARGS'] ?? '').split(' ').filter(Boolean);
const child = spawn(process.execPath, [...childArgs, childFile], {
  env: { ...process.env, GRIDLAKE_FORWARDER_CHILD: JSON.stringify(config) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let out = '';
child.stdout.on('data', (d: Buffer) => (out += d.toString()));
const code = await new Promise<number | null>((r) => child.once('exit', r));
const wallSec = (performance.now() - spawnAt) / 1000;
const result = JSON.parse(out.trim().split('\n').at(-1)!) as {
  records: number;
  seconds: number;
  cpuSeconds: number;
  maxRssMiB: number;
  heapMiB: number;
  externalMiB: number;
};
if (code !== 0) throw new Error(`forwarder exited with ${code}`);
const inHub = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);

// 3. Reference: kafkajs from memory, same user, listener and batch size (~900 KB).
const site = new Kafka({
  clientId: user,
  brokers: [...info.site.brokers],
  logLevel: logLevel.NOTHING,
  ssl: { ca: [info.site.ca] },
  sasl: { mechanism: 'scram-sha-512', username: user, password },
});
const producer = site.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
const perBatch = Math.max(1, Math.floor(900_000 / (valueBytes / N + 36)));
const refStart = performance.now();
for (let i = 0; i < N; i += perBatch)
  await producer.send({ topic: refTopic, acks: -1, messages: records.slice(i, i + perBatch) });
const refSec = (performance.now() - refStart) / 1000;
await producer.disconnect();
const inRef = (await admin.fetchTopicOffsets(refTopic)).reduce((n, p) => n + Number(p.high), 0);
await admin.disconnect();

const mib = (b: number): string => (b / 1024 / 1024).toFixed(0);
const rate = (n: number, s: number): string => `${Math.round(n / s / 1000)}k`;
console.log(
  [
    `spool-drain: ${N} PowerReadings, ${mib(valueBytes)} MiB of JSON (${mib(onDisk)} MiB in the spool, written in ${spoolSec.toFixed(1)} s), hub topic ${PARTITIONS} partitions, SASL_SSL + SCRAM-SHA-512, load ${load0.toFixed(2)}`,
    `forwarder process: ${result.seconds.toFixed(2)} s from start to empty spool (${wallSec.toFixed(2)} s spawn to exit) = ${rate(N, result.seconds)} records/s; CPU ${result.cpuSeconds.toFixed(1)} s; peak RSS ${result.maxRssMiB.toFixed(0)} MiB (sampled peaks: V8 heap ${result.heapMiB.toFixed(0)} MiB, outside it ${result.externalMiB.toFixed(0)} MiB); hub holds ${inHub} (${inHub - N} copies)`,
    `reference (kafkajs from memory, ${perBatch} records a send, same producer settings): ${refSec.toFixed(2)} s = ${rate(N, refSec)} records/s; hub holds ${inRef}`,
    `goals: >= 50k records/s ${N / result.seconds >= 50_000 ? 'met' : 'MISSED'}, RSS <= 128 MiB ${result.maxRssMiB <= 128 ? 'met' : 'MISSED'}`,
  ].join('\n'),
);
rmSync(dir, { recursive: true, force: true });
await stopServers();
