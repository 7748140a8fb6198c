import { join } from 'node:path';
import type { TopicPartitionOffset } from '../../../src/bus/bus.js';
import { LocalLogBus } from '../../../src/bus/local-log/local-log-bus.js';
import { partitionPath } from '../../../src/kst.js';
import { checkLake, type LakeCheckReport } from '../../../src/lake/lake-check.js';
import { schemaForTopic } from '../../../src/lake/lake-schemas.js';
import { LocalFolderStore } from '../../../src/lake/local-folder-store.js';
import { duckConnection } from '../../fixtures/join/duckdb-reference.js';
import { POWER_TOPIC, WEATHER_TOPIC } from '../../fixtures/join/raw-files.js';

/** What a stopped pipeline left behind, per topic: the lake check and the log's end offsets. */
export interface LakeSnapshot {
  readonly topics: Readonly<
    Record<string, { readonly check: LakeCheckReport; readonly endOffsets: readonly TopicPartitionOffset[] }>
  >;
}

/** Checks the raw zone of each topic and reads the local log's end offsets (the pipeline must be stopped). */
export async function lakeSnapshot(dataDir: string, lakeDir: string, topics: readonly string[]): Promise<LakeSnapshot> {
  const store = new LocalFolderStore(lakeDir);
  const bus = new LocalLogBus({ dir: join(dataDir, 'log') });
  try {
    const out: Record<string, LakeSnapshot['topics'][string]> = {};
    for (const topic of topics) {
      const schema = schemaForTopic(topic);
      if (schema === undefined) throw new Error(`no lake schema for ${topic}`);
      out[topic] = { check: await checkLake(store, schema, topic), endOffsets: await bus.endOffsets(topic) };
    }
    return { topics: out };
  } finally {
    await bus.close();
  }
}

/** The raw files of one KST date, per topic, as the manifest names them (sorted keys). */
export async function rawFilesOf(lakeDir: string, date: string): Promise<{ power: string[]; weather: string[] }> {
  const store = new LocalFolderStore(lakeDir);
  const keys = async (topic: string): Promise<string[]> =>
    (await store.list(`raw/${topic}/${partitionPath(date)}/`))
      .map((o) => o.key)
      .filter((k) => k.endsWith('.parquet'))
      .sort();
  return { power: await keys(POWER_TOPIC), weather: await keys(WEATHER_TOPIC) };
}

/** Rows and distinct reading identities (power: base time; weather: base time and grid cell) in the raw zone, by DuckDB. */
export async function readingIdentities(
  lakeDir: string,
): Promise<{ power: { total: number; distinct: number }; weather: { total: number; distinct: number } }> {
  const { con, close } = await duckConnection(1);
  const count = async (topic: string, identity: string): Promise<{ total: number; distinct: number }> => {
    const rows = (
      await con.runAndReadAll(
        `SELECT count(*) AS total, count(DISTINCT (${identity})) AS distinct_ids
         FROM read_parquet('${lakeDir}/raw/${topic}/*/*/*/*.parquet', hive_partitioning = true)`,
      )
    ).getRowObjectsJS();
    return { total: Number(rows[0]?.['total']), distinct: Number(rows[0]?.['distinct_ids']) };
  };
  try {
    return {
      power: await count(POWER_TOPIC, 'base_time'),
      weather: await count(WEATHER_TOPIC, 'base_time, nx, ny'),
    };
  } finally {
    close();
  }
}
