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
    expect(text).not.toMatch(/^gridlake_join_last_success\w+\{join="hub\/daily"/m);
  });

  it("make each join's run counters exist at 0, so the first failed run is an increase the alert sees", async () => {
    const registry = new Registry();
    registerDailyJoinMetrics(registry, cache([join('daily', {})]));
    // Made at a scrape (the gauges' collect), shown from the next one: long before a Job's run can finish.
    await registry.metrics();
    const text = await registry.metrics();
    for (const outcome of ['succeeded', 'partial', 'no_input', 'failed'])
      expect(text).toContain(`gridlake_join_runs_total{join="hub/daily",outcome="${outcome}"} 0`);
  });
});
