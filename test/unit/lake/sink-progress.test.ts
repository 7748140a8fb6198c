import { describe, expect, it } from 'vitest';
import { SinkProgress } from '../../../src/lake/sink-progress.js';

const T = Date.parse('2026-03-10T03:00:00.750Z');

describe('SinkProgress', () => {
  it('says nothing before it has seen a topic', () => {
    expect(new SinkProgress().snapshot()).toBeNull();
  });

  it('sums flushes and lag over topics, and keeps each topic’s last flush', () => {
    const p = new SinkProgress();
    p.lag('b', 7);
    p.flushed(
      'a',
      [
        { records: 10, bytes: 100 },
        { records: 5, bytes: 50 },
      ],
      T,
    );
    p.flushed('b', [{ records: 1, bytes: 9 }], T + 60_000);
    p.lag('a', 3);
    expect(p.snapshot()).toEqual({
      lastFlushTime: '2026-03-10T03:01:00Z',
      filesTotal: 3,
      recordsTotal: 16,
      bytesTotal: 159,
      lagRecords: 10,
      topics: [
        { topic: 'a', lagRecords: 3, lastFlushTime: '2026-03-10T03:00:00Z' },
        { topic: 'b', lagRecords: 7, lastFlushTime: '2026-03-10T03:01:00Z' },
      ],
    });
  });

  it('reports a store error while the outage lasts, then drops it', () => {
    const p = new SinkProgress();
    p.lag('a', 0);
    p.storeFailed(new Error('connect ECONNREFUSED'), T);
    expect(p.snapshot()?.lastError).toEqual({
      class: 'Error',
      message: 'lake store failing, consumption paused: connect ECONNREFUSED',
      time: '2026-03-10T03:00:00Z',
    });
    p.storeRecovered();
    expect(p.snapshot()).not.toHaveProperty('lastError');
  });
});
