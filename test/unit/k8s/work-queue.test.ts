import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../../src/observe/metrics.js';
import { RateLimiter } from '../../../src/k8s/rate-limiter.js';
import { runtimeMetrics } from '../../../src/k8s/runtime-metrics.js';
import { WorkQueue, type WorkHandler, type WorkResult } from '../../../src/k8s/work-queue.js';
import { FakeTime, flush } from './fake-time.js';

/** A handler whose calls stay open until the test settles them. */
function gatedHandler() {
  const calls: { key: string; settle: (r: WorkResult | Error) => void; signal: AbortSignal }[] = [];
  let running = 0;
  let maxRunning = 0;
  const runningKeys = new Set<string>();
  let overlap = false;
  const handler: WorkHandler = (key, signal) =>
    new Promise<WorkResult>((resolve, reject) => {
      if (runningKeys.has(key)) overlap = true;
      runningKeys.add(key);
      running++;
      maxRunning = Math.max(maxRunning, running);
      calls.push({
        key,
        signal,
        settle: (r) => {
          running--;
          runningKeys.delete(key);
          if (r instanceof Error) reject(r);
          else resolve(r);
        },
      });
    });
  return {
    handler,
    calls,
    get maxRunning() {
      return maxRunning;
    },
    get overlap() {
      return overlap;
    },
  };
}

function newQueue(
  time: FakeTime,
  handler: WorkHandler,
  extra: Partial<ConstructorParameters<typeof WorkQueue>[0]> = {},
) {
  return new WorkQueue({ name: 'test', handler, deps: time, ...extra });
}

describe('WorkQueue', () => {
  it('processes a key added many times while queued only once', async () => {
    const time = new FakeTime();
    const seen: string[] = [];
    const q = newQueue(time, async (k) => (seen.push(k), { kind: 'done' }), { paused: true });
    for (let i = 0; i < 5; i++) q.add('ns/a');
    q.add('ns/b');
    expect(q.depth).toBe(2);
    q.resume();
    await flush();
    expect(seen).toEqual(['ns/a', 'ns/b']);
  });

  it('never processes one key concurrently and runs it once more when added in flight', async () => {
    const time = new FakeTime();
    const h = gatedHandler();
    const q = newQueue(time, h.handler, { maxConcurrency: 4 });
    q.add('k');
    await flush();
    q.add('k');
    q.add('k');
    await flush();
    expect(h.calls).toHaveLength(1);
    h.calls[0]!.settle({ kind: 'done' });
    await flush();
    expect(h.calls).toHaveLength(2);
    expect(h.overlap).toBe(false);
    h.calls[1]!.settle({ kind: 'done' });
    await flush();
    expect(h.calls).toHaveLength(2);
  });

  it('runs at most maxConcurrency keys at once', async () => {
    const time = new FakeTime();
    const h = gatedHandler();
    const q = newQueue(time, h.handler, { maxConcurrency: 3 });
    for (let i = 0; i < 10; i++) q.add(`k${i}`);
    await flush();
    expect(h.calls).toHaveLength(3);
    expect(q.active).toBe(3);
    while (h.calls.some((c) => c.settle !== undefined)) {
      const open = h.calls.splice(0, h.calls.length);
      if (open.length === 0) break;
      for (const c of open) c.settle({ kind: 'done' });
      await flush();
    }
    expect(h.maxRunning).toBe(3);
    expect(q.depth).toBe(0);
  });

  it('backs off a failing key exponentially from 5 ms and forgets on success', async () => {
    const time = new FakeTime();
    const at: number[] = [];
    let failures = 4;
    const q = newQueue(time, async () => {
      at.push(time.now());
      return failures-- > 0 ? { kind: 'retry' } : { kind: 'done' };
    });
    const t0 = time.now();
    q.add('k');
    await time.advance(1000);
    expect(at.map((t) => t - t0)).toEqual([0, 5, 15, 35, 75]);
    expect(q.numRequeues('k')).toBe(0);
  });

  it('caps the per-key delay at maxDelayMs', () => {
    const time = new FakeTime();
    const rl = new RateLimiter({ baseDelayMs: 5, maxDelayMs: 1000, qps: 0 }, () => time.now());
    const delays = Array.from({ length: 12 }, () => rl.when('k'));
    expect(delays).toEqual([5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000, 1000]);
    expect(rl.when('other')).toBe(5);
  });

  it('limits retries of many keys with the shared token bucket after the burst', () => {
    const time = new FakeTime();
    const rl = new RateLimiter({ qps: 10, burst: 2 }, () => time.now());
    expect([rl.when('a'), rl.when('b'), rl.when('c'), rl.when('d')]).toEqual([5, 5, 100, 200]);
  });

  it('retries a key whose handler throws and reports the error', async () => {
    const time = new FakeTime();
    const errors: unknown[] = [];
    let calls = 0;
    const q = newQueue(
      time,
      async () => {
        calls++;
        if (calls === 1) throw new Error('boom');
        return { kind: 'done' };
      },
      { onError: (_k, e) => errors.push(e) },
    );
    q.add('k');
    await flush();
    expect(calls).toBe(1);
    await time.advance(5);
    expect(calls).toBe(2);
    expect(errors).toHaveLength(1);
  });

  it('requeues after the requested delay and keeps the earliest of two delays', async () => {
    const time = new FakeTime();
    const at: number[] = [];
    const t0 = time.now();
    const q = newQueue(time, async () => (at.push(time.now() - t0), { kind: 'done' }));
    q.addAfter('k', 500);
    q.addAfter('k', 200);
    q.addAfter('k', 900);
    await time.advance(199);
    expect(at).toEqual([]);
    await time.advance(1000);
    expect(at).toEqual([200]);
    const q2 = newQueue(time, async () => (at.push(time.now() - t0), { kind: 'requeue', afterMs: 60_000 }));
    q2.add('r');
    await time.advance(60_000);
    expect(at.slice(1)).toEqual([1199, 61_199]);
    await q2.shutdown({ drain: false });
  });

  it('drains queued keys on shutdown, waits for work in flight and then refuses adds', async () => {
    const time = new FakeTime();
    const h = gatedHandler();
    const q = newQueue(time, h.handler);
    q.add('a');
    q.add('b');
    q.addAfter('later', 10_000);
    await flush();
    let finished = false;
    const done = q.shutdown().then(() => (finished = true));
    q.add('c');
    await flush();
    expect(finished).toBe(false);
    h.calls[0]!.settle({ kind: 'retry' }); // a retry during shutdown is dropped
    await flush();
    expect(h.calls.map((c) => c.key)).toEqual(['a', 'b']);
    h.calls[1]!.settle({ kind: 'done' });
    await done;
    expect(finished).toBe(true);
    expect(q.delayed).toBe(0);
    await time.advance(20_000);
    expect(h.calls.map((c) => c.key)).toEqual(['a', 'b']);
  });

  it('aborts handlers that outlive the shutdown timeout', async () => {
    const time = new FakeTime();
    const h = gatedHandler();
    const q = newQueue(time, h.handler);
    q.add('slow');
    await flush();
    const done = q.shutdown({ timeoutMs: 1000 });
    await time.advance(1000);
    await done;
    expect(h.calls[0]!.signal.aborted).toBe(true);
  });

  it('takes no keys while paused and resumes where it stopped', async () => {
    const time = new FakeTime();
    const seen: string[] = [];
    const q = newQueue(time, async (k) => (seen.push(k), { kind: 'done' }), { paused: true });
    q.add('a');
    await flush();
    expect(seen).toEqual([]);
    q.resume();
    await flush();
    expect(seen).toEqual(['a']);
  });

  it('exports workqueue_* metrics labelled by queue name', async () => {
    const time = new FakeTime();
    const registry = createRegistry({ defaultMetrics: false });
    const metrics = runtimeMetrics(registry);
    const h = gatedHandler();
    const q = newQueue(time, h.handler, { metrics, name: 'powersource' });
    q.add('a');
    q.add('b');
    await flush();
    await time.advance(2000);
    const text = await registry.metrics();
    expect(text).toContain('workqueue_depth{name="powersource"} 1');
    expect(text).toContain('workqueue_adds_total{name="powersource"} 2');
    expect(text).toContain('workqueue_longest_running_processor_seconds{name="powersource"} 2');
    h.calls[0]!.settle({ kind: 'retry' });
    await flush();
    expect(await registry.metrics()).toContain('workqueue_retries_total{name="powersource"} 1');
    expect(runtimeMetrics(registry)).toBe(metrics);
  });

  it('keeps its invariants under any sequence of adds, failures and time steps', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('add' as const), key: fc.integer({ min: 0, max: 4 }) }),
            fc.record({ op: fc.constant('settle' as const), ok: fc.boolean() }),
            fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 50 }) }),
          ),
          { maxLength: 60 },
        ),
        async (ops) => {
          const time = new FakeTime();
          const h = gatedHandler();
          const q = newQueue(time, h.handler, { maxConcurrency: 2, qps: 0 });
          const lastAdd = new Map<string, number>();
          const started = new Map<string, number>();
          let step = 0;
          const origLen = () => h.calls.length;
          let seenCalls = 0;
          const note = () => {
            for (; seenCalls < origLen(); seenCalls++) started.set(h.calls[seenCalls]!.key, step);
          };
          for (const o of ops) {
            step++;
            if (o.op === 'add') {
              q.add(`k${o.key}`);
              lastAdd.set(`k${o.key}`, step);
            } else if (o.op === 'settle') {
              const open = h.calls.find((c) => !(c as { done?: boolean }).done);
              if (open) {
                (open as { done?: boolean }).done = true;
                open.settle({ kind: o.ok ? 'done' : 'retry' });
              }
            } else await time.advance(o.ms);
            await flush(5);
            note();
            expect(q.active).toBeLessThanOrEqual(2);
          }
          // Settle everything and let all retries run: every key added must have started after its last add.
          for (let i = 0; i < 200 && (q.active > 0 || q.depth > 0 || q.delayed > 0); i++) {
            step++;
            for (const c of h.calls) {
              if (!(c as { done?: boolean }).done) {
                (c as { done?: boolean }).done = true;
                c.settle({ kind: 'done' });
              }
            }
            await time.advance(100);
            note();
          }
          expect(h.overlap).toBe(false);
          for (const [key, at] of lastAdd) expect(started.get(key)).toBeGreaterThanOrEqual(at);
        },
      ),
      { numRuns: 60 },
    );
  });
});
