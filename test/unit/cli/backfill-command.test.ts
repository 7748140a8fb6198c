import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerBackfillCommand, type BackfillCommandDeps } from '../../../src/cli/backfill-command.js';
import {
  backfillExitCode,
  countOutcomes,
  formatSummary,
  type BackfillSummary,
  type DateResult,
} from '../../../src/cli/backfill-summary.js';
import { exitCodeOf } from '../../../src/cli/report-error.js';
import { backfillConfig, MAX_BACKFILL_DATES, packagedExamples } from '../../../src/config.js';
import { LocalJoinStore } from '../../../src/join/join-store.js';
import { manifestKey } from '../../../src/join/manifest.js';
import { hm, power, weather } from '../../fixtures/join/records.js';
import { writeRaw } from '../../fixtures/join/raw-files.js';
import { memoryLogger } from '../../fixtures/memory-logger.js';

const BASE = { join: 'power-weather', from: '2026-11-01', to: '2026-11-03' };

describe('backfill dates and flags (src/config.ts)', () => {
  it('expands --from..--to into KST logical dates, across a month and a leap day', () => {
    expect(backfillConfig(BASE, {}).dates).toEqual(['2026-11-01', '2026-11-02', '2026-11-03']);
    expect(backfillConfig({ ...BASE, from: '2028-02-28', to: '2028-03-01' }, {}).dates).toEqual([
      '2028-02-28',
      '2028-02-29',
      '2028-03-01',
    ]);
    expect(backfillConfig({ ...BASE, to: BASE.from }, {}).dates).toEqual(['2026-11-01']);
  });

  it('defaults to the local runtime on .gridlake with the packaged examples', () => {
    const c = backfillConfig(BASE, {});
    expect(c).toMatchObject({
      mode: 'local',
      dataDir: '.gridlake',
      resources: packagedExamples(),
      joinName: BASE.join,
    });
    expect(c.namespace).toBeUndefined();
  });

  const refused = (flags: Record<string, unknown>): { code: string; message: string; option?: unknown } => {
    try {
      backfillConfig(flags, {});
    } catch (err) {
      const e = err as { code: string; message: string; context: { option?: unknown; options?: unknown } };
      expect(exitCodeOf(err)).toBe(2);
      return { code: e.code, message: e.message, option: e.context.option ?? e.context.options };
    }
    throw new Error(`accepted ${JSON.stringify(flags)}`);
  };

  it.each([
    [{ ...BASE, from: '2026-02-30' }, '--from'],
    [{ ...BASE, to: '2026/11/03' }, '--to'],
    [{ ...BASE, from: '26-11-01' }, '--from'],
  ])('refuses a date that is not a calendar date, naming the flag (%j)', (flags, flag) => {
    const e = refused(flags);
    expect(e.code).toBe('GL_CONFIG_INVALID');
    expect(e.option).toBe(flag);
    expect(e.message).toContain(`${flag}: expected a calendar date YYYY-MM-DD`);
  });

  it('refuses --from after --to', () => {
    expect(refused({ ...BASE, from: '2026-11-04' }).message).toBe('--from 2026-11-04 is after --to 2026-11-03');
  });

  it(`refuses more than ${MAX_BACKFILL_DATES} dates unless --yes`, () => {
    const year = { ...BASE, from: '2025-01-01', to: '2025-12-31' };
    expect(backfillConfig(year, {}).dates).toHaveLength(365);
    const long = { ...BASE, from: '2024-01-01', to: '2025-01-01' };
    expect(refused(long).message).toContain(`367 dates, more than ${MAX_BACKFILL_DATES}`);
    expect(backfillConfig({ ...long, yes: true }, {}).dates).toHaveLength(367);
  });

  it('cluster mode with --kubeconfig; -f, --data-dir and --parallel belong to one mode each', () => {
    const c = backfillConfig({ ...BASE, kubeconfig: '/k', namespace: 'gridlake', parallel: '5' }, {});
    expect(c).toMatchObject({ mode: 'cluster', namespace: 'gridlake', parallel: 5, resources: '' });
    expect(refused({ ...BASE, kubeconfig: '/k', dataDir: '/d' }).message).toContain(
      '-f and --data-dir are for the local',
    );
    expect(refused({ ...BASE, parallel: '2' }).option).toBe('--parallel');
    expect(refused({ ...BASE, kubeconfig: '/k', parallel: '0' }).option).toBe('--parallel');
  });

  it('takes the namespace from --join ns/name, and refuses a second, different one', () => {
    expect(backfillConfig({ ...BASE, join: 'grid/pw' }, {})).toMatchObject({ namespace: 'grid', joinName: 'pw' });
    expect(refused({ ...BASE, join: 'grid/pw', namespace: 'other' }).message).toContain('give one');
    expect(refused({ ...BASE, join: 'a/b/c' }).option).toBe('--join');
  });
});

const result = (date: string, outcome: DateResult['outcome'], extra: Partial<DateResult> = {}): DateResult => ({
  date,
  outcome,
  hourlyRows: outcome === 'succeeded' || outcome === 'partial' ? 24 : 0,
  dailyRows: outcome === 'succeeded' || outcome === 'partial' ? 1 : 0,
  ...extra,
});
const summary = (results: DateResult[], extra: Partial<BackfillSummary> = {}): BackfillSummary => ({
  join: 'default/pw',
  mode: 'local',
  where: '/lake',
  from: '2026-11-01',
  to: '2026-11-04',
  results,
  notRun: [],
  unfinished: [],
  stopped: false,
  durationSeconds: 1.25,
  ...extra,
});

describe('backfill summary and exit code', () => {
  it('exits 0 when every date succeeded or was partial', () => {
    const s = summary([result('2026-11-01', 'succeeded'), result('2026-11-02', 'partial')]);
    expect(backfillExitCode(s, false)).toBe(0);
    expect(formatSummary(s, false)).not.toContain('exit');
  });

  it('exits 1 when a date failed, even with --allow-no-input', () => {
    const s = summary([result('2026-11-01', 'succeeded'), result('2026-11-02', 'failed', { reason: 'disk full' })]);
    expect(backfillExitCode(s, true)).toBe(1);
    expect(formatSummary(s, true)).toMatch(/failed {5}1 {2}2026-11-02 \(disk full\)/);
  });

  it('exits 1 for a date without input unless --allow-no-input', () => {
    const s = summary([result('2026-11-01', 'partial'), result('2026-11-02', 'no-input', { reason: 'no power rows' })]);
    expect(backfillExitCode(s, false)).toBe(1);
    expect(backfillExitCode(s, true)).toBe(0);
    expect(formatSummary(s, false)).toContain('--allow-no-input accepts that');
  });

  it('exits 1 when stopped before every date ran, and names what was not run', () => {
    const s = summary([result('2026-11-01', 'succeeded')], { stopped: true, notRun: ['2026-11-02', '2026-11-03'] });
    expect(backfillExitCode(s, true)).toBe(1);
    const text = formatSummary(s, true);
    expect(text).toContain('1 of 3 dates in 1.3 s, stopped');
    expect(text).toContain('not run    2  2026-11-02 … 2026-11-03');
  });

  it('counts outcomes and sums rows', () => {
    const rs = [result('a', 'succeeded'), result('b', 'partial'), result('c', 'no-input'), result('d', 'failed')];
    expect(countOutcomes(rs)).toEqual({ succeeded: 1, partial: 1, noInput: 1, failed: 1 });
    expect(formatSummary(summary(rs), false)).toContain('rows       48 hourly, 2 daily');
  });
});

describe('gridlake backfill on the local runtime', () => {
  let dir: string;
  let out: string;
  const stdout = (): Writable =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.toString();
        cb();
      },
    });
  const D1 = '2026-11-01';
  const D2 = '2026-11-02';
  const D3 = '2026-11-03';

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gridlake-backfill-'));
    out = '';
    // The example DailyJoin's lake: bucket gridlake in the data folder, where gridlake standalone's sink writes.
    const store = new LocalJoinStore(join(dir, 'lake', 'gridlake'));
    for (const d of [D1, D2])
      await writeRaw(
        store,
        'power',
        Array.from({ length: 288 }, (_, s) => power(d, hm(Math.floor(s / 12), (s % 12) * 5), 60_000 + s)),
      );
    await writeRaw(
      store,
      'weather',
      Array.from({ length: 24 }, (_, h) => weather(D1, hm(h), 'seoul', h)),
    );
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    process.exitCode = 0;
  });

  async function backfill(args: string[], deps: Partial<BackfillCommandDeps> = {}): Promise<void> {
    const program = new Command('gridlake').exitOverride();
    registerBackfillCommand(program, {}, { stdout: stdout(), bar: false, stop: new Promise(() => {}), ...deps });
    await program.parseAsync(['backfill', '--data-dir', dir, ...args], { from: 'user' });
  }

  it('joins every date with the example DailyJoin, one log line a date, and sums up', async () => {
    const log = memoryLogger();
    await backfill(['--join', 'power-weather', '--from', D1, '--to', D3], { logger: log.logger });
    const joined = (d: string): boolean =>
      existsSync(join(dir, 'lake', 'gridlake', manifestKey('warehouse', 'power_weather_daily', d)));
    expect([D1, D2, D3].map(joined)).toEqual([true, true, false]);
    const perDate = log.lines.filter((l) => String(l['msg']).startsWith('backfill date '));
    expect(perDate.map((l) => [l['date'], l['outcome'], l['msg']])).toEqual([
      [D1, 'partial', 'backfill date 1/3'],
      [D2, 'partial', 'backfill date 2/3'],
      [D3, 'no-input', 'backfill date 3/3'],
    ]);
    // The run's own "no input" warning stays at debug level: one line a date.
    expect(log.lines.filter((l) => l['date'] === D3)).toHaveLength(1);
    expect(out).toContain(`backfill default/power-weather ${D1} … ${D3} (local: ${join(dir, 'lake', 'gridlake')})`);
    expect(out).toContain(`partial    2  ${D1}, ${D2}`);
    expect(out).toContain('no input   1  2026-11-03 (no power, weather rows)');
    // A date without input fails the command, as `gridlake join` does.
    expect(process.exitCode).toBe(1);
    // No lock is left behind.
    expect(existsSync(join(dir, 'state', 'joins', `default_power-weather.${D1}.lock`))).toBe(false);
  });

  it('exits 0 with --allow-no-input and prints JSON with -o json', async () => {
    await backfill(['--join', 'default/power-weather', '--from', D1, '--to', D3, '--allow-no-input', '-o', 'json'], {
      logger: memoryLogger().logger,
    });
    const s = JSON.parse(out) as BackfillSummary;
    expect(s).toMatchObject({ join: 'default/power-weather', mode: 'local', notRun: [], stopped: false });
    expect(s.results.map((r) => r.outcome)).toEqual(['partial', 'partial', 'no-input']);
    expect(s.results[0]!.hourlyRows).toBeGreaterThan(0);
    expect(process.exitCode).toBe(0);
  });

  it('Ctrl-C stops after the current date and still sums up', async () => {
    const log = memoryLogger();
    let stop: () => void = () => {};
    // Stopped as soon as the first date is being joined: that date finishes, the next ones do not start.
    const stopped = new Promise<void>((r) => (stop = r));
    const logger = log.logger;
    const watching = setInterval(() => {
      if (existsSync(join(dir, 'state', 'joins'))) stop();
    }, 1);
    try {
      await backfill(['--join', 'power-weather', '--from', D1, '--to', D3, '-o', 'json'], { logger, stop: stopped });
    } finally {
      clearInterval(watching);
    }
    const s = JSON.parse(out) as BackfillSummary;
    expect(s.stopped).toBe(true);
    expect(s.results.length + s.notRun.length).toBe(3);
    expect(s.results.length).toBeGreaterThanOrEqual(1);
    expect(s.notRun.length).toBeGreaterThanOrEqual(1);
    expect(process.exitCode).toBe(1);
  });

  it('draws a progress bar on a terminal instead of log lines', async () => {
    let drawn = '';
    const stderr = new Writable({
      write(chunk: Buffer, _enc, cb) {
        drawn += chunk.toString();
        cb();
      },
    });
    const log = memoryLogger();
    await backfill(['--join', 'power-weather', '--from', D1, '--to', D2], { logger: log.logger, bar: true, stderr });
    expect(drawn).toContain('default/power-weather [');
    expect(drawn).toContain('2/2 dates');
    expect(log.lines.filter((l) => String(l['msg']).startsWith('backfill date '))).toEqual([]);
    expect(process.exitCode).toBe(0);
  });

  it('refuses a DailyJoin the resources do not have, naming those they have', async () => {
    const err = await backfill(['--join', 'nope', '--from', D1, '--to', D1]).catch((e: unknown) => e);
    expect(exitCodeOf(err)).toBe(2);
    expect((err as Error).message).toContain('no DailyJoin nope in');
    expect((err as Error).message).toContain('(there: default/power-weather)');
    expect(out).toBe('');
  });
});
