import { describe, expect, it } from 'vitest';
import { MIN_SIMULATED_SLEEP_MS, pipelineTime } from '../../../src/embedded/pipeline-time.js';

const START = Date.parse('2026-11-03T00:20:00+09:00');

/** Wall ms `f` takes. */
async function wallMs(f: () => Promise<void>): Promise<number> {
  const began = performance.now();
  await f();
  return performance.now() - began;
}

describe('pipelineTime', () => {
  it('is the wall clock without a simulation', () => {
    const t = pipelineTime(new AbortController().signal);
    expect(Math.abs(t.clock.now() - Date.now())).toBeLessThan(50);
    expect(Math.abs(t.busClock.now() - Date.now())).toBeLessThan(50);
  });

  it('gives the sink the same simulated instant as the collectors and the scheduler', async () => {
    const t = pipelineTime(new AbortController().signal, { startMs: START, speed: 1000 });
    expect(t.clock.now() - START).toBeLessThan(1000 * 50);
    await new Promise((r) => setTimeout(r, 30));
    const [a, b] = [t.clock.now(), t.busClock.now()];
    expect(a - START).toBeGreaterThanOrEqual(30 * 1000 * 0.9);
    expect(Math.abs(a - b)).toBeLessThan(1000 * 20);
  });

  it('sleeps simulated milliseconds, a bus sleep at least a few wall milliseconds', async () => {
    const t = pipelineTime(new AbortController().signal, { startMs: START, speed: 1000 });
    expect(await wallMs(() => t.sleep(100_000))).toBeGreaterThanOrEqual(95);
    // a 1 s sink tick at 1000x would be 1 ms: floored so the tick does not spin
    expect(await wallMs(() => t.busClock.sleep(1000))).toBeGreaterThanOrEqual(MIN_SIMULATED_SLEEP_MS - 1);
    expect(await wallMs(() => t.busClock.sleep(60_000))).toBeGreaterThanOrEqual(59);
  });

  it('wakes a bus sleep when its own signal aborts', async () => {
    const t = pipelineTime(new AbortController().signal, { startMs: START, speed: 10 });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 20);
    expect(await wallMs(() => t.busClock.sleep(3_600_000, abort.signal))).toBeLessThan(1000);
  });

  it.each([
    ['wall', undefined],
    ['simulated', { startMs: START, speed: 10 }],
  ])(
    'ends every %s sleep when the pipeline stops (a next firing hours away must not hold the process)',
    async (_, sim) => {
      const stop = new AbortController();
      const t = pipelineTime(stop.signal, sim);
      setTimeout(() => stop.abort(), 20);
      expect(await wallMs(() => t.sleep(12 * 3_600_000))).toBeLessThan(1000);
      expect(await wallMs(() => t.sleep(12 * 3_600_000))).toBeLessThan(20); // already stopped
    },
  );
});
