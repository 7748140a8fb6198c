import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerDailyJoinMetrics } from '../../../controllers/daily-join-metrics.js';
import type { Informer } from '../../../src/k8s/informer.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';

const cache = (objects: KubeObject[]): Informer => ({ list: () => objects }) as unknown as Informer;
const join = (name: string, status: Record<string, unknown>): KubeObject => ({
  apiVersion: 'gridlake.io/v1alpha1',
  kind: 'DailyJoin',
  metadata: { name, namespace: 'hub' },
  status,
});

describe("the controller's DailyJoin gauges", () => {
  it('give each join its newest successful date (00:00 KST) and time, and nothing for a join that never succeeded', async () => {
    const joins = [join('daily', {}), join('power-weather', {})];
    const registry = new Registry();
    registerDailyJoinMetrics(registry, cache(joins));
    expect(await registry.metrics()).not.toMatch(/^gridlake_join_last_success\w+\{/m);
    joins[1] = join('power-weather', { lastSuccessfulDate: '2026-12-05', lastSuccessfulTime: '2026-12-06T16:31:05Z' });
    const text = await registry.metrics();
    expect(text).toContain(
      `gridlake_join_last_success_date_timestamp_seconds{join="hub/power-weather"} ${Date.parse('2026-12-05T00:00:00+09:00') / 1000}`,
    );
    expect(text).toContain(
      `gridlake_join_last_success_timestamp_seconds{join="hub/power-weather"} ${Date.parse('2026-12-06T16:31:05Z') / 1000}`,
    );
    expect(text).not.toContain('join="hub/daily"');
  });
});
