import { describe, expect, it } from 'vitest';
import { renderRunJob } from '../../../controllers/daily-join-run-plan.js';
import { sinkWorker } from '../../../controllers/lake-sink-plan.js';
import { collectorWorker } from '../../../controllers/source-plan.js';
import { renderWorkload } from '../../../controllers/workload-plan.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { OPTS, resource } from './fixtures.js';

interface Pod {
  securityContext?: Record<string, unknown>;
  containers: {
    name: string;
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    securityContext?: Record<string, unknown>;
  }[];
}
const podOf = (o: KubeObject): Pod => (o['spec'] as { template: { spec: Pod } }).template.spec;

/** Every pod the operator makes is bounded and locked down (the seed crashed its scheduler by running out of memory). */
describe('pods the operator makes', () => {
  const key = { serviceKeySecretRef: { name: 'k', key: 'serviceKey' } };
  const pods: [string, Pod][] = [
    [
      'power collector',
      podOf(
        renderWorkload(
          resource('PowerSource', 'kpx', key),
          collectorWorker('PowerSource', resource('PowerSource', 'kpx', key)),
          OPTS,
        ).deployment,
      ),
    ],
    [
      'weather collector',
      podOf(
        renderWorkload(
          resource('WeatherSource', 'w', { ...key, locations: [{ name: 'seoul', nx: 60, ny: 127 }] }),
          collectorWorker(
            'WeatherSource',
            resource('WeatherSource', 'w', { ...key, locations: [{ name: 'seoul', nx: 60, ny: 127 }] }),
          ),
          OPTS,
        ).deployment,
      ),
    ],
  ];
  const sink = resource('LakeSink', 'lake', {
    topics: ['t'],
    lake: { bucket: 'lake', credentialsSecretRef: { name: 's' } },
  });
  pods.push(['sink', podOf(renderWorkload(sink, sinkWorker(sink), OPTS).deployment)]);
  const join = resource('DailyJoin', 'daily', {
    schedule: '30 1 * * *',
    inputs: { power: { name: 'kpx' }, weather: [{ name: 'w' }] },
    lake: { bucket: 'lake', credentialsSecretRef: { name: 's' } },
  });
  const run = resource('DailyJoinRun', 'daily-20261205', { joinRef: { name: 'daily' }, date: '2026-12-05' });
  pods.push(['join', podOf(renderRunJob(run, join, OPTS))]);

  it.each(pods)('%s: memory and CPU requested and limited, non-root, read-only, no capabilities', (_name, pod) => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of pod.containers) {
      expect(c.resources?.limits?.['memory']).toMatch(/^\d+Mi$/);
      expect(c.resources?.requests?.['memory']).toMatch(/^\d+Mi$/);
      expect(c.resources?.requests?.['cpu']).toBeDefined();
      const mib = (v: string | undefined) => Number(v?.replace('Mi', ''));
      expect(mib(c.resources?.requests?.['memory'])).toBeLessThanOrEqual(mib(c.resources?.limits?.['memory']));
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
      });
    }
  });
});
