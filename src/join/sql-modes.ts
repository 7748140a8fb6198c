/** Load modes of the SQL export (docs/warehouse.md; apart from sql-schema.ts so the CLI's `--sql-mode` choices load no Parquet code). */
export type SqlMode = 'overwrite' | 'append' | 'upsert';
export const SQL_MODES: readonly SqlMode[] = ['overwrite', 'append', 'upsert'];
