import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { registerJoinCommand } from '../../../src/cli/join-command.js';
import { exitCodeOf } from '../../../src/cli/report-error.js';
import { runJoinCommand } from '../../../src/cli/run-join.js';
import { joinCommandConfig } from '../../../src/config.js';
import { LocalJoinStore } from '../../../src/join/join-store.js';
import type { RunReport } from '../../../src/join/manifest.js';
import { createLogger } from '../../../src/observe/log.js';
import { hm, kst, power, weather } from '../../fixtures/join/records.js';
import { writeRaw } from '../../fixtures/join/raw-files.js';

const D = '2025-11-22';
let dir: string;
let out: string;
const sink = (): Writable =>
  new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
const quiet = createLogger({ level: 'silent' });

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridlake-cli-'));
  out = '';
  const store = new LocalJoinStore(dir);
  await writeRaw(
    store,
    'power',
    Array.from({ length: 288 }, (_, s) => power(D, hm(Math.floor(s / 12), (s % 12) * 5), 60_000 + s)),
  );
  await writeRaw(
    store,
    'weather',
    Array.from({ length: 24 }, (_, h) => weather(D, hm(h), 'seoul', h)),
  );
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  process.exitCode = 0;
});

describe('gridlake join', () => {
  it('runs a date from the command line and prints the run report', async () => {
    const program = new Command('gridlake').exitOverride();
    registerJoinCommand(
      program,
      {},
      { stdout: sink(), logger: quiet, clock: () => Date.parse('2025-11-23T00:10:00Z') },
    );
    const metricsFile = join(dir, 'join.prom');
    await program.parseAsync(
      [
        'join',
        '--join',
        'grid/daily',
        '--date',
        D,
        '--lake',
        dir,
        '--locations',
        'seoul',
        '--metrics-textfile',
        metricsFile,
      ],
      { from: 'user' },
    );
    const report = JSON.parse(out) as RunReport;
    expect(report).toMatchObject({
      join: 'grid/daily',
      date: D,
      outcome: 'succeeded',
      rowsOut: { power_weather_hourly: 48, power_weather_daily: 2 },
    });
    expect(report.runId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(process.exitCode).toBe(0);
    expect(await readFile(metricsFile, 'utf8')).toContain(
      'gridlake_join_runs_total{join="grid/daily",outcome="succeeded"} 1',
    );
    const manifest = JSON.parse(
      await readFile(join(dir, 'warehouse/power_weather_daily/year=2025/month=11/day=22/_manifest.json'), 'utf8'),
    ) as { runId: string };
    expect(manifest.runId).toBe(report.runId);
  });

  it('exits 1 on a failed run; a bad option throws to the entry point, which exits 2', async () => {
    const program = new Command('gridlake').exitOverride();
    registerJoinCommand(program, {}, { stdout: sink(), logger: quiet });
    await program.parseAsync(['join', '--join', 'grid/daily', '--date', '2025-13-01', '--lake', dir], { from: 'user' });
    expect(process.exitCode).toBe(1);
    const p2 = new Command('gridlake').exitOverride();
    registerJoinCommand(p2, {}, { stdout: sink(), logger: quiet });
    const err: unknown = await p2
      .parseAsync(['join', '--join', 'not a name', '--date', D, '--lake', dir], { from: 'user' })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toMatchObject({ code: expect.stringMatching(/^GL_(JOIN_)?CONFIG_INVALID$/) });
    expect(exitCodeOf(err)).toBe(2);
  });

  it("exits 1 when the date has no input, unless --allow-no-input (the operator's Job)", async () => {
    const empty = await mkdtemp(join(tmpdir(), 'gridlake-cli-empty-'));
    try {
      for (const [extra, code] of [
        [[], 1],
        [['--allow-no-input'], 0],
      ] as const) {
        out = '';
        const program = new Command('gridlake').exitOverride();
        registerJoinCommand(program, {}, { stdout: sink(), logger: quiet });
        await program.parseAsync(['join', '--join', 'grid/daily', '--date', D, '--lake', empty, ...extra], {
          from: 'user',
        });
        expect((JSON.parse(out) as RunReport).outcome).toBe('no-input');
        expect(process.exitCode).toBe(code);
      }
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('reads by default the lake `npm start` writes (<data-dir>/lake/<bucket> of the example)', () => {
    expect(joinCommandConfig({ join: 'grid/daily', date: D }, {}).lake).toBe('.gridlake/lake/gridlake');
  });

  it('takes the SQL URL only from the environment', () => {
    const flags = { join: 'grid/daily', date: D, lake: dir, sqlMode: 'upsert' };
    expect(() => joinCommandConfig(flags, {})).toThrow(
      expect.objectContaining({
        code: 'GL_CONFIG_INVALID',
        message: expect.stringContaining('$GRIDLAKE_JOIN_SQL_URL'),
      }),
    );
    expect(joinCommandConfig(flags, { GRIDLAKE_JOIN_SQL_URL: 'postgres://x' }).sqlUrl).toBe('postgres://x');
  });

  it('names earlier dates with late data in the run summary (--late-data-days), for the operator to rerun', async () => {
    const store = new LocalJoinStore(dir);
    const base = { join: 'grid/daily', lake: dir, locations: 'seoul', sqlUrlEnv: 'X' };
    const config = (flags: Record<string, unknown>) => joinCommandConfig(flags, {});
    const deps = { stdout: sink(), logger: quiet };
    await runJoinCommand(config({ ...base, date: D }), deps);
    // Late: a reading of D lands after D was joined; D-1 has inputs but was never joined; D-2 has nothing.
    await writeRaw(store, 'power', [
      power(D, '23:55', 61_000, { ingestedAt: kst('2025-11-24', '01:00'), kafkaOffset: 10_000n }),
    ]);
    await writeRaw(store, 'power', [power('2025-11-21', '00:00', 60_000, { kafkaOffset: 20_000n })]);
    const next = '2025-11-23';
    await writeRaw(store, 'power', [power(next, '00:00', 60_000, { kafkaOffset: 30_000n })]);
    const reportFile = join(dir, 'summary.json');
    await runJoinCommand(config({ ...base, date: next, lateDataDays: 3, reportFile }), deps);
    const summary = JSON.parse(await readFile(reportFile, 'utf8')) as { outcome: string; lateData?: unknown };
    expect(summary.lateData).toEqual([
      { date: '2025-11-21', reason: 'NeverJoined' },
      { date: D, reason: 'InputsChanged' },
    ]);
    // Without the option the summary names none.
    await runJoinCommand(config({ ...base, date: next, reportFile }), deps);
    expect(JSON.parse(await readFile(reportFile, 'utf8'))).not.toHaveProperty('lateData');
  });
});
