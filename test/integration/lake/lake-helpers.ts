import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Bus } from '../../../src/bus/bus.js';
import { sinkStatePrefix } from '../../../src/lake/layout.js';
import type { ObjectStore } from '../../../src/lake/object-store.js';
import type { WriteRecord } from '../../../src/lake/sink-state.js';
import { powerValue, weatherValue } from '../../unit/lake/fixtures.js';

export const rand = (): string => Math.random().toString(36).slice(2, 10);

/** Produces readings `start`..`start+n-1` of `total`, in time order spread over `days` KST days. */
export async function produceReadings(
  bus: Bus,
  topic: string,
  kind: 'power' | 'weather',
  n: number,
  days: number,
  start = 0,
  total = n,
  batch = 2000,
): Promise<void> {
  const day0 = Date.parse('2025-11-20T00:00:00+09:00');
  for (let i = start; i < start + n; i += batch) {
    const records = [];
    for (let j = i; j < Math.min(i + batch, start + n); j++) {
      const ms = day0 + Math.floor((j * days * 86_400_000) / total);
      const value = kind === 'weather' ? weatherValue(j, ms) : powerValue(ms + j);
      records.push({ key: kind === 'weather' ? `${j}:${60 + (j % 5)}:127` : String(j), value: JSON.stringify(value) });
    }
    await bus.send(topic, records);
  }
}

/** Whether the sink's write records cover every offset up to the end of each partition. */
export async function lakeCaughtUp(bus: Bus, store: ObjectStore, topic: string): Promise<boolean> {
  for (const end of await bus.endOffsets(topic)) {
    if (end.offset === 0) continue;
    const keys = (await store.list(sinkStatePrefix(topic, end.partition))).map((o) => o.key);
    const latest = keys.at(-1);
    if (latest === undefined) return false;
    const rec = JSON.parse((await store.get(latest)).toString()) as WriteRecord;
    if (rec.last + 1 < end.offset) return false;
    for (const f of rec.files) if ((await store.head(f.key)) === null) return false;
  }
  return true;
}

/** Copies a topic's raw files to a local folder, keeping the Hive layout. */
export async function downloadRaw(store: ObjectStore, topic: string, dir: string): Promise<number> {
  const keys = (await store.list(`raw/${topic}/`)).filter((o) => o.key.endsWith('.parquet'));
  for (const { key } of keys) {
    const path = join(dir, key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, await store.get(key));
  }
  return keys.length;
}

/** Runs SQL in a fresh in-memory DuckDB and returns row objects. */
export async function duck(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const reader = await conn.runAndReadAll(sql);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
