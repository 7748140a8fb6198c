import type { DailyJoinRunSpec, DailyJoinRunStatus, RunState } from '../src/api/daily-join-run.js';
import type { DailyJoinSpec } from '../src/api/daily-join.js';
import type { Condition, ConditionInput } from '../src/k8s/conditions.js';
import type { KubeObject } from '../src/k8s/object-cache.js';
import { controllerReference, isControlledBy } from '../src/k8s/ownership.js';
import type { Action } from './apply.js';
import { COND, REASON, conditionsFor } from './conditions.js';
import { emptyInputsOfRows, rejoinWindowDays, runNoInputMessage } from '../src/join/no-input.js';
import { JOBS, MANAGED_BY, MANAGED_BY_LABEL, RUN_LABEL, apiVersionOf } from './resources.js';
import {
  reportFromPods,
  runOutcome,
  RUN_CONTAINER,
  RUN_REPORT_FILE,
  type RunReportSummary,
} from '../src/api/run-report.js';
import {
  RESTRICTED_CONTAINER_SECURITY,
  RESTRICTED_POD_SECURITY,
  WORKER_RESOURCES,
  type WorkloadOptions,
} from './workload-plan.js';

/**
 * Pure planning of a DailyJoinRun: one Job (same name as the run) running
 * `gridlake join --join <ns/join> --date <date>`, retried up to the
 * DailyJoin's backoffLimit; status copied from the Job and the run report
 * (see src/api/run-report.ts). The Job is created once and never changed (its pod
 * template is immutable; the run's spec is too).
 */

export interface RunObserved {
  readonly run: KubeObject;
  readonly join: KubeObject | undefined;
  readonly job: KubeObject | undefined;
  /** pods of the run's Job (label gridlake.io/daily-join-run) */
  readonly pods: readonly KubeObject[];
}

/** The Job of a run (null without its DailyJoin: backoff, timeout and outputs come from there). */
export function renderRunJob(run: KubeObject, join: KubeObject, opts: WorkloadOptions): KubeObject {
  const spec = run['spec'] as DailyJoinRunSpec;
  const js = join['spec'] as DailyJoinSpec;
  const namespace = run.metadata.namespace ?? '';
  const name = run.metadata.name ?? '';
  const labels = {
    [RUN_LABEL]: name,
    'gridlake.io/daily-join': spec.joinRef.name,
    'app.kubernetes.io/name': 'gridlake',
    'app.kubernetes.io/component': 'join',
    [MANAGED_BY_LABEL]: MANAGED_BY,
  };
  const sql = js.outputs.sql;
  const args = [
    'join',
    '--join',
    `${namespace}/${spec.joinRef.name}`,
    '--date',
    spec.date,
    '--power-coverage-min',
    String(js.quality.minPowerCoverage),
    '--weather-coverage-min',
    String(js.quality.minWeatherCoverage),
    // A date without input is reported in the run summary (the operator reads it), not a failed Job.
    '--allow-no-input',
    // The DailyJoin started it before a remote site had forwarded the date: the day is marked site_late.
    ...(spec.siteLate === true ? ['--site-late'] : []),
    ...(js.lateDataDays > 0 ? ['--late-data-days', String(js.lateDataDays)] : []),
    ...(rejoinWindowDays(js) > js.lateDataDays ? ['--rejoin-days', String(rejoinWindowDays(js))] : []),
    ...['--bucket', js.lake.bucket, '--prefix', js.lake.prefix, '--region', js.lake.region],
    ...(js.lake.endpoint ? ['--endpoint', js.lake.endpoint] : []),
    ...(sql
      ? ['--sql-mode', sql.mode, '--sql-hourly-table', sql.hourlyTable, '--sql-daily-table', sql.dailyTable]
      : []),
  ];
  const creds = js.lake.credentialsSecretRef;
  return {
    apiVersion: apiVersionOf(JOBS),
    kind: JOBS.kind,
    metadata: { name, namespace, labels, ownerReferences: [controllerReference(run, { metadata: { namespace } })] },
    spec: {
      backoffLimit: js.backoffLimit,
      activeDeadlineSeconds: js.runTimeoutSeconds,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          securityContext: RESTRICTED_POD_SECURITY,
          containers: [
            {
              name: RUN_CONTAINER,
              image: opts.image,
              ...(opts.imagePullPolicy ? { imagePullPolicy: opts.imagePullPolicy } : {}),
              args,
              env: [
                { name: 'GRIDLAKE_RUN_REPORT_FILE', value: RUN_REPORT_FILE },
                // Absent: the pod's default credential chain (instance role, IRSA).
                ...(creds
                  ? [
                      {
                        name: 'AWS_ACCESS_KEY_ID',
                        valueFrom: { secretKeyRef: { name: creds.name, key: creds.accessKeyIdKey } },
                      },
                      {
                        name: 'AWS_SECRET_ACCESS_KEY',
                        valueFrom: { secretKeyRef: { name: creds.name, key: creds.secretAccessKeyKey } },
                      },
                    ]
                  : []),
                ...(sql
                  ? [{ name: 'GRIDLAKE_JOIN_SQL_URL', valueFrom: { secretKeyRef: { ...sql.connectionSecretRef } } }]
                  : []),
              ],
              terminationMessagePath: RUN_REPORT_FILE,
              // On a crash before the report, the log tail explains it (parseRunReport ignores it).
              terminationMessagePolicy: 'FallbackToLogsOnError',
              securityContext: RESTRICTED_CONTAINER_SECURITY,
              resources: WORKER_RESOURCES.join,
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
            },
          ],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}

interface JobStatus {
  active?: number;
  succeeded?: number;
  failed?: number;
  startTime?: string;
  completionTime?: string;
  conditions?: { type: string; status: string; message?: string; lastTransitionTime?: string }[];
}

/** Where a Job is: terminal conditions first, then active pods. */
export function jobState(job: KubeObject | undefined): RunState {
  const st = (job?.['status'] ?? {}) as JobStatus;
  const has = (t: string) => st.conditions?.some((c) => c.type === t && c.status === 'True') ?? false;
  if (has('Complete')) return 'Succeeded';
  if (has('Failed')) return 'Failed';
  return (st.active ?? 0) > 0 ? 'Running' : 'Pending';
}

/** Plans one run: the Job to create (if any) and the full status. */
export function planRun(
  obs: RunObserved,
  opts: WorkloadOptions,
  now: number,
): { actions: readonly Action[]; status: Record<string, unknown> } {
  const { run, join, job } = obs;
  const generation = run.metadata.generation ?? 0;
  const prev = run['status'] as (DailyJoinRunStatus & { conditions?: Condition[] }) | undefined;
  const name = run.metadata.name ?? '';
  const actions: Action[] = [];
  const foreign = job !== undefined && !isControlledBy(job, run);
  if (!job && join)
    actions.push({
      op: 'create',
      ref: { resource: JOBS, name, namespace: run.metadata.namespace ?? '' },
      body: renderRunJob(run, join, opts),
    });
  const st = (job?.['status'] ?? {}) as JobStatus;
  const state: RunState = foreign ? 'Pending' : jobState(job);
  const report: RunReportSummary | null = foreign ? null : reportFromPods(obs.pods);
  const start = st.startTime;
  const end = state === 'Succeeded' || state === 'Failed' ? (st.completionTime ?? failedAt(st)) : undefined;
  const duration = start && end ? Math.max(0, (Date.parse(end) - Date.parse(start)) / 1000) : undefined;
  const outcome =
    state === 'Succeeded' ? (report ? runOutcome(report) : 'Succeeded') : state === 'Failed' ? 'Failed' : undefined;
  const jobFailure = st.conditions?.find((c) => c.type === 'Failed' && c.status === 'True')?.message;
  const message =
    !join && !job
      ? `DailyJoin ${(run['spec'] as DailyJoinRunSpec).joinRef.name} not found: nothing to run.`
      : foreign
        ? `Job ${name} belongs to an earlier run of this name; waiting for it to be deleted.`
        : state === 'Failed'
          ? (report?.reason ?? jobFailure ?? 'The Job failed.')
          : undefined;
  const succeeded: ConditionInput =
    state === 'Succeeded'
      ? {
          type: COND.Succeeded,
          status: 'True',
          reason: REASON.JobSucceeded,
          message: `Outcome ${outcome ?? 'Succeeded'}.`,
        }
      : state === 'Failed'
        ? { type: COND.Succeeded, status: 'False', reason: REASON.JobFailed, message: message ?? 'The Job failed.' }
        : !join && !job
          ? { type: COND.Succeeded, status: 'Unknown', reason: REASON.JoinNotFound, message: message ?? '' }
          : foreign
            ? { type: COND.Succeeded, status: 'Unknown', reason: REASON.JobOwnedElsewhere, message: message ?? '' }
            : {
                type: COND.Succeeded,
                status: 'Unknown',
                reason: state === 'Running' ? REASON.JobRunning : REASON.JobPending,
                message: `The Job is ${state.toLowerCase()}.`,
              };
  const running: ConditionInput =
    state === 'Running'
      ? { type: COND.Running, status: 'True', reason: REASON.JobRunning, message: `${st.active ?? 0} pod(s) active.` }
      : {
          type: COND.Running,
          status: 'False',
          reason:
            state === 'Pending' ? REASON.JobPending : state === 'Succeeded' ? REASON.JobSucceeded : REASON.JobFailed,
          message: `The Job is ${state.toLowerCase()}.`,
        };
  const status: Record<string, unknown> = {
    observedGeneration: generation,
    conditions: conditionsFor(
      prev?.conditions,
      generation,
      [succeeded, running, ...noInputCondition(run, join, outcome, report)],
      now,
    ),
    state,
    ...(outcome ? { outcome } : {}),
    ...(job || actions.length > 0 ? { jobName: name } : {}),
    attempts: (st.active ?? 0) + (st.succeeded ?? 0) + (st.failed ?? 0),
    ...(start ? { startTime: start } : {}),
    ...(end ? { completionTime: end } : {}),
    ...(duration !== undefined ? { durationSeconds: duration } : {}),
    ...(report?.rows ? { rows: report.rows } : {}),
    ...(report?.quality ? { quality: report.quality } : {}),
    ...(report?.lateData?.length ? { lateData: report.lateData } : {}),
    ...(message ? { message: message.slice(0, 4096) } : {}),
    ...(prev?.progress ? { progress: prev.progress } : {}),
  };
  return { actions, status };
}

/** NoInput once the run has an outcome: True naming the empty inputs when it found no rows. */
function noInputCondition(
  run: KubeObject,
  join: KubeObject | undefined,
  outcome: string | undefined,
  report: RunReportSummary | null,
): ConditionInput[] {
  if (outcome === undefined || outcome === 'Failed') return [];
  if (outcome !== 'NoInput')
    return [{ type: COND.NoInput, status: 'False', reason: REASON.InputsFound, message: 'The date had input.' }];
  const date = (run['spec'] as DailyJoinRunSpec).date;
  const emptyInputs = emptyInputsOfRows(report?.rows);
  const spec = join?.['spec'] as DailyJoinSpec | undefined;
  return [
    {
      type: COND.NoInput,
      status: 'True',
      reason: REASON.InputsEmpty,
      message: runNoInputMessage(spec, { date, emptyInputs }),
    },
  ];
}

function failedAt(st: JobStatus): string | undefined {
  return st.conditions?.find((c) => c.type === 'Failed' && c.status === 'True')?.lastTransitionTime;
}

/** True once a run has finished (either way); the scheduler counts it as done. */
export function runFinished(run: KubeObject): boolean {
  const state = (run['status'] as { state?: RunState } | undefined)?.state;
  return state === 'Succeeded' || state === 'Failed';
}
