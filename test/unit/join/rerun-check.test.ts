import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { joinConfig } from '../../../src/join/join-config.js';
import { LocalJoinStore } from '../../../src/join/join-store.js';
import { rejoinWindowDays } from '../../../src/join/no-input.js';
import { checkRerun, findLateDates } from '../../../src/join/rerun-check.js';
import { runDailyJoin } from '../../../src/join/run-join.js';
import { addDays } from '../../../src/kst.js';
import { hm, kst, power, weather } from '../../fixtures/join/records.js';
import { writeRaw } from '../../fixtures/join/raw-files.js';

const D = '2025-11-22';
const config = joinConfig({ join: 'grid/daily', locations: ['seoul'] });
let dir: string;
let store: LocalJoinStore;
const deps = () => ({ store, clock: () => 0, newRunId: () => 'run-a', gridlakeVersion: 't' });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridlake-rerun-'));
  store = new LocalJoinStore(dir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('checkRerun', () => {
  it('sees a late file for a finished day', async () => {
    await writeRaw(store, 'power', [power(D, '00:00', 60_000)]);
    await writeRaw(store, 'weather', [weather(D, hm(0), 'seoul', 3)]);
    expect(await checkRerun(store, config, D)).toEqual({ kind: 'never-run', inputFiles: 2 });
    await runDailyJoin(deps(), config, D);
    expect(await checkRerun(store, config, D)).toEqual({ kind: 'up-to-date', runId: 'run-a' });
    const [late] = await writeRaw(store, 'power', [
      power(D, '23:55', 61_000, { ingestedAt: kst('2025-11-24', '01:00'), kafkaOffset: 10_000n }),
    ]);
    expect(await checkRerun(store, config, D)).toEqual({
      kind: 'inputs-changed',
      runId: 'run-a',
      added: [late],
      removed: [],
    });
  });
});

describe('findLateDates', () => {
  const input = async (date: string) => {
    await writeRaw(store, 'power', [power(date, '00:00', 60_000)]);
    await writeRaw(store, 'weather', [weather(date, hm(0), 'seoul', 3)]);
  };

  it('reports a date joined without input once raw files for it appear, at any age within rejoinDays', async () => {
    const old = addDays(D, -10);
    const joined = addDays(D, -12);
    await runDailyJoin(deps(), config, old); // no input: writes no manifest
    await input(joined);
    await runDailyJoin(deps(), config, joined);
    await input(old); // the sink catches up later
    await input(addDays(D, -20)); // beyond rejoinDays
    expect(await findLateDates(store, config, D, 3)).toEqual([]);
    expect(await findLateDates(store, config, D, 3, undefined, 15)).toEqual([{ date: old, reason: 'never-joined' }]);
    // Late data for a joined date still counts only within `days`.
    await writeRaw(store, 'power', [power(joined, '12:00', 61_000, { kafkaOffset: 500n })]);
    expect(await findLateDates(store, config, D, 3, undefined, 15)).toEqual([{ date: old, reason: 'never-joined' }]);
    expect(await findLateDates(store, config, D, 12, undefined, 15)).toEqual([
      { date: joined, reason: 'inputs-changed' },
      { date: old, reason: 'never-joined' },
    ]);
  });

  it('reports a failed check through onError and goes on', async () => {
    const old = addDays(D, -5);
    await input(old);
    const failing = Object.assign(Object.create(store) as LocalJoinStore, {
      list: (prefix: string) =>
        prefix.includes('day=20') ? Promise.reject(new Error('listing failed')) : store.list(prefix),
    });
    const errors: string[] = [];
    const found = await findLateDates(failing, config, D, 0, (d) => errors.push(d), 5);
    expect(found).toEqual([{ date: old, reason: 'never-joined' }]);
    expect(errors).toEqual([addDays(D, -2)]);
  });
});

describe('rejoinWindowDays', () => {
  it('is the catch-up window, or lateDataDays when longer', () => {
    expect(rejoinWindowDays({ lateDataDays: 3, catchUp: { policy: 'All', maxDates: 30 } })).toBe(30);
    expect(rejoinWindowDays({ lateDataDays: 31, catchUp: { policy: 'Latest', maxDates: 30 } })).toBe(31);
  });
});
