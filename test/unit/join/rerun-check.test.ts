import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { joinConfig } from '../../../src/join/join-config.js';
import { LocalJoinStore } from '../../../src/join/join-store.js';
import { checkRerun } from '../../../src/join/rerun-check.js';
import { runDailyJoin } from '../../../src/join/run-join.js';
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
