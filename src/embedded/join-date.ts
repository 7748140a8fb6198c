import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ulid } from 'ulid';
import type { JoinMetrics } from '../join/join-metrics.js';
import type { JoinStore } from '../join/join-store.js';
import type { RunReport } from '../join/manifest.js';
import { joinStoreFromObjectStore } from '../join/object-store-join-store.js';
import { runDailyJoin, type SqlExportStep } from '../join/run-join.js';
import { sqlExportStep } from '../join/sql-export.js';
import { LocalFolderStore } from '../lake/local-folder-store.js';
import type { Logger } from '../observe/log.js';
import type { EmbeddedJoinConfig } from './embedded-config.js';

/**
 * One date of one DailyJoin on the local runtime, the same in the embedded
 * scheduler and in `gridlake backfill`: the lake folder and SQL export taken
 * from the resource, `runDailyJoin` retried `backoffLimit` times, and a lock
 * file per date so two processes on one data folder never join the same date
 * at once (the second waits for the first).
 */

/** What joining a date needs besides the join itself. */
export interface JoinDateDeps {
  readonly store: JoinStore;
  /** wall time for run reports and durations */
  readonly wallClock: () => number;
  readonly logger: Logger;
  readonly metrics: JoinMetrics;
  readonly exportSql?: SqlExportStep;
  readonly version: string;
  /** the date's lock file; without it, no lock is taken (tests of one process) */
  readonly lockFile?: (date: string) => string;
}

/** How one call of `joinDate` behaves. */
export interface JoinDateOptions {
  /** the logger of the run itself (quieter during a catch-up or under a progress bar) */
  readonly runLogger?: Logger;
  /** no retry once aborted (the running attempt always finishes) */
  readonly signal?: AbortSignal;
  /** pause before attempt n+1, ms (default 1 s × n) */
  readonly retryDelayMs?: (attempt: number) => number;
  /** told the number of each attempt as it starts (the scheduler records how many a date took) */
  readonly onAttempt?: (attempt: number) => void;
}

const safe = (id: string): string => id.replace(/[^A-Za-z0-9._-]/g, '_');

/** `<data-dir>/state/joins/<join>.json`: the scheduler's state (last firing, dates without input). */
export function joinStateFile(dataDir: string, joinId: string): string {
  return join(dataDir, 'state', 'joins', `${safe(joinId)}.json`);
}

/** `<data-dir>/state/joins/<join>.<date>.lock`: held while a process joins that date. */
export function joinLockFile(dataDir: string, joinId: string, date: string): string {
  return join(dataDir, 'state', 'joins', `${safe(joinId)}.${date}.lock`);
}

/** The store, SQL step and lock of a DailyJoin in the data folder `dataDir`. */
export function localJoinDateDeps(
  j: EmbeddedJoinConfig,
  dataDir: string,
  o: Pick<JoinDateDeps, 'wallClock' | 'logger' | 'metrics' | 'version'>,
): JoinDateDeps {
  return {
    ...o,
    store: joinStoreFromObjectStore(new LocalFolderStore(j.lakeDir)),
    ...(j.sql === null ? {} : { exportSql: sqlExportStep(j.sql) }),
    lockFile: (date) => joinLockFile(dataDir, j.id, date),
  };
}

/** Joins `date`, retrying a failed run up to the DailyJoin's `backoffLimit`; returns the last run's report. */
export async function joinDate(
  deps: JoinDateDeps,
  j: EmbeddedJoinConfig,
  date: string,
  o: JoinDateOptions = {},
): Promise<RunReport> {
  const release = deps.lockFile === undefined ? null : await lockDate(deps.lockFile(date), deps.logger, j.id, date);
  try {
    const attempts = 1 + j.resource.spec.backoffLimit;
    let report: RunReport | null = null;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      o.onAttempt?.(attempt);
      report = await runDailyJoin(
        {
          store: deps.store,
          clock: deps.wallClock,
          newRunId: () => ulid(deps.wallClock()),
          gridlakeVersion: deps.version,
          logger: o.runLogger ?? deps.logger,
          metrics: deps.metrics,
          ...(deps.exportSql === undefined ? {} : { exportSql: deps.exportSql }),
        },
        j.config,
        date,
      );
      if (report.outcome !== 'failed' || o.signal?.aborted === true) break;
      if (attempt < attempts) {
        deps.logger.warn({ join: j.id, date, attempt, reason: report.reason }, 'join run failed; retrying');
        await new Promise((r) => setTimeout(r, o.retryDelayMs?.(attempt) ?? 1000 * attempt));
      }
    }
    return report!;
  } finally {
    release?.();
  }
}

/** This process's turn on each lock file: its own runs queue here, so the file only settles between processes. */
const queued = new Map<string, Promise<void>>();
const LOCK_POLL_MS = 250;
const WAITING = 'another run is joining this date; waiting';

/**
 * Takes the date's lock file (created exclusively, holding the pid), waiting
 * while another live process holds it. A file whose process is gone (a
 * crash) is taken over. Returns the release.
 */
async function lockDate(file: string, logger: Logger, join: string, date: string): Promise<() => void> {
  const before = queued.get(file);
  let done!: () => void;
  const turn = (before ?? Promise.resolve()).then(() => new Promise<void>((r) => (done = r)));
  queued.set(file, turn);
  const leave = (): void => {
    done();
    if (queued.get(file) === turn) queued.delete(file);
  };
  if (before !== undefined) {
    logger.info({ join, date, pid: process.pid }, WAITING);
    await before;
  }
  try {
    await takeFile(file, () => logger.info({ join, date, lock: file }, WAITING));
  } catch (err) {
    leave();
    throw err;
  }
  return () => {
    try {
      unlinkSync(file);
    } catch {
      // already gone: nothing to release
    }
    leave();
  };
}

async function takeFile(file: string, onWait: () => void): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  // Created with its content in one step (a hard link of a written file), so no reader sees it empty.
  const mine = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await writeFile(mine, String(process.pid));
  let told = false;
  try {
    for (;;) {
      try {
        await link(mine, file);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const holder = lockHolder(file);
      // Our own pid in the file: left by an earlier process that had it (this one's runs queue above).
      if (holder !== null && holder !== process.pid && alive(holder)) {
        if (!told) onWait();
        told = true;
        await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
        continue;
      }
      // The holder is gone: take the lock over (a racing taker loses on the exclusive link).
      try {
        unlinkSync(file);
      } catch {
        // removed by the other taker meanwhile
      }
    }
  } finally {
    await unlink(mine).catch(() => undefined);
  }
}

function lockHolder(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
