import { describe, expect, it } from 'vitest';
import { dialectOf } from '../../../src/join/sql-export.js';
import {
  catalogueType,
  checkIdentifier,
  createTableSql,
  insertSql,
  schemaDifferences,
} from '../../../src/join/sql-schema.js';
import type { SqlDialect } from '../../../src/join/sql-schema.js';
import { DAILY_COLUMNS } from '../../../src/join/warehouse-parquet.js';

const matching = (d: SqlDialect) =>
  DAILY_COLUMNS.map((c) => ({ name: c.name, dataType: catalogueType(d, c), nullable: c.nullable }));

describe('SQL schema', () => {
  it.each(['postgres', 'mysql'] as const)('creates %s tables with the contract primary key', (d) => {
    const sql = createTableSql(d, 'power_weather_hourly', 'pwh');
    expect(sql).toContain(
      d === 'postgres' ? 'PRIMARY KEY ("date", "hour", "location")' : 'PRIMARY KEY (`date`, `hour`, `location`)',
    );
    expect(sql).toContain(
      d === 'postgres' ? '"hour_start" TIMESTAMP(3) WITH TIME ZONE NOT NULL' : '`hour_start` DATETIME(3) NOT NULL',
    );
  });

  it('accepts a table that matches the contract', () => {
    expect(schemaDifferences('postgres', 'power_weather_daily', matching('postgres'), ['date', 'location'])).toEqual(
      [],
    );
  });

  it('lists every difference of a table that does not', () => {
    const observed = matching('mysql')
      .filter((c) => c.name !== 'quality')
      .map((c) =>
        c.name === 'demand_mw_avg' ? { ...c, dataType: 'float' } : c.name === 'location' ? { ...c, nullable: true } : c,
      );
    expect(
      schemaDifferences(
        'mysql',
        'power_weather_daily',
        [...observed, { name: 'note', dataType: 'text', nullable: true }],
        ['date'],
      ),
    ).toEqual([
      'column location is nullable, expected NOT NULL',
      'column demand_mw_avg is float, expected double',
      'column quality is missing',
      'unexpected column note',
      'primary key is (date), expected (date, location)',
    ]);
  });

  it('batches rows into one statement with the mode’s conflict clause', () => {
    const pg = insertSql('postgres', 'power_weather_daily', 'pwd', 2, 'upsert');
    expect(pg).toContain('($17, $18,');
    expect(pg).toContain('ON CONFLICT ("date", "location") DO UPDATE SET "demand_mw_peak" = EXCLUDED."demand_mw_peak"');
    expect(insertSql('mysql', 'power_weather_daily', 'pwd', 1, 'upsert')).toContain(
      'ON DUPLICATE KEY UPDATE `demand_mw_peak` = VALUES(`demand_mw_peak`)',
    );
    expect(insertSql('mysql', 'power_weather_daily', 'pwd', 3, 'append')).not.toContain('ON ');
  });

  it('refuses odd table names and unknown URL schemes', () => {
    expect(() => checkIdentifier('x; DROP TABLE y')).toThrow(/invalid SQL table name/);
    expect(dialectOf('postgresql://u@h/db')).toBe('postgres');
    expect(dialectOf('mariadb://u@h/db')).toBe('mysql');
    expect(() => dialectOf('sqlite://x')).toThrow(/postgres:\/\/, mysql:\/\/ or mariadb:\/\//);
  });
});
