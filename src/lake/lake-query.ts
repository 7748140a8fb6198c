import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type * as DuckDb from '@duckdb/node-api';
import { POWER_TOPIC, WEATHER_TOPIC } from '../api/defaults.js';
import { glError, type GridlakeError } from '../errors.js';
import { parseRawFileKey } from './layout.js';
import type { ObjectInfo, ObjectStore } from './object-store.js';

/**
 * SQL over the lake (`gridlake query`): DuckDB with one view per warehouse
 * table and one per raw topic (docs/query.md). DuckDB is an optional
 * dependency, loaded only here and only when a query runs.
 */

/** The DuckDB client gridlake is tested with: package.json pins the same version (a unit test checks). */
export const DUCKDB_PACKAGE = '@duckdb/node-api';
export const DUCKDB_VERSION = '1.5.5-r.5';

export type DuckDbModule = typeof DuckDb;
/** How the DuckDB client is loaded; tests replace it to play a missing install. */
export type DuckDbLoader = () => Promise<DuckDbModule>;
export const loadDuckDb: DuckDbLoader = () => import('@duckdb/node-api');

/** What a query view reads: a warehouse table or a raw topic, and the files it has in the lake. */
export interface LakeView {
  /** the SQL name: the table's name, or `raw_power`, `raw_weather`, `raw_<topic>` */
  readonly name: string;
  readonly zone: 'warehouse' | 'raw';
  /** the table or the topic */
  readonly source: string;
  /** glob relative to the lake root */
  readonly glob: string;
  readonly files: readonly ObjectInfo[];
}

const WAREHOUSE_FILE = /^warehouse\/([A-Za-z_][A-Za-z0-9_]*)\/year=\d{4}\/month=\d{2}\/day=\d{2}\/data\.parquet$/;

/** The view name of a raw topic: short names for the two topics every lake has, `raw_<topic>` for others. */
export function rawViewName(topic: string): string {
  if (topic === POWER_TOPIC) return 'raw_power';
  if (topic === WEATHER_TOPIC) return 'raw_weather';
  return `raw_${topic.replace(/[^A-Za-z0-9]+/g, '_').toLowerCase()}`;
}

/** The views a lake can have now: only tables and topics with at least one file (an empty view would fail every query). */
export async function lakeViews(store: ObjectStore): Promise<LakeView[]> {
  const [warehouse, raw] = await Promise.all([store.list('warehouse/'), store.list('raw/')]);
  const views = new Map<string, { zone: LakeView['zone']; source: string; glob: string; files: ObjectInfo[] }>();
  const add = (name: string, zone: LakeView['zone'], source: string, glob: string, file: ObjectInfo): void => {
    const view = views.get(name) ?? { zone, source, glob, files: [] };
    // Two topics whose names differ only in punctuation would share a view name: the first keeps it.
    if (view.source !== source) return;
    view.files.push(file);
    views.set(name, view);
  };
  for (const file of warehouse) {
    const table = WAREHOUSE_FILE.exec(file.key)?.[1];
    if (table !== undefined) add(table, 'warehouse', table, `warehouse/${table}/*/*/*/data.parquet`, file);
  }
  for (const file of raw) {
    const parsed = parseRawFileKey(file.key);
    if (parsed !== undefined)
      add(rawViewName(parsed.topic), 'raw', parsed.topic, `raw/${parsed.topic}/*/*/*/*.parquet`, file);
  }
  return [...views.entries()]
    .map(([name, v]) => ({ name, ...v }))
    .sort((a, b) => (a.zone === b.zone ? a.name.localeCompare(b.name) : a.zone === 'warehouse' ? -1 : 1));
}

const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string): string => `"${s.replace(/"/g, '""')}"`;
const HIVE = `hive_partitioning = true, hive_types = {'year': INTEGER, 'month': INTEGER, 'day': INTEGER}`;

/**
 * The view over a folder holding the lake's files under their keys. Both
 * zones get `year`, `month`, `day` from the Hive folders and a `date` column
 * (DATE, the KST date): the warehouse's own `date` string is cast, the raw
 * zone's is made from the folders, so the two join on it.
 */
export function viewSql(view: LakeView, root: string): string {
  const files = sqlString(join(root, view.glob));
  if (view.zone === 'warehouse')
    return `CREATE VIEW ${ident(view.name)} AS SELECT * REPLACE (CAST("date" AS DATE) AS "date") FROM read_parquet(${files}, ${HIVE})`;
  return `CREATE VIEW ${ident(view.name)} AS SELECT make_date("year", "month", "day") AS "date", * FROM read_parquet(${files}, ${HIVE}, union_by_name = true)`;
}

/** Whether `sql` names the view (a word, any case, quoted or not): on S3 only those views' files are fetched. */
export function mentions(sql: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_])${escaped}($|[^A-Za-z0-9_])`, 'i').test(sql);
}

export interface QueryColumn {
  readonly name: string;
  /** DuckDB's type name: `BIGINT`, `DOUBLE`, `VARCHAR`, `TIMESTAMP WITH TIME ZONE`… */
  readonly type: string;
}

/** A JSON-safe value as DuckDB's client gives it (big integers and decimals as strings, instants as text). */
export type QueryValue = null | boolean | number | string | QueryValue[] | { [key: string]: QueryValue };

export interface QueryResult {
  readonly columns: readonly QueryColumn[];
  readonly rows: readonly (readonly QueryValue[])[];
}

export interface LakeQueryOptions {
  readonly store: ObjectStore;
  /**
   * The folder the store reads, when the lake is a local folder: DuckDB reads
   * the files in place. Without it (S3) the files of the views the SQL names
   * are copied through the store into a temporary folder first.
   */
  readonly folder?: string;
  readonly load?: DuckDbLoader;
  /** where the temporary folder for S3 objects is made (default: the OS temp folder) */
  readonly tmpDir?: string;
}

/** Runs `sql` over the lake's views. GL_QUERY_FAILED for what DuckDB refuses, GL_QUERY_ENGINE_MISSING without DuckDB. */
export async function queryLake(sql: string, options: LakeQueryOptions): Promise<QueryResult> {
  const duckdb = await loadEngine(options.load ?? loadDuckDb);
  const views = await lakeViews(options.store);
  let scratch: string | undefined;
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  let connection: DuckDb.DuckDBConnection | undefined;
  try {
    let root: string;
    let used: LakeView[];
    if (options.folder !== undefined) {
      root = resolve(options.folder);
      used = views;
    } else {
      scratch = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'gridlake-query-'));
      root = scratch;
      used = views.filter((v) => mentions(sql, v.name));
      await copyFiles(
        options.store,
        used.flatMap((v) => v.files.map((f) => f.key)),
        scratch,
      );
    }
    connection = await instance.connect();
    // Dates in the lake are Korean dates: casts and date_trunc on instants give the KST day.
    await connection.run(`SET TimeZone = 'Asia/Seoul'`);
    for (const view of used) await connection.run(viewSql(view, root));
    let reader;
    try {
      reader = await connection.runAndReadAll(sql);
    } catch (err) {
      throw queryError(err, views, options.store.location);
    }
    return {
      columns: reader.columnNames().map((name, i) => ({ name, type: reader.columnTypes()[i]!.toString() })),
      rows: reader.getRowsJson() as QueryValue[][],
    };
  } finally {
    connection?.closeSync();
    instance.closeSync();
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  }
}

async function loadEngine(load: DuckDbLoader): Promise<DuckDbModule> {
  try {
    return await load();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err;
    throw glError(
      'GL_QUERY_ENGINE_MISSING',
      `gridlake query needs DuckDB, an optional dependency that is not installed: run npm install ${DUCKDB_PACKAGE}@${DUCKDB_VERSION}`,
      { context: { package: DUCKDB_PACKAGE, version: DUCKDB_VERSION }, cause: err },
    );
  }
}

/** Copies objects into `dir` under their keys, a few at a time. */
async function copyFiles(store: ObjectStore, keys: readonly string[], dir: string): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < keys.length) {
      const key = keys[next++]!;
      const path = join(dir, key);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, await store.get(key));
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, keys.length) }, worker));
}

const MISSING_TABLE = /^Catalog Error: Table with name (.+?) does not exist!/;

/**
 * DuckDB's message on one line (without the caret drawing under the SQL); an
 * unknown table is answered with the views this lake has, not DuckDB's guess
 * among its own catalog tables.
 */
function queryError(err: unknown, views: readonly LakeView[], location: string): GridlakeError {
  const message = err instanceof Error ? err.message : String(err);
  const missing = MISSING_TABLE.exec(message)?.[1];
  if (missing !== undefined) {
    const known =
      views.length === 0
        ? `the lake at ${location} has no warehouse or raw files yet, so there are no views (run the sink and a join first)`
        : `views in ${location}: ${views.map((v) => v.name).join(', ')}`;
    return glError('GL_QUERY_FAILED', `no view named ${missing}; ${known}`, {
      context: { view: missing, views: views.map((v) => v.name), lake: location },
      cause: err,
    });
  }
  const lines = message.split('\n');
  const caret = lines.findIndex((l) => /^LINE \d+:/.test(l));
  const oneLine = (caret === -1 ? lines : lines.slice(0, caret))
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(' ');
  return glError('GL_QUERY_FAILED', oneLine, { context: { lake: location }, cause: err });
}
