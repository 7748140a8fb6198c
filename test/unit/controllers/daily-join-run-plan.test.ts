import { describe, expect, it } from 'vitest';
import { jobState, planRun, runFinished, type RunObserved } from '../../../controllers/daily-join-run-plan.js';
import { RUN_LABEL } from '../../../controllers/resources.js';
import { parseRunReport, reportFromPods, RUN_CONTAINER } from '../../../src/api/run-report.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { NS, OPTS, at, bodyOf, condOf, resource } from './fixtures.js';

const NOW = at('2026-03-10T03:00:00Z');

const join = (spec: Record<string, unknown> = {}) =>
  resource('DailyJoin', 'pw', {
    inputs: { power: { name: 'kpx' }, weather: [{ name: 'kma' }] },
    lake: { bucket: 'gridlake' },
    backoffLimit: 3,
    runTimeoutSeconds: 900,
    ...spec,
  });

const run = (generation = 1) =>
  resource(
    'DailyJoinRun',
    'pw-20260309',
    { joinRef: { name: 'pw' }, date: '2026-03-09', trigger: 'Schedule' },
    { uid: 'run-uid', generation },
  );

function job(status: Record<string, unknown>, ownerUid = 'run-uid'): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: 'pw-20260309',
      namespace: NS,
      ownerReferences: [
        {
          apiVersion: 'gridlake.io/v1alpha1',
          kind: 'DailyJoinRun',
          name: 'pw-20260309',
          uid: ownerUid,
          controller: true,
        },
      ],
    },
    status,
  };
}

function pod(message: string, finishedAt = '2026-03-10T02:10:00Z'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p-${finishedAt}`, namespace: NS, labels: { [RUN_LABEL]: 'pw-20260309' } },
    status: { containerStatuses: [{ name: RUN_CONTAINER, state: { terminated: { message, finishedAt } } }] },
  };
}

const SUMMARY = {
  outcome: 'partial',
  durationSeconds: 40,
  rows: { powerIn: 290, weatherIn: 24, duplicatesRemoved: 2, rejected: 0, hourlyOut: 24, dailyOut: 1 },
  quality: { powerCoverage: 0.99, weatherCoverage: 0.875, level: 'partial' },
};

const obs = (extra: Partial<RunObserved> = {}): RunObserved => ({
  run: run(),
  join: join(),
  job: undefined,
  pods: [],
  ...extra,
});

type JobBody = KubeObject & {
  spec: {
    backoffLimit: number;
    activeDeadlineSeconds: number;
    template: { spec: { restartPolicy: string; containers: { args: string[]; env: unknown[] }[] } };
  };
};

describe('planRun', () => {
  it('creates one Job named after the run, owned by it, with the join limits and the date', () => {
    const plan = planRun(obs(), OPTS, NOW);
    expect(plan.actions).toHaveLength(1);
    const a = plan.actions[0]!;
    expect([a.op, a.ref.resource.kind, a.ref.name, a.ref.namespace]).toEqual(['create', 'Job', 'pw-20260309', NS]);
    const body = bodyOf<JobBody>(a);
    expect(body.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'DailyJoinRun', name: 'pw-20260309', uid: 'run-uid', controller: true }),
    ]);
    expect(body.spec.backoffLimit).toBe(3);
    expect(body.spec.activeDeadlineSeconds).toBe(900);
    expect(body.spec.template.spec.restartPolicy).toBe('Never');
    expect(body.spec.template.spec.containers[0]!.args).toEqual(
      expect.arrayContaining(['join', '--join', `${NS}/pw`, '--date', '2026-03-09', '--late-data-days', '3']),
    );
    expect(plan.status).toMatchObject({ state: 'Pending', jobName: 'pw-20260309', observedGeneration: 1 });
    expect(condOf(plan.status, 'Succeeded')).toMatchObject({ status: 'Unknown', reason: 'JobPending' });
  });

  it('passes the SQL export and its connection Secret when the join has one', () => {
    const sql = { engine: 'postgres', connectionSecretRef: { name: 'pg', key: 'url' }, mode: 'upsert' };
    const body = bodyOf<JobBody>(planRun(obs({ join: join({ outputs: { sql } }) }), OPTS, NOW).actions[0]);
    const c = body.spec.template.spec.containers[0]!;
    expect(c.args).toEqual(
      expect.arrayContaining(['--sql-mode', 'upsert', '--sql-hourly-table', 'power_weather_hourly']),
    );
    expect(c.env).toContainEqual({
      name: 'GRIDLAKE_JOIN_SQL_URL',
      valueFrom: { secretKeyRef: { name: 'pg', key: 'url' } },
    });
  });

  it('waits without a Job while its DailyJoin does not exist', () => {
    const plan = planRun(obs({ join: undefined }), OPTS, NOW);
    expect(plan.actions).toEqual([]);
    expect(condOf(plan.status, 'Succeeded')).toMatchObject({ status: 'Unknown', reason: 'JoinNotFound' });
    expect(plan.status['jobName']).toBeUndefined();
  });

  it('never creates a second Job once one exists (the name is the run name)', () => {
    const plan = planRun(obs({ job: job({ active: 1, startTime: '2026-03-10T02:00:00Z' }) }), OPTS, NOW);
    expect(plan.actions).toEqual([]);
    expect(plan.status).toMatchObject({ state: 'Running', attempts: 1, startTime: '2026-03-10T02:00:00Z' });
    expect(condOf(plan.status, 'Running')).toMatchObject({ status: 'True', reason: 'JobRunning' });
  });

  it('copies a completed Job and the run report into status', () => {
    const done = job({
      succeeded: 1,
      failed: 1,
      startTime: '2026-03-10T02:00:00Z',
      completionTime: '2026-03-10T02:10:30Z',
      conditions: [{ type: 'Complete', status: 'True' }],
    });
    const plan = planRun(obs({ job: done, pods: [pod(JSON.stringify(SUMMARY))] }), OPTS, NOW);
    expect(plan.status).toMatchObject({
      state: 'Succeeded',
      outcome: 'Partial',
      attempts: 2,
      durationSeconds: 630,
      completionTime: '2026-03-10T02:10:30Z',
      rows: SUMMARY.rows,
      quality: SUMMARY.quality,
    });
    expect(condOf(plan.status, 'Succeeded')).toMatchObject({ status: 'True', reason: 'JobSucceeded' });
    expect(runFinished({ ...run(), status: plan.status })).toBe(true);
  });

  it('shows a run that found no rows as the NoInput condition, naming the empty inputs', () => {
    const complete = job({ succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] });
    const empty = {
      outcome: 'no-input',
      rows: { ...SUMMARY.rows, powerIn: 0, weatherIn: 0, hourlyOut: 0, dailyOut: 0 },
    };
    const plan = planRun(obs({ job: complete, pods: [pod(JSON.stringify(empty))] }), OPTS, NOW);
    expect(plan.status['outcome']).toBe('NoInput');
    expect(condOf(plan.status, 'NoInput')).toMatchObject({
      status: 'True',
      reason: 'InputsEmpty',
      message:
        'No rows from power (PowerSource kpx) and weather (WeatherSource kma) for 2026-03-09; the date is joined again when raw files for it appear.',
    });
    const joined = planRun(obs({ job: complete, pods: [pod(JSON.stringify(SUMMARY))] }), OPTS, NOW);
    expect(condOf(joined.status, 'NoInput')).toMatchObject({ status: 'False', reason: 'InputsFound' });
  });

  it('asks the join to look back over the catch-up window for dates joined without input', () => {
    const args = (spec: Record<string, unknown>) =>
      bodyOf<JobBody>(planRun(obs({ join: join(spec) }), OPTS, NOW).actions[0]!).spec.template.spec.containers[0]!.args;
    expect(args({})).toEqual(expect.arrayContaining(['--late-data-days', '3', '--rejoin-days', '30']));
    expect(args({ lateDataDays: 31 })).not.toContain('--rejoin-days');
  });

  it('reports a failed Job with the report reason, else the Job condition message', () => {
    const failed = job({
      failed: 4,
      startTime: '2026-03-10T02:00:00Z',
      conditions: [
        {
          type: 'Failed',
          status: 'True',
          message: 'Job has reached the specified backoff limit',
          lastTransitionTime: '2026-03-10T02:20:00Z',
        },
      ],
    });
    const withReport = planRun(
      obs({ job: failed, pods: [pod(JSON.stringify({ outcome: 'failed', reason: 'lake unreachable' }))] }),
      OPTS,
      NOW,
    );
    expect(withReport.status).toMatchObject({
      state: 'Failed',
      outcome: 'Failed',
      message: 'lake unreachable',
      completionTime: '2026-03-10T02:20:00Z',
    });
    const bare = planRun(obs({ job: failed, pods: [pod('panic: out of memory\n  at …')] }), OPTS, NOW);
    expect(bare.status['message']).toBe('Job has reached the specified backoff limit');
    expect(condOf(bare.status, 'Succeeded')).toMatchObject({ status: 'False', reason: 'JobFailed' });
  });

  it('does not adopt a Job left by an earlier run of the same name (deleted to rerun)', () => {
    const old = job({ succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] }, 'older-run-uid');
    const plan = planRun(obs({ job: old }), OPTS, NOW);
    expect(plan.actions).toEqual([]);
    expect(plan.status['state']).toBe('Pending');
    expect(condOf(plan.status, 'Succeeded')).toMatchObject({ status: 'Unknown', reason: 'JobOwnedElsewhere' });
  });

  it('stamps every condition with the run generation', () => {
    const plan = planRun(obs({ run: run(3) }), OPTS, NOW);
    expect(plan.status['observedGeneration']).toBe(3);
    expect((plan.status['conditions'] as { observedGeneration: number }[]).map((c) => c.observedGeneration)).toEqual([
      3, 3,
    ]);
  });
});

describe('jobState', () => {
  it.each([
    [undefined, 'Pending'],
    [{ active: 0 }, 'Pending'],
    [{ active: 1 }, 'Running'],
    [{ active: 1, conditions: [{ type: 'Complete', status: 'True' }] }, 'Succeeded'],
    [{ conditions: [{ type: 'Failed', status: 'True' }] }, 'Failed'],
    [{ conditions: [{ type: 'Failed', status: 'False' }], active: 1 }, 'Running'],
  ] as const)('%j is %s', (status, state) => {
    expect(jobState(status === undefined ? undefined : job(status as Record<string, unknown>))).toBe(state);
  });
});

describe('run report', () => {
  it('reads a summary, a full RunReport, and nothing from log text', () => {
    expect(parseRunReport(JSON.stringify(SUMMARY))).toMatchObject({ outcome: 'partial', rows: SUMMARY.rows });
    expect(parseRunReport('Error: boom')).toBeNull();
    expect(parseRunReport(JSON.stringify({ outcome: 'exploded' }))).toBeNull();
    expect(parseRunReport(undefined)).toBeNull();
  });

  it('copies the late dates a run found, keeping only well-formed entries (the status schema refuses the rest)', () => {
    const lateData = [
      { date: '2026-03-07', reason: 'InputsChanged' },
      { date: 'yesterday', reason: 'InputsChanged' },
      { date: '2026-03-06', reason: 'Exploded' },
      { date: '2026-03-08', reason: 'NeverJoined' },
    ];
    expect(parseRunReport(JSON.stringify({ ...SUMMARY, lateData }))?.lateData).toEqual([lateData[0], lateData[3]]);
    expect(parseRunReport(JSON.stringify({ ...SUMMARY, lateData: 'no' }))).not.toHaveProperty('lateData');
    const done = job({
      succeeded: 1,
      completionTime: '2026-03-10T02:10:30Z',
      conditions: [{ type: 'Complete', status: 'True' }],
    });
    const plan = planRun(obs({ job: done, pods: [pod(JSON.stringify({ ...SUMMARY, lateData }))] }), OPTS, NOW);
    expect(plan.status['lateData']).toEqual([lateData[0], lateData[3]]);
  });

  it('takes the newest report among the retries of a run', () => {
    const older = pod(JSON.stringify({ outcome: 'failed', reason: 'first try' }), '2026-03-10T02:01:00Z');
    const newer = pod(JSON.stringify(SUMMARY), '2026-03-10T02:09:00Z');
    expect(reportFromPods([newer, older])?.outcome).toBe('partial');
    expect(reportFromPods([older, newer])?.outcome).toBe('partial');
  });
});
