import { describe, expect, it } from 'vitest';
import { apiError, errorStatus, isAlreadyExists, isConflict, isGone, isNotFound } from '../../../src/k8s/api-errors.js';
import { EventRecorder } from '../../../src/k8s/events.js';
import type { KubeClient, KubeRequest } from '../../../src/k8s/kube-client.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { deepEqual, writeStatus } from '../../../src/k8s/status-writer.js';
import { FakeTime } from './fake-time.js';

/** A client that records requests and answers with a scripted error or the echoed body. */
function recordingClient(fail?: () => unknown): KubeClient & { requests: KubeRequest[] } {
  const requests: KubeRequest[] = [];
  return {
    requests,
    async request<T>(req: KubeRequest): Promise<T> {
      requests.push(req);
      const err = fail?.();
      if (err) throw err;
      return req.body as T;
    },
    watch: () => Promise.reject(new Error('no watch')),
  };
}

const resource = { group: 'k8stest.gridlake.io', version: 'v1', plural: 'widgets' };
const widget: KubeObject = {
  apiVersion: 'k8stest.gridlake.io/v1',
  kind: 'Widget',
  metadata: { name: 'w', namespace: 'ns', uid: 'u1', resourceVersion: '7', generation: 2 },
  status: { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True' }] },
};

describe('writeStatus', () => {
  it('makes no request when the status is unchanged, whatever the key order', async () => {
    const c = recordingClient();
    const r = await writeStatus(c, resource, widget, {
      conditions: [{ status: 'True', type: 'Ready' }],
      observedGeneration: 2,
    });
    expect(r.kind).toBe('unchanged');
    expect(c.requests).toHaveLength(0);
  });

  it('PUTs to /status with the resourceVersion it read when the status changed', async () => {
    const c = recordingClient();
    const r = await writeStatus(c, resource, widget, { observedGeneration: 3 });
    expect(r.kind).toBe('written');
    expect(c.requests[0]).toMatchObject({
      method: 'PUT',
      path: '/apis/k8stest.gridlake.io/v1/namespaces/ns/widgets/w/status',
      body: { metadata: { resourceVersion: '7' }, status: { observedGeneration: 3 } },
    });
  });

  it('reports 409 Conflict as conflict (requeue) and 404 as gone', async () => {
    const conflict = recordingClient(() => apiError(409, { reason: 'Conflict' }, { method: 'PUT', path: '/x' }));
    expect((await writeStatus(conflict, resource, widget, { a: 1 })).kind).toBe('conflict');
    const gone = recordingClient(() => apiError(404, { reason: 'NotFound' }, { method: 'PUT', path: '/x' }));
    expect((await writeStatus(gone, resource, widget, { a: 1 })).kind).toBe('gone');
    const broken = recordingClient(() => apiError(500, { reason: 'InternalError' }, { method: 'PUT', path: '/x' }));
    await expect(writeStatus(broken, resource, widget, { a: 1 })).rejects.toThrow(/InternalError/);
  });

  it.each([
    [{ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, true],
    [{ a: 1, b: undefined }, { a: 1 }, true],
    [[1, 2], [2, 1], false],
    [{ a: '2026-01-01T00:00:00Z' }, { a: new Date('2026-01-01T00:00:00Z') }, false],
    [{}, [], false],
  ])('deepEqual(%j, %j) is %s', (a, b, expected) => {
    expect(deepEqual(a, b)).toBe(expected);
  });
});

describe('API error helpers', () => {
  it('read the status from our errors, client-node ApiException (.code) and Watch errors (.statusCode)', () => {
    const ours = apiError(409, { reason: 'AlreadyExists' }, { method: 'POST', path: '/x' });
    expect(isAlreadyExists(ours)).toBe(true);
    expect(isConflict(ours)).toBe(false);
    const apiException = Object.assign(new Error('HTTP-Code: 409'), { code: 409, body: '{"reason":"Conflict"}' });
    expect(isConflict(apiException)).toBe(true);
    const watchError = Object.assign(new Error('Gone'), { statusCode: 410 });
    expect(isGone(watchError)).toBe(true);
    expect(isNotFound({ code: 404 })).toBe(true);
    expect(errorStatus('nope')).toBeUndefined();
    expect(apiError(undefined, undefined, { method: 'GET', path: '/x' }, new Error('ECONNREFUSED')).retryable).toBe(
      true,
    );
    expect(apiError(422, { reason: 'Invalid' }, { method: 'POST', path: '/x' }).retryable).toBe(false);
  });
});

describe('EventRecorder', () => {
  it('sends events.k8s.io/v1 Events and drops repeats within the dedupe window', async () => {
    const time = new FakeTime();
    const c = recordingClient();
    const rec = new EventRecorder({ client: c, controller: 'gridlake.io/operator', instance: 'pod-1', deps: time });
    const ev = { type: 'Normal', reason: 'Created', action: 'Create', note: 'created child w-child' } as const;
    expect(await rec.record(widget, ev)).toBe(true);
    expect(await rec.record(widget, ev)).toBe(false);
    expect(await rec.record(widget, { ...ev, note: 'something else' })).toBe(true);
    await time.advance(600_000);
    expect(await rec.record(widget, ev)).toBe(true);
    expect(c.requests).toHaveLength(3);
    expect(c.requests[0]).toMatchObject({
      method: 'POST',
      path: '/apis/events.k8s.io/v1/namespaces/ns/events',
      body: {
        reportingController: 'gridlake.io/operator',
        reportingInstance: 'pod-1',
        reason: 'Created',
        type: 'Normal',
        regarding: { kind: 'Widget', name: 'w', uid: 'u1' },
      },
    });
  });

  it('never throws when the API refuses an event, and tries again next time', async () => {
    let fail = true;
    const c = recordingClient(() =>
      fail ? apiError(403, { reason: 'Forbidden' }, { method: 'POST', path: '/e' }) : undefined,
    );
    const rec = new EventRecorder({ client: c, controller: 'x', instance: 'y', deps: new FakeTime() });
    const ev = { type: 'Warning', reason: 'Failed', action: 'Create', note: 'n' } as const;
    expect(await rec.record(widget, ev)).toBe(false);
    fail = false;
    expect(await rec.record(widget, ev)).toBe(true);
  });
});
