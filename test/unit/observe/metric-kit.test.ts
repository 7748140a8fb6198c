import { Registry, type Gauge } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { metricMakers } from '../../../src/observe/metric-kit.js';

describe('metric makers', () => {
  it('hands out the metric a registry already holds instead of registering a second one', () => {
    const registry = new Registry();
    const a = metricMakers(registry).counter('x_total', 'first', ['l']);
    const b = metricMakers(registry).counter('x_total', 'second', ['l']);
    expect(b).toBe(a);
    expect(registry.getMetricsAsArray()).toHaveLength(1);
  });

  it('registers gauges with their collect function and histograms with their buckets', async () => {
    const registry = new Registry();
    const { gauge, histogram } = metricMakers(registry);
    let computed = 0;
    const g: Gauge<'l'> = gauge('g', 'computed at scrape', ['l'], () => g.set({ l: 'a' }, ++computed));
    histogram('h_seconds', 'durations', ['l'], [1, 5]).observe({ l: 'a' }, 2);
    const text = await registry.metrics();
    expect(text).toContain('g{l="a"} 1');
    expect(text).toContain('h_seconds_bucket{le="1",l="a"} 0');
    expect(text).toContain('h_seconds_bucket{le="5",l="a"} 1');
  });
});
