import { describe, expect, it } from 'vitest';
import { applyActions, applyIfChanged, hashOf, recordActions, type Action } from '../../../controllers/apply.js';
import { EventRecorder } from '../../../src/k8s/events.js';
import { APPLIED_HASH, CONFIG_MAPS, DAILY_JOIN_RUNS, FIELD_MANAGER } from '../../../controllers/resources.js';
import type { KubeClient, KubeRequest } from '../../../src/k8s/kube-client.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { httpError } from '../k8s/fake-api.js';
import { bodyOf } from './fixtures.js';

/** A client that records requests and answers each with the next scripted outcome (an error, or ok). */
function recorder(outcomes: (Error | 'ok')[] = []): KubeClient & { requests: KubeRequest[] } {
  const requests: KubeRequest[] = [];
  return {
    requests,
    request<T>(req: KubeRequest): Promise<T> {
      requests.push(req);
      const next = outcomes.shift() ?? 'ok';
      return next === 'ok' ? Promise.resolve({} as T) : Promise.reject(next);
    },
    watch: () => Promise.reject(new Error('not used')),
  };
}

const cmRef = { resource: CONFIG_MAPS, name: 'c', namespace: 'ns' };
const runRef = { resource: DAILY_JOIN_RUNS, name: 'pw-20260309', namespace: 'ns' };
const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns' }, data: { a: '1' } };

describe('hashOf', () => {
  it('ignores key order and undefined fields, and sees every value', () => {
    expect(hashOf({ a: 1, b: { c: [1, 2] } })).toBe(hashOf({ b: { c: [1, 2] }, a: 1, d: undefined }));
    expect(hashOf({ a: 1, b: { c: [2, 1] } })).not.toBe(hashOf({ a: 1, b: { c: [1, 2] } }));
  });
});

describe('applyIfChanged', () => {
  it('stamps the body with its hash and applies only when the observed child has another', () => {
    const [action] = applyIfChanged(cmRef, body, undefined);
    const stamped = bodyOf<typeof body & KubeObject>(action);
    expect(stamped.metadata.annotations?.[APPLIED_HASH]).toBe(hashOf(body));
    expect(applyIfChanged(cmRef, body, stamped)).toEqual([]);
    expect(applyIfChanged(cmRef, { ...body, data: { a: '2' } }, stamped)).toHaveLength(1);
  });
});

describe('applyActions', () => {
  it('server-side applies with the apply-patch content type, a fixed field manager and force', async () => {
    const c = recorder();
    await applyActions(c, [{ op: 'apply', ref: cmRef, body }]);
    expect(c.requests).toEqual([
      {
        method: 'PATCH',
        path: '/api/v1/namespaces/ns/configmaps/c',
        query: { fieldManager: FIELD_MANAGER, force: true },
        contentType: 'application/apply-patch+yaml',
        body,
      },
    ]);
  });

  it('treats AlreadyExists on create as done: a deterministic name is never made twice', async () => {
    const c = recorder([httpError(409, 'AlreadyExists')]);
    await applyActions(c, [{ op: 'create', ref: runRef, body }]);
    expect(c.requests[0]).toMatchObject({
      method: 'POST',
      path: '/apis/gridlake.io/v1alpha1/namespaces/ns/dailyjoinruns',
    });
  });

  it('deletes with a uid precondition and background propagation; NotFound is done', async () => {
    const c = recorder([httpError(404, 'NotFound')]);
    await applyActions(c, [{ op: 'delete', ref: runRef, uid: 'u1' }]);
    expect(c.requests[0]).toMatchObject({
      method: 'DELETE',
      path: '/apis/gridlake.io/v1alpha1/namespaces/ns/dailyjoinruns/pw-20260309',
      body: { kind: 'DeleteOptions', propagationPolicy: 'Background', preconditions: { uid: 'u1' } },
    });
  });

  it('stops at the first other failure and throws it, so the reconcile retries with backoff', async () => {
    const conflict = httpError(409, 'Conflict');
    const c = recorder([httpError(500, 'InternalError')]);
    const actions: Action[] = [
      { op: 'apply', ref: cmRef, body },
      { op: 'delete', ref: runRef },
    ];
    await expect(applyActions(c, actions)).rejects.toMatchObject({ code: 'GL_K8S_API_FAILED', retryable: true });
    expect(c.requests).toHaveLength(1);
    // A uid-precondition failure (409 Conflict) on delete is not swallowed either.
    await expect(applyActions(recorder([conflict]), [{ op: 'delete', ref: runRef, uid: 'x' }])).rejects.toBe(conflict);
  });
});

describe('recordActions', () => {
  it('records one Normal Event per action on the object that asked, and repeats only after the dedupe window', async () => {
    const c = recorder();
    const events = new EventRecorder({ client: c, controller: 'gridlake.io/controller', instance: 'test' });
    const join = {
      apiVersion: 'gridlake.io/v1alpha1',
      kind: 'DailyJoin',
      metadata: { name: 'pw', namespace: 'ns', uid: 'u' },
    };
    const actions: Action[] = [
      { op: 'create', ref: runRef, body },
      { op: 'delete', ref: { ...runRef, name: 'pw-20260301' }, uid: 'x' },
    ];
    await recordActions(events, join, actions);
    await recordActions(events, join, actions);
    expect(c.requests.map((r) => [r.method, r.path])).toEqual([
      ['POST', '/apis/events.k8s.io/v1/namespaces/ns/events'],
      ['POST', '/apis/events.k8s.io/v1/namespaces/ns/events'],
    ]);
    expect(c.requests.map((r) => r.body)).toMatchObject([
      {
        type: 'Normal',
        reason: 'CreatedDailyJoinRun',
        action: 'Create',
        note: 'created DailyJoinRun ns/pw-20260309',
        regarding: { kind: 'DailyJoin', name: 'pw', uid: 'u' },
      },
      { reason: 'DeletedDailyJoinRun', action: 'Delete', note: 'deleted DailyJoinRun ns/pw-20260301' },
    ]);
    await recordActions(undefined, join, actions); // no recorder (tests, embedded): nothing to do
  });
});
