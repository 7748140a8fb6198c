import { describe, expect, it } from 'vitest';
import { credentialsState, planLakeSink, type LakeSinkObserved } from '../../../controllers/lake-sink-plan.js';
import { CONFIG_HASH } from '../../../controllers/resources.js';
import type { LakeSinkSpec } from '../../../src/api/lake-sink.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import type { Action } from '../../../controllers/apply.js';
import { NS, OPTS, at, bodyOf, condOf, generationsOf, resource, secret } from './fixtures.js';

const NOW = at('2026-03-10T03:00:00Z');

const sink = (lake: Record<string, unknown> = {}, extra: Record<string, unknown> = {}, generation = 1) =>
  resource(
    'LakeSink',
    'lake',
    { topics: ['gridlake.power.kpx.v1'], lake: { bucket: 'gridlake', ...lake }, ...extra },
    { generation },
  );

const obs = (s: KubeObject, extra: Partial<LakeSinkObserved> = {}): LakeSinkObserved => ({
  sink: s,
  secret: undefined,
  configMap: undefined,
  deployment: undefined,
  ...extra,
});

const CREDS = { credentialsSecretRef: { name: 's3' } };
const depAction = (actions: readonly Action[]) => actions.find((a) => a.ref.resource.kind === 'Deployment');

type Dep = {
  spec: {
    template: {
      metadata: { annotations: Record<string, string> };
      spec: { containers: [{ args: string[]; env: unknown[] }] };
    };
  };
};

describe('planLakeSink', () => {
  it('renders a sink ConfigMap and Deployment owned by the LakeSink, with the S3 credentials from its Secret', () => {
    const plan = planLakeSink(
      obs(sink(CREDS), { secret: secret('s3', ['accessKeyId', 'secretAccessKey']) }),
      OPTS,
      NOW,
    );
    expect(plan.actions.map((a) => [a.op, a.ref.resource.kind, a.ref.name])).toEqual([
      ['apply', 'ServiceAccount', 'lake-sink'],
      ['apply', 'Role', 'lake-sink'],
      ['apply', 'RoleBinding', 'lake-sink'],
      ['apply', 'ConfigMap', 'lake-sink'],
      ['apply', 'Deployment', 'lake-sink'],
    ]);
    // It reports its progress with a token that may patch this LakeSink's status and nothing else.
    expect(bodyOf(plan.actions[1])['rules']).toEqual([
      { apiGroups: ['gridlake.io'], resources: ['lakesinks/status'], resourceNames: ['lake'], verbs: ['patch'] },
    ]);
    const dep = bodyOf<Dep & KubeObject>(depAction(plan.actions));
    expect(dep.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'LakeSink', name: 'lake', controller: true });
    const c = dep.spec.template.spec.containers[0];
    expect(c.args).toEqual(
      expect.arrayContaining(['sink', '--sink', `${NS}/lake`, '--report-status', '--brokers', 'kafka:9092']),
    );
    expect(c.env).toEqual(
      expect.arrayContaining([
        { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 's3', key: 'accessKeyId' } } },
        { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 's3', key: 'secretAccessKey' } } },
      ]),
    );
    expect(condOf(plan.status, 'SecretMissing')).toMatchObject({ status: 'False', reason: 'SecretFound' });
    expect(generationsOf(plan.status).every((g) => g === 1)).toBe(true);
  });

  it('rolls the Deployment when the flush policy changes', () => {
    const hash = (s: KubeObject) =>
      bodyOf<Dep & KubeObject>(depAction(planLakeSink(obs(s), OPTS, NOW).actions)).spec.template.metadata.annotations[
        CONFIG_HASH
      ];
    expect(hash(sink({}, { flush: { maxAgeSeconds: 120 } }, 2))).not.toBe(hash(sink()));
  });

  it.each([
    ['no Secret', undefined, 'no-secret'],
    ['a Secret with one of the two keys', secret('s3', ['accessKeyId']), 'no-key'],
    ['a Secret with both keys', secret('s3', ['accessKeyId', 'secretAccessKey']), 'found'],
  ] as const)('checks both credential keys: %s', (_, sec, state) => {
    expect(credentialsState(sink(CREDS)['spec'] as LakeSinkSpec, sec)).toBe(state);
  });

  it('reports a missing credentials Secret in SecretMissing and Ready', () => {
    const plan = planLakeSink(obs(sink(CREDS)), OPTS, NOW);
    expect(condOf(plan.status, 'SecretMissing')).toMatchObject({ status: 'True', reason: 'SecretNotFound' });
    expect(condOf(plan.status, 'Ready')).toMatchObject({ status: 'False', reason: 'SecretNotFound' });
  });

  it('uses the pod default credential chain when no Secret is referenced', () => {
    const plan = planLakeSink(obs(sink()), OPTS, NOW);
    expect(condOf(plan.status, 'SecretMissing')).toMatchObject({ status: 'False' });
    const c = bodyOf<Dep & KubeObject>(depAction(plan.actions)).spec.template.spec.containers[0];
    expect(JSON.stringify(c.env)).not.toContain('AWS_');
  });

  it('refuses an empty topic list and runs nothing', () => {
    const s = sink();
    const plan = planLakeSink(obs({ ...s, spec: { ...(s['spec'] as object), topics: [] } }), OPTS, NOW);
    expect(plan.actions).toEqual([]);
    expect(condOf(plan.status, 'InvalidSpec')).toMatchObject({ status: 'True', reason: 'SpecInvalid' });
  });

  it('follows the sink progress in Sinking and goes stale after three flush windows', () => {
    const s = sink();
    const progress = { reporter: 'pod', updatedAt: '2026-03-10T02:59:00Z', lastOutcome: 'ok' };
    const withProgress = { ...s, status: { progress } };
    const flushAge = (s['spec'] as LakeSinkSpec).flush.maxAgeSeconds;
    const fresh = planLakeSink(obs(withProgress), OPTS, NOW);
    expect(condOf(fresh.status, 'Sinking')).toMatchObject({ status: 'True' });
    expect(fresh.requeueAfterMs).toBe(at(progress.updatedAt) + 3 * flushAge * 1000 + 60_000 - NOW);
    const later = planLakeSink(obs(withProgress), OPTS, NOW + 3 * flushAge * 1000 + 60_000);
    expect(condOf(later.status, 'Sinking')).toMatchObject({ status: 'False', reason: 'ProgressStale' });
  });

  it('scales a suspended sink to zero', () => {
    const plan = planLakeSink(obs(sink({}, { suspend: true })), OPTS, NOW);
    expect((bodyOf(depAction(plan.actions))['spec'] as { replicas: number }).replicas).toBe(0);
    expect(condOf(plan.status, 'Ready')).toMatchObject({ status: 'False', reason: 'Suspended' });
  });

  it('is Sinking while the sink reports without an error, and not during a store outage it reports', () => {
    const progress = (extra: Record<string, unknown> = {}) =>
      resource(
        'LakeSink',
        'lake',
        { topics: ['gridlake.power.kpx.v1'], lake: { bucket: 'gridlake' } },
        { generation: 1 },
        { progress: { reporter: 'pod', updatedAt: '2026-03-10T02:59:00Z', filesTotal: 3, ...extra } },
      );
    expect(condOf(planLakeSink(obs(progress()), OPTS, NOW).status, 'Sinking')).toMatchObject({
      status: 'True',
      reason: 'WorkerReportsOk',
    });
    const failing = progress({
      lastError: { class: 'GridlakeError', message: 'lake store failing', time: '2026-03-10T02:58:00Z' },
    });
    expect(condOf(planLakeSink(obs(failing), OPTS, NOW).status, 'Sinking')).toMatchObject({
      status: 'False',
      reason: 'WorkerReportsError',
      message: 'GridlakeError: lake store failing',
    });
  });
});
