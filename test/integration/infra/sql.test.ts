import { describe, expect, it } from 'vitest';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { mariadb, postgres } from '../../infra/index.js';

describe('test SQL servers', () => {
  it('PostgreSQL answers a query over TCP with password auth', async () => {
    const info = await postgres();
    const client = new pg.Client({ connectionString: info.url });
    await client.connect();
    await client.query('CREATE TABLE IF NOT EXISTS infra_probe (id int primary key, doc jsonb)');
    await client.query('INSERT INTO infra_probe VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc', [
      { a: 1 },
    ]);
    const { rows } = await client.query<{ n: string; v: string }>(
      "SELECT count(*) AS n, current_setting('server_version') AS v FROM infra_probe",
    );
    await client.end();
    expect(Number(rows[0]!.n)).toBe(1);
    expect(rows[0]!.v).toMatch(/^\d+\./);
  });

  it('MariaDB answers a query over TCP as a password user', async () => {
    const info = await mariadb();
    const conn = await mysql.createConnection(info.url);
    await conn.query('CREATE TABLE IF NOT EXISTS infra_probe (id int primary key, doc json)');
    await conn.execute('REPLACE INTO infra_probe VALUES (?, ?)', [1, JSON.stringify({ a: 1 })]);
    const [rows] = await conn.query('SELECT count(*) AS n, version() AS v FROM infra_probe');
    await conn.end();
    const row = (rows as { n: number; v: string }[])[0]!;
    expect(Number(row.n)).toBe(1);
    expect(row.v).toMatch(/MariaDB/);
  });
});
