import { DAILY_JOIN_RUNS, DAILY_JOINS, GL_API_VERSION } from '../../controllers/resources.js';
import { JOIN_LABEL } from '../../controllers/daily-join-plan.js';
import { dailyJoinRunName, type DailyJoinRunStatus } from '../api/daily-join-run.js';
import type { BackfillConfig } from '../config.js';
import { glError } from '../errors.js';
import { isAlreadyExists, isNotFound } from '../k8s/api-errors.js';
import { objectPath, resourcePath, type KubeClient } from '../k8s/kube-client.js';
import type { Logger } from '../observe/log.js';
import type { BackfillProgress } from './backfill-progress.js';
import type { BackfillSummary, DateOutcome, DateResult } from './backfill-summary.js';

/** Runs unfinished at once when `--parallel` is not given: a backfill should not crowd out the schedule. */
export const DEFAULT_PARALLEL = 3;

export interface ClusterBackfillOptions {
  readonly client: KubeClient;
  readonly logger: Logger;
  /** starts the progress report once the join is known */
  readonly openProgress: (join: string) => Promise<BackfillProgress>;
  /** aborted: create no more runs and stop following (the created ones go on) */
  readonly signal: AbortSignal;
  readonly pollMs: number;
}

interface Tracked {
  readonly date: string;
  readonly existing: boolean;
  result?: DateResult;
}

/**
 * The cluster half of `gridlake backfill`: one DailyJoinRun per date, named
 * `<join>-<yyyymmdd>` with trigger Manual (like a run a person applies, so
 * the DailyJoin's history limits leave it alone), at most `--parallel`
 * unfinished at once; a run that already exists is left alone and followed.
 * Their status (written by the controller from the Job and its run report)
 * is polled until each has finished.
 */
export async function runClusterBackfill(config: BackfillConfig, o: ClusterBackfillOptions): Promise<BackfillSummary> {
  const began = Date.now();
  const namespace = config.namespace ?? 'default';
  const join = `${namespace}/${config.joinName}`;
  const runs = { ...DAILY_JOIN_RUNS, namespace };
  try {
    await o.client.request({ method: 'GET', path: objectPath({ ...DAILY_JOINS, namespace }, config.joinName) });
  } catch (err) {
    if (!isNotFound(err)) throw err;
    throw glError(
      'GL_CONFIG_INVALID',
      `no DailyJoin ${join} on the cluster: check --join and --namespace (kubectl get dailyjoins -A)`,
      { context: { option: '--join', join } },
    );
  }
  const progress = await o.openProgress(join);
  const parallel = config.parallel ?? DEFAULT_PARALLEL;
  const queue = [...config.dates];
  const tracked = new Map<string, Tracked>();
  const active = (): number => [...tracked.values()].filter((t) => t.result === undefined).length;

  while (!o.signal.aborted) {
    while (queue.length > 0 && active() < parallel && !o.signal.aborted) {
      const date = queue.shift()!;
      const name = dailyJoinRunName(config.joinName, date);
      tracked.set(name, { date, existing: !(await createRun(o.client, runs, config.joinName, name, date)) });
      if (tracked.get(name)!.existing)
        o.logger.info({ join, date, run: name }, 'DailyJoinRun exists: left alone, following it');
    }
    const items = (
      await o.client.request<{ items: { metadata: { name: string }; status?: DailyJoinRunStatus }[] }>({
        method: 'GET',
        path: resourcePath(runs),
      })
    ).items;
    for (const item of items) {
      const t = tracked.get(item.metadata.name);
      if (t === undefined || t.result !== undefined) continue;
      const result = finished(t, item.status);
      if (result === null) continue;
      t.result = result;
      progress.done(result);
    }
    if (queue.length === 0 && active() === 0) break;
    progress.status(`${active()} running on the cluster`);
    await sleep(o.pollMs, o.signal);
  }
  const all = [...tracked.values()];
  return {
    join,
    mode: 'cluster',
    where: `namespace ${namespace}`,
    from: config.dates[0]!,
    to: config.dates.at(-1)!,
    results: all
      .flatMap((t) => (t.result === undefined ? [] : [t.result]))
      .sort((a, b) => a.date.localeCompare(b.date)),
    notRun: queue,
    unfinished: all.filter((t) => t.result === undefined).map((t) => dailyJoinRunName(config.joinName, t.date)),
    stopped: o.signal.aborted,
    durationSeconds: (Date.now() - began) / 1000,
  };
}

/** Creates the run; false when a run of that name exists already. */
async function createRun(
  client: KubeClient,
  runs: Parameters<typeof resourcePath>[0],
  joinName: string,
  name: string,
  date: string,
): Promise<boolean> {
  try {
    await client.request({
      method: 'POST',
      path: resourcePath(runs),
      body: {
        apiVersion: GL_API_VERSION,
        kind: DAILY_JOIN_RUNS.kind,
        metadata: { name, labels: { [JOIN_LABEL]: joinName } },
        spec: { joinRef: { name: joinName }, date, trigger: 'Manual' },
      },
    });
    return true;
  } catch (err) {
    if (isAlreadyExists(err)) return false;
    throw err;
  }
}

const OUTCOMES: Readonly<Record<NonNullable<DailyJoinRunStatus['outcome']>, DateOutcome>> = {
  Succeeded: 'succeeded',
  Partial: 'partial',
  NoInput: 'no-input',
  Failed: 'failed',
};

/** The date's result once its run finished (state Succeeded or Failed), else null. */
function finished(t: Tracked, status: DailyJoinRunStatus | undefined): DateResult | null {
  if (status?.state !== 'Succeeded' && status?.state !== 'Failed') return null;
  const outcome =
    status.outcome === undefined ? (status.state === 'Failed' ? 'failed' : 'succeeded') : OUTCOMES[status.outcome];
  return {
    date: t.date,
    outcome,
    hourlyRows: status.rows?.hourlyOut ?? 0,
    dailyRows: status.rows?.dailyOut ?? 0,
    ...((outcome === 'failed' || outcome === 'no-input') && status.message !== undefined
      ? { reason: status.message }
      : {}),
    ...(t.existing ? { existing: true } : {}),
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
