// The sink's domain work per record without any I/O: decode (record-fast-decoder),
// buffer (partition-buffer / column-batch) and encode (parquet-codec), on
// pre-built weather values. Prints CPU µs per record for each stage (best of runs).
// Run: node bench/sink/run.mjs --domain [records]
import { ColumnBatch } from '../../src/lake/column-batch.js';
import { WEATHER_SCHEMA } from '../../src/lake/lake-schemas.js';
import { encodeBatch } from '../../src/lake/parquet-codec.js';
import { compileDecoder, DecodedRow } from '../../src/lake/record-fast-decoder.js';
import { weatherValue } from '../../test/unit/lake/fixtures.js';

const N = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);
const day0 = Date.parse('2025-11-01T00:00:00+09:00');
// As in the Kafka bench: readings spread over 30 days, keys hashed over 4 partitions (each file holds
// one partition's share of a day, so neighbouring rows are not neighbouring readings).
const PARTITIONS = 4;
const byPartition: Buffer[][] = Array.from({ length: PARTITIONS }, () => []);
for (let j = 0; j < N; j++) {
  const key = `${j}:${60 + (j % 5)}:127`;
  let h = 0;
  for (let c = 0; c < key.length; c++) h = (Math.imul(h, 0x5bd1e995) ^ key.charCodeAt(c)) >>> 0;
  byPartition[((h ^ (h >>> 13)) >>> 0) % PARTITIONS]!.push(
    Buffer.from(JSON.stringify(weatherValue(j, day0 + Math.floor((j * 30 * 86_400_000) / N)))),
  );
}
const values = byPartition.flat();

function cpuMicros(fn: () => void): number {
  const t = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t);
  return d.user + d.system;
}

const best = { decode: Infinity, buffer: Infinity, encode: Infinity };
for (let run = 0; run < RUNS; run++) {
  const decode = compileDecoder(WEATHER_SCHEMA);
  const row = new DecodedRow(WEATHER_SCHEMA);
  best.decode = Math.min(
    best.decode,
    cpuMicros(() => {
      for (let i = 0; i < N; i++) if (decode(values[i]!, 0, i, row) !== undefined) throw new Error(`rejected ${i}`);
    }),
  );
  const batches: ColumnBatch[] = [];
  best.buffer = Math.min(
    best.buffer,
    cpuMicros(() => {
      let batch = new ColumnBatch(WEATHER_SCHEMA);
      for (let i = 0; i < N; i++) {
        decode(values[i]!, 0, i, row);
        if (batch.length === 8_000) batches.push((batch = new ColumnBatch(WEATHER_SCHEMA)));
        batch.appendRow(row);
      }
      batches.push(batch);
    }) - best.decode,
  );
  let bytes = 0;
  best.encode = Math.min(
    best.encode,
    cpuMicros(() => {
      for (const b of batches) bytes += encodeBatch(b).length;
    }),
  );
  if (run === 0) console.log(`[domain] ${batches.length} files, ${(bytes / 2 ** 20).toFixed(1)} MiB Parquet`);
}
const per = (us: number): number => +(us / N).toFixed(3);
console.log(
  JSON.stringify({
    records: N,
    cpuMicrosPerRecord: {
      decode: per(best.decode),
      buffer: per(best.buffer),
      encode: per(best.encode),
      total: per(best.decode + best.buffer + best.encode),
    },
  }),
);
