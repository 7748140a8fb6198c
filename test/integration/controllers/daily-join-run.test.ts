import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import { DAILY_JOINS, DAILY_JOIN_RUNS, JOBS } from '../../../controllers/resources.js';
import { GC_TIMEOUT_MS, IMAGE, cond, create, currentStatus, get, remove, setup, type Env } from './helpers.js';
import { dailyJoin, finishRun } from './runs.js';

/**
 * DailyJoinRun → Job against the real API server and Job controller. The test
 * plays the kubelet by patching the Job's pod to Succeeded/Failed with the
 * join container's termination message (the run report).
 */
let env: Env;

beforeAll(async () => {
  env = await setup('ctl-run');
  env.start(['DailyJoinRun']);
  // Suspended: only runs created by hand exist (the DailyJoin controller is not even running here).
  await create(
    env.client,
    DAILY_JOINS,
    env.ns,
    dailyJoin('pw', { suspend: true, backoffLimit: 1, runTimeoutSeconds: 600 }),
  );
});
afterAll(async () => {
  await env?.teardown();
});

const run = (date: string) => ({
  apiVersion: 'gridlake.io/v1alpha1',
  kind: 'DailyJoinRun',
  metadata: { name: `pw-${date.replaceAll('-', '')}` },
  spec: { joinRef: { name: 'pw' }, date, trigger: 'Manual' },
});

describe('DailyJoinRun', () => {
  it('runs a Job for its date and copies state and the run report into status', async () => {
    const { client, ns } = env;
    await create(client, DAILY_JOIN_RUNS, ns, run('2026-03-01'));
    const job = await eventually("get(client, JOBS, ns, 'pw-20260301')", () => get(client, JOBS, ns, 'pw-20260301'), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const spec = job['spec'] as {
      backoffLimit: number;
      activeDeadlineSeconds: number;
      template: { spec: { containers: { image: string; args: string[] }[] } };
    };
    expect(spec.backoffLimit).toBe(1);
    expect(spec.activeDeadlineSeconds).toBe(600);
    expect(spec.template.spec.containers[0]!.image).toBe(IMAGE);
    expect(spec.template.spec.containers[0]!.args).toEqual(
      expect.arrayContaining(['join', '--join', `${ns}/pw`, '--date', '2026-03-01']),
    );
    expect(job.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'DailyJoinRun',
      name: 'pw-20260301',
      controller: true,
    });

    await eventually(
      "(get(client, DAILY_JOIN_RUNS, ns, 'pw-20260301'))?.['status'] !== undefined",
      async () => (await get(client, DAILY_JOIN_RUNS, ns, 'pw-20260301'))?.['status'] !== undefined,
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    await finishRun(client, ns, 'pw-20260301', true);
    const done = await eventually(
      "(r?.['status'] as { state?: string } | undefined)?.state === 'Succeeded' && r",
      async () => {
        const r = await get(client, DAILY_JOIN_RUNS, ns, 'pw-20260301');
        return (r?.['status'] as { state?: string } | undefined)?.state === 'Succeeded' && r;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(currentStatus(done)).toBe(true);
    expect(done['status']).toMatchObject({
      state: 'Succeeded',
      outcome: 'Partial',
      jobName: 'pw-20260301',
      attempts: 1,
      rows: { hourlyOut: 24, dailyOut: 1, powerIn: 290 },
      quality: { level: 'partial', weatherCoverage: 0.875 },
    });
    expect(cond(done, 'Succeeded')).toMatchObject({ status: 'True', reason: 'JobSucceeded', observedGeneration: 1 });
    expect((done['status'] as { durationSeconds?: number }).durationSeconds).toBeGreaterThanOrEqual(0);

    await remove(client, DAILY_JOIN_RUNS, ns, 'pw-20260301');
    await eventually(
      "(get(client, JOBS, ns, 'pw-20260301')) === undefined",
      async () => (await get(client, JOBS, ns, 'pw-20260301')) === undefined,
      { timeoutMs: GC_TIMEOUT_MS, intervalMs: 500 },
    );
  }, 180_000);

  it('reports a failed Job as a failed run with the reason', async () => {
    const { client, ns } = env;
    // backoffLimit 0: the first failed pod fails the Job.
    await create(client, DAILY_JOINS, ns, dailyJoin('pf', { suspend: true, backoffLimit: 0 }));
    await create(client, DAILY_JOIN_RUNS, ns, {
      ...run('2026-03-02'),
      metadata: { name: 'pf-20260302' },
      spec: { joinRef: { name: 'pf' }, date: '2026-03-02', trigger: 'Manual' },
    });
    const job = await eventually("get(client, JOBS, ns, 'pf-20260302')", () => get(client, JOBS, ns, 'pf-20260302'), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    expect((job['spec'] as { backoffLimit: number }).backoffLimit).toBe(0);
    await finishRun(client, ns, 'pf-20260302', false, { outcome: 'failed', reason: 'lake unreachable' });
    const failed = await eventually(
      "(r?.['status'] as { state?: string } | undefined)?.state === 'Failed' && r",
      async () => {
        const r = await get(client, DAILY_JOIN_RUNS, ns, 'pf-20260302');
        return (r?.['status'] as { state?: string } | undefined)?.state === 'Failed' && r;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(failed['status']).toMatchObject({
      state: 'Failed',
      outcome: 'Failed',
      message: 'lake unreachable',
      attempts: 1,
    });
    expect(cond(failed, 'Succeeded')).toMatchObject({ status: 'False', reason: 'JobFailed' });
    expect(cond(failed, 'Running')).toMatchObject({ status: 'False' });
  }, 120_000);

  it('counts each finished run once in the join run metrics, as nobody scrapes the Job', async () => {
    const { client, ns, registry } = env;
    // The two runs above finished; more reconciles of them (a resync, a pod event) must not count them again.
    await create(client, DAILY_JOIN_RUNS, ns, run('2026-03-03'));
    await eventually("get(client, JOBS, ns, 'pw-20260303')", () => get(client, JOBS, ns, 'pw-20260303'), {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    await finishRun(client, ns, 'pw-20260303', true);
    /** One series as Prometheus scrapes it, e.g. `gridlake_join_runs_total{join="…",outcome="partial"}`. */
    const value = async (series: string, labels: Record<string, string>): Promise<number | undefined> => {
      const line = (await registry.metrics())
        .split('\n')
        .find((l) => l.startsWith(`${series}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    };
    await eventually(
      'the third run counted',
      async () => (await value('gridlake_join_runs_total', { join: `${ns}/pw`, outcome: 'partial' })) === 2,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(await value('gridlake_join_runs_total', { join: `${ns}/pf`, outcome: 'failed' })).toBe(1);
    expect(await value('gridlake_join_run_duration_seconds_count', { join: `${ns}/pw` })).toBe(2);
    // A status write that does not change the outcome (the run's conditions age) counts nothing.
    await new Promise((r) => setTimeout(r, 2000));
    expect(await value('gridlake_join_runs_total', { join: `${ns}/pw`, outcome: 'partial' })).toBe(2);
  }, 120_000);
});
