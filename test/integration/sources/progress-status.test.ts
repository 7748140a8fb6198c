import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import { objectPath, type KubeClient } from '../../../src/k8s/kube-client.js';
import { ProgressReporter } from '../../../src/k8s/progress-reporter.js';
import { createLogger } from '../../../src/observe/log.js';
import { ServiceKey } from '../../../src/sources/common/service-key.js';
import type { SourceTasks } from '../../../src/sources/source-tasks.js';
import { kube } from '../../infra/index.js';
import { ensureCrds } from '../controllers/helpers.js';
import { client as makeClient, createNamespace, deleteNamespace, rand } from '../k8s/helpers.js';
import { HOUR, world } from '../../unit/sources/harness.js';

const POWER = { group: 'gridlake.io', version: 'v1alpha1', plural: 'powersources' };
const WEATHER = { group: 'gridlake.io', version: 'v1alpha1', plural: 'weathersources' };
const START = Date.parse('2026-11-23T06:00:00+09:00');
const secretRef = { name: 'data-go-kr', key: 'serviceKey' };

describe('collector status.progress on a real API server', () => {
  let client: KubeClient;
  let ns: string;
  let built: SourceTasks;
  let nowMs: number;
  const writes: string[] = [];
  const logs: string[] = [];
  const logger = createLogger({
    destination: new Writable({
      write(chunk: Buffer, _e, cb) {
        logs.push(chunk.toString());
        cb();
      },
    }),
  });

  beforeAll(async () => {
    const k = await kube();
    client = makeClient(k, ({ method, path, status }) => {
      if (method === 'PATCH') writes.push(`${path} ${status ?? 'net'}`);
    });
    await ensureCrds(k, client);
    ns = await createNamespace(client, `progress-${rand()}`);
    for (const [resource, kind, spec] of [
      [POWER, 'PowerSource', { serviceKeySecretRef: secretRef }],
      [
        WEATHER,
        'WeatherSource',
        {
          serviceKeySecretRef: secretRef,
          locations: [
            { name: 'seoul', nx: 60, ny: 127 },
            { name: 'busan', lat: 35.1796, lon: 129.0756 },
          ],
        },
      ],
    ] as const)
      await client.request({
        method: 'POST',
        path: objectPath({ ...resource, namespace: ns }, '').replace(/\/$/, ''),
        body: { apiVersion: 'gridlake.io/v1alpha1', kind, metadata: { name: 'src', namespace: ns }, spec },
      });
    // Real collectors against the simulator, so the blocks carry what a collector really reports.
    const w = world({ start: START, sim: { faults: [{ api: 'kma', kind: 'http', code: '503', probability: 0.2 }] } });
    built = await w.run(
      [
        { kind: 'power', source: `${ns}/src`, api: 'gateway', endpoint: 'http://sim', key: new ServiceKey('k1') },
        {
          kind: 'weather',
          source: `${ns}/src`,
          endpoint: 'http://sim',
          key: new ServiceKey('k2'),
          locations: [
            { name: 'seoul', nx: 60, ny: 127 },
            { name: 'busan', lat: 35.1796, lon: 129.0756 },
          ],
        },
      ],
      START + 3 * HOUR,
    );
    nowMs = w.clock.now();
    await w.close();
  }, 120_000);

  afterAll(async () => {
    if (ns) await deleteNamespace(client, ns);
  });

  const reporterFor = (kind: 'power' | 'weather', opts: { heartbeatMs?: number; name?: string } = {}) =>
    new ProgressReporter({
      client,
      target: { resource: kind === 'power' ? POWER : WEATHER, namespace: ns, name: opts.name ?? 'src' },
      reporter: 'collector-pod-1',
      snapshot: () => {
        const p = built.progress(nowMs).find((x) => x.kind === kind);
        return p ? { ...p.progress } : null;
      },
      logger,
      heartbeatMs: opts.heartbeatMs ?? 60_000,
    });

  const read = async (resource: typeof POWER, name = 'src') =>
    client.request<{ status?: { progress?: Record<string, unknown>; conditions?: unknown } }>({
      method: 'GET',
      path: objectPath({ ...resource, namespace: ns }, name),
    });

  it('writes a block the CRD schema accepts, on a resource that has no status yet', async () => {
    const before = writes.length;
    await reporterFor('power').report();
    // the JSON patch cannot add under a missing /status: the reporter falls back to a merge patch
    expect(writes.slice(before).map((w) => w.split(' ')[1])).toEqual(['422', '200']);
    const got = await read(POWER);
    const expected = built.progress(nowMs).find((x) => x.kind === 'power')?.progress;
    expect(got.status?.progress).toMatchObject({ ...expected, reporter: 'collector-pod-1' });
    expect(got.status?.progress?.['recordsTotal']).toBeGreaterThan(30);

    await reporterFor('weather').report();
    const weather = (await read(WEATHER)).status?.progress;
    expect(weather?.['locations']).toEqual([
      expect.objectContaining({ name: 'seoul', cellRule: 'given', temperatureC: expect.any(Number) }),
      expect.objectContaining({ name: 'busan', nx: 98, ny: 76, cellRule: 'lambert-round-half-up' }),
    ]);
  });

  it("replaces the block whole, so a previous pod's error does not linger, and leaves conditions alone", async () => {
    const path = `${objectPath({ ...POWER, namespace: ns }, 'src')}/status`;
    await client.request({
      method: 'PATCH',
      path,
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'Deployed',
              message: 'ok',
              lastTransitionTime: '2026-11-23T00:00:00Z',
            },
          ],
          progress: {
            reporter: 'old-pod',
            updatedAt: '2026-11-22T00:00:00Z',
            lastError: { class: 'auth', message: 'key refused', time: '2026-11-22T00:00:00Z' },
          },
        },
      },
    });
    await reporterFor('power').report();
    const status = (await read(POWER)).status;
    expect(status?.progress?.['reporter']).toBe('collector-pod-1');
    expect(status?.progress).not.toHaveProperty('lastError');
    expect(status?.conditions).toEqual([expect.objectContaining({ type: 'Ready', reason: 'Deployed' })]);
  });

  it('writes nothing while nothing changed and the heartbeat is not due, then writes the heartbeat', async () => {
    let now = Date.parse('2026-11-23T12:00:00Z');
    const r = new ProgressReporter({
      client,
      target: { resource: POWER, namespace: ns, name: 'src' },
      reporter: 'collector-pod-1',
      snapshot: () => ({ ...built.progress(nowMs).find((x) => x.kind === 'power')?.progress }),
      logger,
      heartbeatMs: 60_000,
      now: () => now,
    });
    const before = writes.length;
    await r.report();
    await r.report();
    now += 30_000;
    await r.report();
    expect(writes.length - before).toBe(1);
    now += 31_000;
    await r.report();
    expect(writes.length - before).toBe(2);
    expect((await read(POWER)).status?.progress?.['updatedAt']).toBe(new Date(now).toISOString());
  });

  it('logs a missing resource once and keeps working (never throws into the collector)', async () => {
    const r = reporterFor('power', { name: 'gone' });
    await r.report(true);
    await r.report(true);
    const lines = logs.filter((l) => l.includes('status.progress not written') && l.includes('/gone'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('the resource is gone');
    await eventually('r.stop().then(() => true)', () => r.stop().then(() => true), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
  });
});
