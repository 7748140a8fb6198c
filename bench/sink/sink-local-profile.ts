// Where the sink's own time goes, without Kafka or S3: the local log in, a local folder out.
// Run: node bench/sink/run.mjs --local [records]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalLogBus } from '../../src/bus/local-log/local-log-bus.js';
import { LakeSink } from '../../src/lake/lake-sink.js';
import { LocalFolderStore } from '../../src/lake/local-folder-store.js';
import { weatherValue } from '../../test/unit/lake/fixtures.js';

const N = Number(process.argv[2] ?? 300_000);
const dir = mkdtempSync(join(tmpdir(), 'gridlake-prof-'));
const bus = new LocalLogBus({ dir: join(dir, 'log'), fsync: 'never' });
const topic = 'gridlake.weather.kma.v1';
await bus.ensureTopic(topic, 4);
const day0 = Date.parse('2025-11-01T00:00:00+09:00');
for (let i = 0; i < N; i += 10_000) {
  const batch = [];
  for (let j = i; j < Math.min(i + 10_000, N); j++)
    batch.push({ key: `${j}`, value: JSON.stringify(weatherValue(j, day0 + Math.floor((j * 30 * 86_400_000) / N))) });
  await bus.send(topic, batch);
}
const store = new LocalFolderStore(join(dir, 'lake'));
const sink = new LakeSink({
  name: 'prof',
  bus,
  store,
  topics: [topic],
  groupId: 'prof',
  maxRecords: 100_000,
  maxAgeMs: 1000,
  maxBufferedBytes: 64 * 1024 * 1024,
});
const t = performance.now();
await sink.start();
for (;;) {
  const ends = await bus.endOffsets(topic);
  const c = bus.consumer({ groupId: 'prof', topics: [topic] });
  let done = true;
  for (const e of ends) if (((await c.committed(e)) ?? 0) < e.offset) done = false;
  if (done) break;
  await new Promise((r) => setTimeout(r, 100));
}
const sec = (performance.now() - t) / 1000;
console.log(
  JSON.stringify({
    records: N,
    seconds: +sec.toFixed(2),
    recordsPerSecond: Math.round(N / sec),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
await sink.stop();
await bus.close();
rmSync(dir, { recursive: true, force: true });
