import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import { errorStatus } from '../../../src/k8s/api-errors.js';
import { EventRecorder } from '../../../src/k8s/events.js';
import type { KubeClient } from '../../../src/k8s/kube-client.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { writeStatus } from '../../../src/k8s/status-writer.js';
import { kube, type KubeInfo } from '../../infra/index.js';
import {
  WIDGET,
  client,
  createNamespace,
  createWidget,
  deleteNamespace,
  ensureWidgetCrd,
  patchWidget,
  widgetsPath,
} from './helpers.js';

/** Writes the controllers make, against the real API server: status, patches, events. */
let k: KubeInfo;
let c: KubeClient;
let ns: string;

beforeAll(async () => {
  k = await kube();
  c = client(k);
  await ensureWidgetCrd(c);
  ns = await createNamespace(c);
});

afterAll(async () => {
  await deleteNamespace(c, ns);
});

describe('writes on a real API server', () => {
  it('writes status only when it changed, and reports a stale resourceVersion as a conflict', async () => {
    let requests = 0;
    const counted = client(k, () => requests++);
    const w = await createWidget(c, ns, 'st');
    const first = await writeStatus(counted, WIDGET, w, { observedGeneration: 1 });
    expect(first.kind).toBe('written');
    const fresh = (first as { object: KubeObject }).object;
    expect((await writeStatus(counted, WIDGET, fresh, { observedGeneration: 1 })).kind).toBe('unchanged');
    expect(requests).toBe(1);
    await patchWidget(c, ns, 'st', { spec: { size: 9 } }); // someone else changes it
    expect((await writeStatus(counted, WIDGET, fresh, { observedGeneration: 2 })).kind).toBe('conflict');
    const now = await c.request<KubeObject>({ method: 'GET', path: `${widgetsPath(ns)}/st` });
    expect(now['status']).toEqual({ observedGeneration: 1 });
    expect(now['spec']).toEqual({ size: 9 }); // the /status subresource never touches spec
  });

  it('needs the merge-patch content type for a merge body; the JSON-Patch type client-node sends by default is refused', async () => {
    await createWidget(c, ns, 'patch');
    const path = `${widgetsPath(ns)}/patch`;
    const body = { spec: { size: 5 } };
    const refused = await c
      .request({ method: 'PATCH', path, body, contentType: 'application/json-patch+json' })
      .catch((e: unknown) => e);
    expect(errorStatus(refused)).toBeGreaterThanOrEqual(400);
    const ok = await c.request<KubeObject>({
      method: 'PATCH',
      path,
      body,
      contentType: 'application/merge-patch+json',
    });
    expect(ok['spec']).toEqual({ size: 5 });
  });

  it('records events.k8s.io/v1 Events that kubectl describe shows, once per repeat window', async () => {
    const w = await createWidget(c, ns, 'events');
    const rec = new EventRecorder({ client: c, controller: 'gridlake.io/k8stest', instance: 'test' });
    const ev = { type: 'Normal', reason: 'ChildCreated', action: 'Create', note: 'created events-child' } as const;
    expect(await rec.record(w, ev)).toBe(true);
    expect(await rec.record(w, ev)).toBe(false);
    const list = await eventually(
      'l.items.length > 0 ? l.items : undefined',
      async () => {
        const l = await c.request<{ items: { reason: string; regarding: { name: string; uid: string } }[] }>({
          method: 'GET',
          path: `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
        });
        return l.items.length > 0 ? l.items : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ reason: 'ChildCreated', regarding: { name: 'events', uid: w.metadata.uid } });
  });
});
