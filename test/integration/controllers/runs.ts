import { eventually } from '../../eventually.js';
import { DAILY_JOINS, PODS, RUN_LABEL } from '../../../controllers/resources.js';
import type { KubeClient } from '../../../src/k8s/kube-client.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { mergePatch } from './helpers.js';

/** A DailyJoin body for tests (defaults filled by the CRD). */
export function dailyJoin(name: string, spec: Record<string, unknown>): Record<string, unknown> {
  return {
    apiVersion: 'gridlake.io/v1alpha1',
    kind: 'DailyJoin',
    metadata: { name },
    spec: {
      schedule: '30 1 * * *',
      timeZone: 'Asia/Seoul',
      inputs: { power: { name: 'kpx' }, weather: [{ name: 'kma' }] },
      lake: { bucket: 'gridlake' },
      backoffLimit: 0,
      ...spec,
    },
  };
}

export const REPORT = {
  outcome: 'partial',
  durationSeconds: 12.5,
  rows: { powerIn: 290, weatherIn: 24, duplicatesRemoved: 2, rejected: 0, hourlyOut: 24, dailyOut: 1 },
  quality: { powerCoverage: 0.99, weatherCoverage: 0.875, level: 'partial' },
};

/**
 * Plays the kubelet's part (there is none in the test control plane): waits for
 * the pod the real Job controller made for `run`, then marks it finished with
 * the join container's termination message. The real Job controller then
 * completes or fails the Job.
 */
export async function finishRun(
  c: KubeClient,
  ns: string,
  run: string,
  ok: boolean,
  report: unknown = REPORT,
): Promise<void> {
  const pod = await eventually(
    'pods.items[0]',
    async () => {
      const pods = await c.request<{ items: KubeObject[] }>({
        method: 'GET',
        path: `/api/v1/namespaces/${ns}/pods`,
        query: { labelSelector: `${RUN_LABEL}=${run}` },
      });
      return pods.items[0];
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const container = (pod['spec'] as { containers: { name: string; image: string }[] }).containers[0]!;
  await mergePatch(
    c,
    PODS,
    ns,
    pod.metadata.name ?? '',
    {
      status: {
        phase: ok ? 'Succeeded' : 'Failed',
        startTime: at,
        containerStatuses: [
          {
            name: container.name,
            image: container.image,
            imageID: '',
            ready: false,
            restartCount: 0,
            state: {
              terminated: {
                exitCode: ok ? 0 : 1,
                reason: ok ? 'Completed' : 'Error',
                startedAt: at,
                finishedAt: at,
                message: JSON.stringify(report),
              },
            },
          },
        ],
      },
    },
    '/status',
  );
}

let pokes = 0;
/** Wakes the DailyJoin controller after the test moved the clock (a metadata change passes its filter). */
export async function poke(c: KubeClient, ns: string, name: string): Promise<void> {
  await mergePatch(c, DAILY_JOINS, ns, name, {
    metadata: { annotations: { 'test.gridlake.io/poke': String(++pokes) } },
  });
}
