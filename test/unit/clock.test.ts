import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock, type Clock } from '../../src/clock.js';
import { MIN_SIMULATED_SLEEP_MS, SimClock } from '../../src/sources/simulator/sim-clock.js';

const START = Date.parse('2026-11-03T00:20:00+09:00');

/** Wall ms `f` takes. */
async function wallMs(f: () => Promise<void>): Promise<number> {
  const began = performance.now();
  await f();
  return performance.now() - began;
}

/** Settles `p` if it can within the current turn (plus a tick), else reports it pending. */
async function state(p: Promise<void>): Promise<'done' | 'pending'> {
  return Promise.race([p.then(() => 'done' as const), new Promise<'pending'>((r) => setImmediate(() => r('pending')))]);
}

describe('systemClock', () => {
  it('is the wall clock', () => {
    expect(Math.abs(systemClock.now() - Date.now())).toBeLessThan(50);
  });

  it('ends a sleep, and clears its timer, when the signal aborts (a stopped collector must not wait an hour)', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 20);
    expect(await wallMs(() => systemClock.sleep(12 * 3_600_000, stop.signal))).toBeLessThan(1000);
    expect(await wallMs(() => systemClock.sleep(12 * 3_600_000, stop.signal))).toBeLessThan(20); // already stopped
    expect(await wallMs(() => systemClock.sleep(30))).toBeGreaterThanOrEqual(25);
  });
});

describe('ManualClock', () => {
  it('wakes a sleeper when time reaches its deadline, not before, in deadline order', async () => {
    const clock = new ManualClock(1000);
    const woke: string[] = [];
    const late = clock.sleep(300).then(() => woke.push(`late@${clock.now()}`));
    const early = clock.sleep(100).then(() => woke.push(`early@${clock.now()}`));
    expect(clock.pending).toBe(2);
    expect(clock.nextWakeAt).toBe(1100);
    clock.advance(99);
    expect(await state(early.then(() => undefined))).toBe('pending');
    clock.advance(1);
    await early;
    expect(woke).toEqual(['early@1100']);
    clock.advanceTo(5000);
    await late;
    expect(woke).toEqual(['early@1100', 'late@5000']);
    expect(clock.now()).toBe(5000);
    expect(clock.pending).toBe(0);
  });

  it('never moves backward, and a sleep of nothing or on an aborted signal returns at once', async () => {
    const clock = new ManualClock(1000);
    clock.advance(-50);
    clock.advanceTo(10);
    expect(clock.now()).toBe(1000);
    expect(await state(clock.sleep(0))).toBe('done');
    expect(await state(clock.sleep(-5))).toBe('done');
    expect(await state(clock.sleep(100, AbortSignal.abort()))).toBe('done');
    expect(clock.pending).toBe(0);
  });

  it('drops a sleeper whose signal aborts', async () => {
    const clock = new ManualClock(0);
    const stop = new AbortController();
    const sleeping = clock.sleep(1000, stop.signal);
    stop.abort();
    expect(await state(sleeping)).toBe('done');
    expect(clock.pending).toBe(0);
    expect(clock.now()).toBe(0);
  });

  it('with autoAdvance, jumps to the deadline of each sleep, so a simulated day runs in milliseconds', async () => {
    const clock = new ManualClock(0, { autoAdvance: true });
    const began = performance.now();
    for (let i = 0; i < 288; i++) await clock.sleep(300_000);
    expect(clock.now()).toBe(86_400_000);
    expect(performance.now() - began).toBeLessThan(1000);
    expect(clock.pending).toBe(0);
  });

  it('runFor lets a loop that sleeps again inside the span wake again at its own times', async () => {
    const clock = new ManualClock(0);
    const ticks: number[] = [];
    const stop = new AbortController();
    const loop = (async (): Promise<void> => {
      while (!stop.signal.aborted) {
        await clock.sleep(100, stop.signal);
        ticks.push(clock.now());
      }
    })();
    await clock.runFor(350);
    expect(ticks).toEqual([100, 200, 300]);
    expect(clock.now()).toBe(350);
    stop.abort();
    await loop;
  });
});

describe('SimClock', () => {
  it('runs speed times faster than its base clock from its start', () => {
    const base = new ManualClock(1_000_000);
    const clock: Clock = new SimClock(START, 60, base);
    expect(clock.now()).toBe(START);
    base.advance(1000);
    expect(clock.now()).toBe(START + 60_000);
  });

  it('sleeps simulated milliseconds, and at least a few wall milliseconds so a 1 s tick at 1000x does not spin', async () => {
    const clock = new SimClock(START, 1000);
    expect(await wallMs(() => clock.sleep(100_000))).toBeGreaterThanOrEqual(95);
    expect(await wallMs(() => clock.sleep(1000))).toBeGreaterThanOrEqual(MIN_SIMULATED_SLEEP_MS - 1);
    expect(await wallMs(() => clock.sleep(60_000))).toBeGreaterThanOrEqual(59);
    expect(clock.now() - START).toBeGreaterThanOrEqual(160_000 * 0.9);
  });

  it('ends every sleep when its signal aborts (a next firing hours away must not hold the process)', async () => {
    const clock = new SimClock(START, 10);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 20);
    expect(await wallMs(() => clock.sleep(12 * 3_600_000, stop.signal))).toBeLessThan(1000);
    expect(await wallMs(() => clock.sleep(12 * 3_600_000, stop.signal))).toBeLessThan(20); // already stopped
  });
});
