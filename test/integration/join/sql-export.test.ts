import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mariadb, postgres } from '../../infra/index.js';
import { joinDay } from '../../../src/join/join-day.js';
import { connectSql, exportDay } from '../../../src/join/sql-export.js';
import type { SqlExportConfig, SqlSession } from '../../../src/join/sql-export.js';
import type { SqlMode } from '../../../src/join/sql-schema.js';
import { DEFAULT_THRESHOLDS } from '../../../src/join/types.js';
import type { DayResult, PowerRecord, WeatherRecord } from '../../../src/join/types.js';
import { hm, kst, power, weather } from '../../fixtures/join/records.js';

// The SQL export against real PostgreSQL and MariaDB, in all three modes.

function day(date: string, bump = 0, locations = ['seoul', 'busan']): DayResult {
  const p: PowerRecord[] = [];
  for (let s = 0; s < 288; s++) p.push(power(date, hm(Math.floor(s / 12), (s % 12) * 5), 60_000 + s + bump));
  const w: WeatherRecord[] = [];
  for (let h = 0; h < 24; h++)
    for (const [i, loc] of locations.entries())
      w.push(weather(date, hm(h), loc, 3 + h / 2 + i, { humidityPct: 50, rain1hMm: 0.1 * h }));
  return joinDay(date, locations, DEFAULT_THRESHOLDS, p, w);
}

const DIALECTS = [
  { name: 'postgres', info: postgres },
  { name: 'mariadb', info: mariadb },
] as const;

describe.each(DIALECTS)('SQL export to $name', ({ info }) => {
  let session: SqlSession;
  let url: string;
  const suffix = randomBytes(4).toString('hex');
  const cfg = (mode: SqlMode, extra: Partial<SqlExportConfig> = {}): SqlExportConfig => ({
    url,
    mode,
    batchRows: 50,
    tables: { power_weather_hourly: `pwh_${suffix}_${mode}`, power_weather_daily: `pwd_${suffix}_${mode}` },
    ...extra,
  });
  const count = async (table: string, date?: string): Promise<number> => {
    const q =
      session.dialect === 'postgres'
        ? `SELECT count(*) AS n FROM "${table}"${date ? ` WHERE "date" = $1` : ''}`
        : `SELECT count(*) AS n FROM \`${table}\`${date ? ' WHERE `date` = ?' : ''}`;
    return Number((await session.query(q, date ? [date] : []))[0]?.['n']);
  };

  beforeAll(async () => {
    url = (await info()).url;
    session = await connectSql(url);
  });
  afterAll(async () => {
    await session?.close();
  });

  it('overwrite creates the tables, then replaces exactly the date', async () => {
    const c = cfg('overwrite');
    const first = await exportDay(session, c, day('2025-11-21'), '2025-11-21');
    expect(first.created).toHaveLength(2);
    expect(first.rows).toEqual({ power_weather_hourly: 72, power_weather_daily: 3 });
    expect(first.statements).toBe(2 + 2 + 1); // 2 deletes, 72 rows in 2 batches of ≤ 50, 3 daily rows in 1
    await exportDay(session, c, day('2025-11-22'), '2025-11-22');
    // the rerun of 22 has one location fewer: the old rows of 22 must not survive
    await exportDay(session, c, day('2025-11-22', 7, ['seoul']), '2025-11-22');
    expect(await count(`pwh_${suffix}_overwrite`, '2025-11-22')).toBe(48);
    expect(await count(`pwd_${suffix}_overwrite`, '2025-11-22')).toBe(2);
    expect(await count(`pwh_${suffix}_overwrite`, '2025-11-21')).toBe(72);
  });

  it('stores values faithfully: UTC instants, doubles, nulls', async () => {
    const t = `pwd_${suffix}_overwrite`;
    const q =
      session.dialect === 'postgres'
        ? `SELECT demand_mw_peak, extract(epoch from demand_peak_at) * 1000 AS peak_ms, temp_demand_corr, quality FROM "${t}" WHERE "date" = $1 AND location = $2`
        : `SELECT demand_mw_peak, CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', demand_peak_at) / 1000 AS SIGNED) AS peak_ms, temp_demand_corr, quality FROM \`${t}\` WHERE \`date\` = ? AND location = ?`;
    const [row] = await session.query(q, ['2025-11-22', 'seoul']);
    expect(Number(row?.['demand_mw_peak'])).toBe(60_287 + 7);
    expect(Number(row?.['peak_ms'])).toBe(kst('2025-11-22', '23:55'));
    expect(Number(row?.['temp_demand_corr'])).toBeCloseTo(
      day('2025-11-22', 7, ['seoul']).daily[1]?.tempDemandCorr ?? NaN,
      12,
    );
    expect(row?.['quality']).toBe('ok');
  });

  it('overwrite rolls back entirely when the load fails midway', async () => {
    const c = cfg('overwrite');
    let inserts = 0;
    const failing: SqlSession = {
      ...session,
      query: async (sql, params) => {
        if (sql.startsWith('INSERT') && ++inserts === 2) throw new Error('connection lost');
        return session.query(sql, params);
      },
    };
    await expect(exportDay(failing, c, day('2025-11-22', 99), '2025-11-22')).rejects.toMatchObject({
      code: 'GL_JOIN_SQL_FAILED',
    });
    expect(await count(`pwh_${suffix}_overwrite`, '2025-11-22')).toBe(48);
    const [row] = await session.query(
      session.dialect === 'postgres'
        ? `SELECT max(demand_mw_max) AS m FROM "pwh_${suffix}_overwrite" WHERE "date" = $1`
        : `SELECT max(demand_mw_max) AS m FROM \`pwh_${suffix}_overwrite\` WHERE \`date\` = ?`,
      ['2025-11-22'],
    );
    expect(Number(row?.['m'])).toBe(60_287 + 7);
  });

  it('append adds a new date and refuses a duplicate date without partial rows', async () => {
    const c = cfg('append');
    await exportDay(session, c, day('2025-11-21'), '2025-11-21');
    await exportDay(session, c, day('2025-11-22'), '2025-11-22');
    expect(await count(`pwh_${suffix}_append`)).toBe(144);
    await expect(exportDay(session, c, day('2025-11-22'), '2025-11-22')).rejects.toMatchObject({
      code: 'GL_JOIN_SQL_FAILED',
    });
    expect(await count(`pwh_${suffix}_append`)).toBe(144);
    expect(await count(`pwd_${suffix}_append`)).toBe(6);
  });

  it('upsert twice equals once, and updates changed values', async () => {
    const c = cfg('upsert');
    await exportDay(session, c, day('2025-11-22'), '2025-11-22');
    await exportDay(session, c, day('2025-11-22'), '2025-11-22');
    expect(await count(`pwh_${suffix}_upsert`)).toBe(72);
    await exportDay(session, c, day('2025-11-22', 1000), '2025-11-22');
    expect(await count(`pwh_${suffix}_upsert`)).toBe(72);
    const [row] = await session.query(
      session.dialect === 'postgres'
        ? `SELECT max(demand_mw_peak) AS m FROM "pwd_${suffix}_upsert"`
        : `SELECT max(demand_mw_peak) AS m FROM \`pwd_${suffix}_upsert\``,
    );
    expect(Number(row?.['m'])).toBe(61_287);
  });

  it('fails on a schema mismatch before writing any row', async () => {
    const h = `pwh_${suffix}_bad`;
    const d = `pwd_${suffix}_bad`;
    await session.query(
      session.dialect === 'postgres'
        ? `CREATE TABLE "${d}" ("date" DATE NOT NULL, location VARCHAR(128) NOT NULL, demand_mw_peak TEXT, PRIMARY KEY ("date", location))`
        : `CREATE TABLE \`${d}\` (\`date\` DATE NOT NULL, location VARCHAR(128) NOT NULL, demand_mw_peak TEXT, PRIMARY KEY (\`date\`, location))`,
    );
    const err = await exportDay(
      session,
      cfg('overwrite', { tables: { power_weather_hourly: h, power_weather_daily: d } }),
      day('2025-11-22'),
      '2025-11-22',
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GL_JOIN_SQL_SCHEMA_MISMATCH' });
    expect(String((err as Error).message)).toContain('demand_mw_peak is text');
    expect(String((err as Error).message)).toContain('column quality is missing');
    // the hourly table (created fresh, correct) holds no rows: nothing was written
    expect(await count(h)).toBe(0);
    expect(await count(d)).toBe(0);
  });
});
