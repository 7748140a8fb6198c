import { assertNever, glError } from '../errors.js';
import { PRIMARY_KEYS, TABLE_COLUMNS } from './warehouse-parquet.js';
import type { ColumnSpec, WarehouseTable } from './warehouse-parquet.js';
import type { SqlLoadMode } from '../api/defaults.js';

/**
 * SQL shapes of the warehouse tables for PostgreSQL and MySQL/MariaDB: DDL
 * with primary keys, the expected catalogue types, and the comparison that
 * refuses an existing table that differs (before any row is written). Pure.
 */

export type SqlDialect = 'postgres' | 'mysql';
/** A load mode of the SQL export (the DailyJoin's `sql.mode`; the list is in src/api/defaults.ts). */
export type SqlMode = SqlLoadMode;

const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Validates a table name (no quoting games: letters, digits, underscore). */
export function checkIdentifier(name: string): string {
  if (!IDENT.test(name))
    throw glError('GL_JOIN_CONFIG_INVALID', `invalid SQL table name ${JSON.stringify(name)}`, { context: { name } });
  return name;
}

/** Quotes an identifier for the dialect. */
export function quote(dialect: SqlDialect, ident: string): string {
  return dialect === 'postgres' ? `"${ident}"` : `\`${ident}\``;
}

/** Column type as written in DDL. The `date` column is a SQL DATE; instants are UTC. */
export function ddlType(dialect: SqlDialect, col: ColumnSpec): string {
  if (col.name === 'date') return 'DATE';
  switch (col.kind) {
    case 'string':
      return col.name === 'quality' ? 'VARCHAR(16)' : 'VARCHAR(128)';
    case 'int32':
      return dialect === 'postgres' ? 'INTEGER' : 'INT';
    case 'double':
      return dialect === 'postgres' ? 'DOUBLE PRECISION' : 'DOUBLE';
    case 'timestamp':
      // MySQL TIMESTAMP converts by session zone and ends in 2038; DATETIME(3) holds the UTC instant as written.
      return dialect === 'postgres' ? 'TIMESTAMP(3) WITH TIME ZONE' : 'DATETIME(3)';
    default:
      return assertNever(col.kind);
  }
}

/** The `data_type` information_schema reports for a column created by `ddlType`. */
export function catalogueType(dialect: SqlDialect, col: ColumnSpec): string {
  if (col.name === 'date') return 'date';
  switch (col.kind) {
    case 'string':
      return dialect === 'postgres' ? 'character varying' : 'varchar';
    case 'int32':
      return dialect === 'postgres' ? 'integer' : 'int';
    case 'double':
      return dialect === 'postgres' ? 'double precision' : 'double';
    case 'timestamp':
      return dialect === 'postgres' ? 'timestamp with time zone' : 'datetime';
    default:
      return assertNever(col.kind);
  }
}

/** `CREATE TABLE IF NOT EXISTS` with the warehouse columns and primary key (docs/warehouse.md). */
export function createTableSql(dialect: SqlDialect, table: WarehouseTable, name: string): string {
  const cols = TABLE_COLUMNS[table].map(
    (c) => `  ${quote(dialect, c.name)} ${ddlType(dialect, c)}${c.nullable ? '' : ' NOT NULL'}`,
  );
  const pk = PRIMARY_KEYS[table].map((k) => quote(dialect, k)).join(', ');
  return `CREATE TABLE IF NOT EXISTS ${quote(dialect, name)} (\n${cols.join(',\n')},\n  PRIMARY KEY (${pk})\n)`;
}

/** What the catalogue says about an existing table. */
export interface ObservedColumn {
  readonly name: string;
  readonly dataType: string;
  readonly nullable: boolean;
}

/**
 * Differences between an existing table and the warehouse schema, as readable
 * lines (empty when it matches). Extra columns count: the table must be exactly the schema.
 */
export function schemaDifferences(
  dialect: SqlDialect,
  table: WarehouseTable,
  observed: readonly ObservedColumn[],
  observedPk: readonly string[],
): string[] {
  const out: string[] = [];
  const byName = new Map(observed.map((c) => [c.name.toLowerCase(), c]));
  for (const col of TABLE_COLUMNS[table]) {
    const o = byName.get(col.name);
    if (o === undefined) {
      out.push(`column ${col.name} is missing`);
      continue;
    }
    byName.delete(col.name);
    const want = catalogueType(dialect, col);
    if (o.dataType.toLowerCase() !== want) out.push(`column ${col.name} is ${o.dataType}, expected ${want}`);
    if (!col.nullable && o.nullable) out.push(`column ${col.name} is nullable, expected NOT NULL`);
  }
  for (const extra of byName.keys()) out.push(`unexpected column ${extra}`);
  const pk = observedPk.map((k) => k.toLowerCase());
  const wantPk = PRIMARY_KEYS[table];
  if (pk.join(',') !== wantPk.join(',')) out.push(`primary key is (${pk.join(', ')}), expected (${wantPk.join(', ')})`);
  return out;
}

/** SQL to read a table's columns and primary key from information_schema ($1/? = table name). */
export function catalogueQueries(dialect: SqlDialect): { readonly columns: string; readonly primaryKey: string } {
  return dialect === 'postgres'
    ? {
        columns: `SELECT column_name AS name, data_type AS type, is_nullable AS nullable FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
        primaryKey: `SELECT kcu.column_name AS name FROM information_schema.table_constraints tc
          JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name
            AND kcu.table_schema = tc.table_schema AND kcu.table_name = tc.table_name
          WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() AND tc.table_name = $1
          ORDER BY kcu.ordinal_position`,
      }
    : {
        columns: `SELECT COLUMN_NAME AS name, DATA_TYPE AS type, IS_NULLABLE AS nullable FROM information_schema.COLUMNS
          WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
        primaryKey: `SELECT COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE
          WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION`,
      };
}

/** Multi-row INSERT for `rows` rows (placeholders only), with the mode's conflict clause. */
export function insertSql(
  dialect: SqlDialect,
  table: WarehouseTable,
  name: string,
  rows: number,
  mode: SqlMode,
): string {
  const cols = TABLE_COLUMNS[table];
  const width = cols.length;
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) {
    const ph = cols.map((_, i) => (dialect === 'postgres' ? `$${r * width + i + 1}` : '?'));
    tuples.push(`(${ph.join(', ')})`);
  }
  const names = cols.map((c) => quote(dialect, c.name)).join(', ');
  let sql = `INSERT INTO ${quote(dialect, name)} (${names}) VALUES ${tuples.join(', ')}`;
  if (mode === 'upsert') {
    const keys = new Set(PRIMARY_KEYS[table]);
    const rest = cols.filter((c) => !keys.has(c.name)).map((c) => quote(dialect, c.name));
    sql +=
      dialect === 'postgres'
        ? ` ON CONFLICT (${PRIMARY_KEYS[table].map((k) => quote(dialect, k)).join(', ')}) DO UPDATE SET ${rest.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`
        : ` ON DUPLICATE KEY UPDATE ${rest.map((c) => `${c} = VALUES(${c})`).join(', ')}`;
  }
  return sql;
}

/** Deletes one date's rows (overwrite mode). */
export function deleteDateSql(dialect: SqlDialect, name: string): string {
  return `DELETE FROM ${quote(dialect, name)} WHERE ${quote(dialect, 'date')} = ${dialect === 'postgres' ? '$1' : '?'}`;
}
