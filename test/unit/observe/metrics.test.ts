import { describe, expect, it } from 'vitest';
import { createRegistry, GAUGES_NAMED_LIKE_COUNTERS } from '../../../src/observe/metrics.js';

describe('metrics registry', () => {
  it('keeps Node default metrics but drops gauges that promtool would flag for their _total suffix', async () => {
    const text = await createRegistry().metrics();
    expect(text).toContain('nodejs_heap_size_used_bytes');
    for (const name of GAUGES_NAMED_LIKE_COUNTERS) expect(text).not.toContain(`${name} `);
  });
});
