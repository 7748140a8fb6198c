import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadResourcesOrThrow } from '../../../src/api/load.js';
import { embeddedJoins, type EmbeddedJoinConfig } from '../../../src/embedded/embedded-config.js';
import { joinDate, joinLockFile, localJoinDateDeps, type JoinDateDeps } from '../../../src/embedded/join-date.js';
import { createJoinMetrics } from '../../../src/join/join-metrics.js';
import { LocalJoinStore } from '../../../src/join/join-store.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import { writeRaw } from '../../fixtures/join/raw-files.js';
import { hm, power } from '../../fixtures/join/records.js';
import { memoryLogger } from '../../fixtures/memory-logger.js';

// The one way a local runtime joins a date (the embedded scheduler and
// `gridlake backfill`): with a lock file per date in the data folder, so two
// processes on one data folder never join the same date at once.

const D = '2026-11-02';
let dir: string;
let j: EmbeddedJoinConfig;
let log: ReturnType<typeof memoryLogger>;
let deps: JoinDateDeps;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridlake-join-date-'));
  [j] = embeddedJoins({ resources: await loadResourcesOrThrow('examples/embedded'), dataDir: dir, env: {} }) as [
    EmbeddedJoinConfig,
  ];
  await writeRaw(
    new LocalJoinStore(j.lakeDir),
    'power',
    Array.from({ length: 288 }, (_, s) => power(D, hm(Math.floor(s / 12), (s % 12) * 5), 60_000 + s)),
  );
  log = memoryLogger();
  deps = localJoinDateDeps(j, dir, {
    wallClock: Date.now,
    logger: log.logger,
    metrics: createJoinMetrics(createRegistry({ defaultMetrics: false })),
    version: 'test',
  });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const waited = (): number => log.lines.filter((l) => l['msg'] === 'another run is joining this date; waiting').length;

describe('joinDate', () => {
  it('joins the date in the data folder of the DailyJoin and releases its lock', async () => {
    const r = await joinDate(deps, j, D);
    expect(r).toMatchObject({ date: D, outcome: 'partial', join: 'default/power-weather' });
    expect(existsSync(joinLockFile(dir, j.id, D))).toBe(false);
    expect(waited()).toBe(0);
  });

  it('waits while a live process holds the date, then joins', async () => {
    const lock = joinLockFile(dir, j.id, D);
    await mkdir(dirname(lock), { recursive: true });
    // The parent process (vitest's) is alive and is not this one.
    await writeFile(lock, String(process.ppid));
    const began = Date.now();
    setTimeout(() => void rm(lock), 600);
    const r = await joinDate(deps, j, D);
    expect(Date.now() - began).toBeGreaterThanOrEqual(550);
    expect(r.outcome).toBe('partial');
    expect(waited()).toBe(1);
  });

  it('takes over a lock left by a process that is gone', async () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    const lock = joinLockFile(dir, j.id, D);
    await mkdir(dirname(lock), { recursive: true });
    await writeFile(lock, String(gone));
    const began = Date.now();
    expect((await joinDate(deps, j, D)).outcome).toBe('partial');
    expect(Date.now() - began).toBeLessThan(2000);
    expect(waited()).toBe(0);
    expect(existsSync(lock)).toBe(false);
  });

  it('runs one date at a time within a process too, other dates at once', async () => {
    const [a, b, other] = await Promise.all([
      joinDate(deps, j, D),
      joinDate(deps, j, D),
      joinDate(deps, j, '2026-11-03'),
    ]);
    expect([a.outcome, b.outcome, other.outcome]).toEqual(['partial', 'partial', 'no-input']);
    expect(waited()).toBe(1);
  });
});
