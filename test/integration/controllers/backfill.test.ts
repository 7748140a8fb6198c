import { Writable } from 'node:stream';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import { DAILY_JOIN_RUNS, DAILY_JOINS } from '../../../controllers/resources.js';
import { JOIN_LABEL } from '../../../controllers/daily-join-plan.js';
import { registerBackfillCommand } from '../../../src/cli/backfill-command.js';
import type { BackfillSummary } from '../../../src/cli/backfill-summary.js';
import { exitCodeOf } from '../../../src/cli/report-error.js';
import { memoryLogger } from '../../fixtures/memory-logger.js';
import { create, get, setup, type Env } from './helpers.js';
import { dailyJoin, finishRun } from './runs.js';

/**
 * `gridlake backfill --kubeconfig` against the test API server, with the
 * DailyJoinRun controller and the real Job controller running; the test plays
 * the kubelet (finishRun) so each run's Job ends and the controller writes
 * the run's status, which the command follows to the end.
 */
let env: Env;

beforeAll(async () => {
  env = await setup('ctl-backfill');
  env.start(['DailyJoinRun']);
  // Suspended, and its controller not running: only the runs the backfill (or the test) makes exist.
  await create(env.client, DAILY_JOINS, env.ns, dailyJoin('pw', { suspend: true, backoffLimit: 0 }));
}, 120_000);
afterAll(async () => {
  await env?.teardown();
});
afterEach(() => {
  process.exitCode = 0;
});

function backfill(args: string[]): { done: Promise<unknown>; out: () => string } {
  let out = '';
  const stdout = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  const program = new Command('gridlake').exitOverride();
  registerBackfillCommand(
    program,
    {},
    { stdout, bar: false, logger: memoryLogger().logger, stop: new Promise(() => {}), pollMs: 100 },
  );
  const done = program.parseAsync(['backfill', '--kubeconfig', env.k.kubeconfig, '-n', env.ns, '-o', 'json', ...args], {
    from: 'user',
  });
  return { done, out: () => out };
}

const run = (name: string) => get(env.client, DAILY_JOIN_RUNS, env.ns, name);

describe('gridlake backfill on a cluster', () => {
  it('creates a DailyJoinRun per date, leaves an existing one alone, and follows them to the end', async () => {
    const { client, ns } = env;
    // A run a person made before: the backfill must neither replace nor recreate it.
    const existing = await create(client, DAILY_JOIN_RUNS, ns, {
      apiVersion: 'gridlake.io/v1alpha1',
      kind: 'DailyJoinRun',
      metadata: { name: 'pw-20260302' },
      spec: { joinRef: { name: 'pw' }, date: '2026-03-02', trigger: 'Manual' },
    });

    const b = backfill(['--join', 'pw', '--from', '2026-03-01', '--to', '2026-03-03', '--parallel', '2']);
    const first = await eventually("run('pw-20260301')", () => run('pw-20260301'), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    expect(first['spec']).toEqual({ joinRef: { name: 'pw' }, date: '2026-03-01', trigger: 'Manual' });
    expect(first.metadata.labels?.[JOIN_LABEL]).toBe('pw');
    // Like a person's run: not owned by the DailyJoin, so its history limits leave it alone.
    expect(first.metadata.ownerReferences ?? []).toEqual([]);
    // Two unfinished at once (--parallel 2, the existing run counts): the third date waits.
    await new Promise((r) => setTimeout(r, 500));
    expect(await run('pw-20260303')).toBeUndefined();

    await finishRun(client, ns, 'pw-20260301', true);
    const third = await eventually("run('pw-20260303')", () => run('pw-20260303'), {
      timeoutMs: 60_000,
      intervalMs: 100,
    });
    expect(third['spec']).toEqual({ joinRef: { name: 'pw' }, date: '2026-03-03', trigger: 'Manual' });
    await finishRun(client, ns, 'pw-20260302', true);
    await finishRun(client, ns, 'pw-20260303', false, { outcome: 'failed', reason: 'lake unreachable' });

    await b.done;
    const summary = JSON.parse(b.out()) as BackfillSummary;
    expect(summary).toMatchObject({
      join: `${ns}/pw`,
      mode: 'cluster',
      from: '2026-03-01',
      to: '2026-03-03',
      notRun: [],
      unfinished: [],
      stopped: false,
    });
    expect(summary.results).toEqual([
      { date: '2026-03-01', outcome: 'partial', hourlyRows: 24, dailyRows: 1 },
      { date: '2026-03-02', outcome: 'partial', hourlyRows: 24, dailyRows: 1, existing: true },
      { date: '2026-03-03', outcome: 'failed', hourlyRows: 0, dailyRows: 0, reason: 'lake unreachable' },
    ]);
    // A failed date fails the command.
    expect(process.exitCode).toBe(1);
    const after = await run('pw-20260302');
    expect(after?.metadata.uid).toBe(existing.metadata.uid);
  }, 240_000);

  it('counts a finished existing run at once, and exits 0 when every date succeeded or was partial', async () => {
    // pw-20260301 and pw-20260302 finished in the test above: nothing to create, nothing to wait for.
    const b = backfill(['--join', `${env.ns}/pw`, '--from', '2026-03-01', '--to', '2026-03-02']);
    await b.done;
    const summary = JSON.parse(b.out()) as BackfillSummary;
    expect(summary.results.map((r) => [r.date, r.outcome, r.existing])).toEqual([
      ['2026-03-01', 'partial', true],
      ['2026-03-02', 'partial', true],
    ]);
    expect(process.exitCode).toBe(0);
  }, 60_000);

  it('refuses a DailyJoin the namespace does not have, as a usage error', async () => {
    const err = await backfill(['--join', 'nope', '--from', '2026-03-01', '--to', '2026-03-01']).done.catch(
      (e: unknown) => e,
    );
    expect(exitCodeOf(err)).toBe(2);
    expect((err as Error).message).toContain(`no DailyJoin ${env.ns}/nope on the cluster`);
  }, 60_000);
});
