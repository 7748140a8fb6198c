import mysql from 'mysql2/promise';
import pg from 'pg';
import { GridlakeError, glError } from '../errors.js';
import type { SqlExportStep } from './run-join.js';
import { SQL_LOAD_MODES } from '../api/defaults.js';
import {
  catalogueQueries,
  checkIdentifier,
  createTableSql,
  deleteDateSql,
  insertSql,
  schemaDifferences,
} from './sql-schema.js';
import type { SqlDialect, SqlMode } from './sql-schema.js';
import { TABLE_COLUMNS, WAREHOUSE_TABLES, dailyValues, hourlyValues } from './warehouse-parquet.js';
import type { WarehouseTable } from './warehouse-parquet.js';
import type { DayResult } from './types.js';

/**
 * Optional SQL export of a day's warehouse rows to PostgreSQL or MySQL/MariaDB.
 * Order: check (or create) both tables, refusing a mismatch before any row is
 * written; then one transaction for both tables: `overwrite` deletes the date
 * and inserts, `append` inserts, `upsert` inserts or updates on the key.
 * Inserts are multi-row statements of `batchRows` rows.
 */

export interface SqlExportConfig {
  /** `postgres://…` or `mysql://…` / `mariadb://…` (from a Secret or env, never logged) */
  readonly url: string;
  readonly mode: SqlMode;
  readonly tables?: Partial<Readonly<Record<WarehouseTable, string>>>;
  /** rows per INSERT statement (default 500) */
  readonly batchRows?: number;
}

/** The small port the exporter needs; adapters for pg and mysql2 below. */
export interface SqlSession {
  readonly dialect: SqlDialect;
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  close(): Promise<void>;
}

/** Rows written per table, statements sent and tables created. */
export interface SqlExportResult {
  readonly rows: Readonly<Record<WarehouseTable, number>>;
  readonly statements: number;
  readonly created: readonly string[];
}

/** The dialect a connection URL speaks. */
export function dialectOf(url: string): SqlDialect {
  const scheme = url.slice(0, url.indexOf(':')).toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return 'postgres';
  if (scheme === 'mysql' || scheme === 'mariadb') return 'mysql';
  throw glError(
    'GL_JOIN_CONFIG_INVALID',
    `SQL URL must start with postgres://, mysql:// or mariadb:// (got ${scheme}://)`,
    {
      context: { scheme },
    },
  );
}

/** Opens a session for the URL (pg or mysql2). */
export async function connectSql(url: string): Promise<SqlSession> {
  const dialect = dialectOf(url);
  try {
    if (dialect === 'postgres') {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return {
        dialect,
        query: async (sql, params) =>
          (await client.query(sql, params as unknown[] | undefined)).rows as Record<string, unknown>[],
        begin: async () => void (await client.query('BEGIN')),
        commit: async () => void (await client.query('COMMIT')),
        rollback: async () => void (await client.query('ROLLBACK')),
        close: () => client.end(),
      };
    }
    const conn = await mysql.createConnection({
      uri: url.replace(/^mariadb:/i, 'mysql:'),
      timezone: 'Z',
      dateStrings: true,
    });
    return {
      dialect,
      query: async (sql, params) =>
        (await conn.query(sql, params as unknown[] | undefined))[0] as Record<string, unknown>[],
      begin: () => conn.beginTransaction(),
      commit: () => conn.commit(),
      rollback: () => conn.rollback(),
      close: () => conn.end(),
    };
  } catch (cause) {
    throw glError('GL_JOIN_SQL_FAILED', `cannot connect to the ${dialect} export database`, { retryable: true, cause });
  }
}

function tableName(config: SqlExportConfig, table: WarehouseTable): string {
  return checkIdentifier(config.tables?.[table] ?? table);
}

/** Creates missing tables and verifies existing ones; throws GL_JOIN_SQL_SCHEMA_MISMATCH listing every difference. */
export async function ensureTables(session: SqlSession, config: SqlExportConfig): Promise<string[]> {
  const q = catalogueQueries(session.dialect);
  const created: string[] = [];
  const problems: string[] = [];
  for (const table of WAREHOUSE_TABLES) {
    const name = tableName(config, table);
    let cols = await session.query(q.columns, [name]);
    if (cols.length === 0) {
      await session.query(createTableSql(session.dialect, table, name));
      created.push(name);
      cols = await session.query(q.columns, [name]);
    }
    const pk = (await session.query(q.primaryKey, [name])).map((r) => String(r['name']));
    const observed = cols.map((r) => ({
      name: String(r['name']),
      dataType: String(r['type']),
      nullable: String(r['nullable']) === 'YES',
    }));
    for (const d of schemaDifferences(session.dialect, table, observed, pk)) problems.push(`${name}: ${d}`);
  }
  if (problems.length > 0) {
    throw glError(
      'GL_JOIN_SQL_SCHEMA_MISMATCH',
      `SQL export tables do not match the warehouse contract: ${problems.join('; ')}`,
      {
        context: { problems },
      },
    );
  }
  return created;
}

function sqlValue(dialect: SqlDialect, kind: string, v: string | number | null): string | number | null {
  if (v === null || kind !== 'timestamp') return v;
  const iso = new Date(v as number).toISOString();
  return dialect === 'postgres' ? iso : iso.replace('T', ' ').replace('Z', '');
}

/** Exports one day's rows in the configured mode; both tables in one transaction. */
export async function exportDay(
  session: SqlSession,
  config: SqlExportConfig,
  day: DayResult,
  date: string,
): Promise<SqlExportResult> {
  if (!SQL_LOAD_MODES.includes(config.mode)) {
    throw glError('GL_JOIN_CONFIG_INVALID', `SQL mode must be one of ${SQL_LOAD_MODES.join(', ')}`, {
      context: { mode: config.mode },
    });
  }
  const batch = Math.max(1, config.batchRows ?? 500);
  const created = await ensureTables(session, config);
  const tuples: Record<WarehouseTable, (string | number | null)[][]> = {
    power_weather_hourly: day.hourly.map(hourlyValues),
    power_weather_daily: day.daily.map(dailyValues),
  };
  let statements = 0;
  await session.begin();
  try {
    for (const table of WAREHOUSE_TABLES) {
      const name = tableName(config, table);
      const kinds = TABLE_COLUMNS[table].map((c) => c.kind);
      if (config.mode === 'overwrite') {
        await session.query(deleteDateSql(session.dialect, name), [date]);
        statements += 1;
      }
      const rows = tuples[table];
      for (let i = 0; i < rows.length; i += batch) {
        const chunk = rows.slice(i, i + batch);
        const params = chunk.flatMap((t) => t.map((v, j) => sqlValue(session.dialect, kinds[j] ?? '', v)));
        await session.query(insertSql(session.dialect, table, name, chunk.length, config.mode), params);
        statements += 1;
      }
    }
    await session.commit();
  } catch (cause) {
    await session.rollback().catch(() => undefined);
    if (cause instanceof GridlakeError) throw cause;
    const message = cause instanceof Error ? cause.message : String(cause);
    throw glError(
      'GL_JOIN_SQL_FAILED',
      `SQL export (${config.mode}) of ${date} failed and was rolled back: ${message}`,
      { cause },
    );
  }
  return {
    rows: {
      power_weather_hourly: tuples.power_weather_hourly.length,
      power_weather_daily: tuples.power_weather_daily.length,
    },
    statements,
    created,
  };
}

/** The run-join step: connect, export, close. */
export function sqlExportStep(
  config: SqlExportConfig,
  connect: (url: string) => Promise<SqlSession> = connectSql,
): SqlExportStep {
  return async (day, date) => {
    const session = await connect(config.url);
    try {
      await exportDay(session, config, day, date);
    } finally {
      await session.close().catch(() => undefined);
    }
  };
}
