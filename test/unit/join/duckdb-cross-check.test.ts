import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinConfig } from '../../../src/join/join-config.js';
import { LocalJoinStore } from '../../../src/join/join-store.js';
import { addDays } from '../../../src/kst.js';
import { runDailyJoin } from '../../../src/join/run-join.js';
import type { RunReport } from '../../../src/join/manifest.js';
import { computeReference, duckConnection } from '../../fixtures/join/duckdb-reference.js';
import { writeGenerated } from '../../fixtures/join/generate.js';
import { compareWarehouse } from '../../fixtures/join/warehouse-diff.js';

// Two generated months of messy raw data; DuckDB SQL (written from the
// contract, sharing no code with src/join) computes both tables from the same
// raw files; every row must match to 1e-9 relative.

const START = '2025-06-01';
const DAYS = 61;
const LOCATIONS = ['busan', 'daejeon', 'jeju', 'seoul', 'ulsan'];
const REPORTING = LOCATIONS.slice(0, 4); // ulsan is configured but never reports
const config = joinConfig({ join: 'grid/cross-check', locations: LOCATIONS });

let dir: string;
const reports: RunReport[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridlake-xcheck-'));
  const store = new LocalJoinStore(dir);
  await writeGenerated(store, {
    startDate: START,
    days: DAYS,
    locations: REPORTING,
    seed: 20251122,
    flushRecords: 700,
    mess: 1,
    rowGroupSize: 256,
  });
  let t = 0;
  for (let i = 0; i < DAYS; i++) {
    reports.push(
      await runDailyJoin(
        { store, clock: () => (t += 1), newRunId: () => `r${i}`, gridlakeVersion: 'test' },
        config,
        addDays(START, i),
      ),
    );
  }
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cross-check against DuckDB over two generated months', () => {
  it('runs every day with a real mix of outcomes', () => {
    const outcomes = new Set(reports.map((r) => r.outcome));
    expect(reports.filter((r) => r.outcome === 'failed')).toEqual([]);
    expect(outcomes).toEqual(new Set(['partial'])); // ulsan never reports, so every day is partial
    const totals = reports.reduce(
      (a, r) => ({ dup: a.dup + r.inputs.duplicatesRemoved, rej: a.rej + r.inputs.rejected }),
      { dup: 0, rej: 0 },
    );
    expect(totals.dup).toBeGreaterThan(100);
    expect(totals.rej).toBeGreaterThan(20);
  });

  it('matches DuckDB on every hourly and daily row', async () => {
    const { con, close } = await duckConnection(1);
    try {
      await computeReference(con, dir, LOCATIONS, config.thresholds);
      const types = (
        await con.runAndReadAll(
          `DESCRIBE SELECT hour_start FROM read_parquet('${dir}/warehouse/power_weather_hourly/*/*/*/*.parquet')`,
        )
      ).getRowObjectsJS();
      // our files, read by DuckDB (timestamps must come back as TIMESTAMP WITH TIME ZONE)
      expect(types[0]?.['column_type']).toBe('TIMESTAMP WITH TIME ZONE');
      const { hourly: oursH, daily: oursD, problems } = await compareWarehouse(con, dir);
      expect(oursH).toHaveLength(DAYS * 24 * (LOCATIONS.length + 1));
      expect(oursD).toHaveLength(DAYS * (LOCATIONS.length + 1));
      expect(problems.slice(0, 20)).toEqual([]);
      // the data is not trivially null: correlations and gaps exist
      expect(oursD.filter((r) => r['temp_demand_corr'] !== null).length).toBeGreaterThan(DAYS * 3);
      expect(oursH.filter((r) => r['power_samples'] === 0).length).toBeGreaterThan(0);
    } finally {
      close();
    }
  }, 120_000);
});
