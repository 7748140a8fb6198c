import { afterEach, describe, expect, it } from 'vitest';
import { ServiceKey } from '../../../../src/sources/common/service-key.js';
import { TOPICS, type PowerSourceConfig } from '../../../../src/sources/source-tasks.js';
import { duplicates, HOUR, missingSlots, world } from '../harness.js';

const START = Date.parse('2026-11-23T00:00:00+09:00');
const DAY = 24 * HOUR;
const key = new ServiceKey('power+key/secret==');
const power = (extra: Partial<PowerSourceConfig> = {}): PowerSourceConfig => ({
  kind: 'power',
  source: 'grid/kpx',
  api: 'gateway',
  endpoint: 'http://sim',
  key,
  ...extra,
});

let w: ReturnType<typeof world> | null = null;
afterEach(async () => {
  await w?.close();
  w = null;
});

/** Slots of [from, to) as yyyyMMddHHmmss keys. */
function slotKeys(w: ReturnType<typeof world>): string[] {
  return w.keys(TOPICS.power);
}

describe('power collector on the development quota (history last page)', () => {
  it('delivers all 288 slots of a day once, within 100 calls per operation', async () => {
    w = world({ start: START - 2 * 60_000 });
    await w.run([power()], START + DAY + 10 * 60_000);
    const keys = slotKeys(w);
    expect(duplicates(keys)).toEqual([]);
    const day = keys.filter((k) => k.startsWith('20261123'));
    expect(day).toHaveLength(288);
    expect(w.budget.used(key.id, 'kpx.history', START + 12 * HOUR)).toBeLessThanOrEqual(100);
    expect(w.budget.used(key.id, 'kpx.latest', START + 12 * HOUR)).toBeLessThanOrEqual(2);
    // 72 polls of the last page + 1 anchor call, give or take the day edges.
    const historyCalls = w.calls.filter((u) => u.includes('Sukub5mToday')).length;
    expect(historyCalls).toBeGreaterThanOrEqual(70);
    expect(historyCalls).toBeLessThanOrEqual(76);
    // Values parse into contract-shaped readings.
    const first = JSON.parse(w.sink.records(TOPICS.power)[0]?.value ?? '{}') as Record<string, unknown>;
    expect(Object.keys(first).sort()).toEqual(
      [
        'v',
        'source',
        'baseTime',
        'baseDatetimeRaw',
        'supplyCapacityMw',
        'currentDemandMw',
        'forecastPeakMw',
        'supplyReserveMw',
        'supplyReservePct',
        'operatingReserveMw',
        'operatingReservePct',
        'ingestedAt',
      ].sort(),
    );
  });

  it('backfills the slots missed while it was down from history', async () => {
    w = world({ start: START + 10 * HOUR });
    // A previous run stopped at 04:00 (rn known from the simulator's numbering).
    const first = world({ start: START + 4 * HOUR + 3 * 60_000 });
    const warm = await first.run([power()], START + 4 * HOUR + 4 * 60_000);
    const checkpoint = warm.power[0]?.checkpoint ?? null;
    await first.close();
    expect(checkpoint?.baseMs).toBe(START + 4 * HOUR);
    await w.run([power({ checkpoint })], START + 11 * HOUR);
    const keys = slotKeys(w);
    expect(duplicates(keys)).toEqual([]);
    // 04:05 onwards, without a hole, up to the last poll before 11:00.
    expect(keys[0]).toBe('20261123040500');
    expect(missingSlots(keys)).toEqual([]);
    expect(keys.at(-1)! >= '20261123103500').toBe(true);
  });

  it('after a restart re-emits at most the last reading', async () => {
    w = world({ start: START });
    const a = await w.run([power()], START + 3 * HOUR);
    const checkpoint = a.power[0]?.checkpoint ?? null;
    const b = await w.run([power({ checkpoint })], START + 6 * HOUR);
    expect(b.power[0]?.checkpoint?.baseMs).toBeGreaterThan(checkpoint?.baseMs ?? 0);
    expect(duplicates(slotKeys(w)).length).toBeLessThanOrEqual(1);
  });
});

describe('power collector with a large budget (per slot)', () => {
  it('polls each slot and delivers 288 of 288', async () => {
    w = world({ start: START - 2 * 60_000, limits: { 'kpx.latest': 1000 }, sim: { quotaKpx: 1000 } });
    await w.run([power()], START + DAY + 10 * 60_000);
    const day = slotKeys(w).filter((k) => k.startsWith('20261123'));
    expect(day).toHaveLength(288);
    expect(duplicates(slotKeys(w))).toEqual([]);
    const latestCalls = w.calls.filter((u) => u.includes('getSukub5mMaxDatetime2')).length;
    expect(latestCalls).toBeLessThanOrEqual(300);
  });

  it('fills a gap after a failed slot from history', async () => {
    w = world({ start: START, limits: { 'kpx.latest': 1000 }, sim: { quotaKpx: 1000 } });
    const built = await w.run([power()], START + HOUR / 2);
    // Six 503s in a row: backoff spans several slots.
    w.sim.state.addFaults([{ api: 'kpx', kind: 'http', code: '503', remaining: 6 }]);
    await w.resume(built, START + 2 * HOUR);
    const keys = slotKeys(w);
    expect(duplicates(keys)).toEqual([]);
    expect(missingSlots(keys)).toEqual([]);
    expect(keys.at(-1)! >= '20261123015500').toBe(true);
    expect(w.calls.some((u) => u.includes('Sukub5mToday'))).toBe(true);
  });
});

describe('power collector faults', () => {
  it('stops on a refused key with a condition a person can act on', async () => {
    w = world({ start: START, sim: { keys: ['another-key'] } });
    const built = await w.run([power()], START + DAY);
    expect(w.calls).toHaveLength(1);
    const conditions = built.conditions()['grid/kpx'] ?? [];
    expect(conditions).toEqual([expect.objectContaining({ type: 'AuthFailed', reason: 'KeyRefused' })]);
    expect(conditions[0]?.message).toContain('Decoding key');
    expect(built.power[0]?.stopped).toBe(true);
  });

  it('pauses until 00:00 KST on a quota answer, then catches up the whole day from history', async () => {
    w = world({ start: START + 6 * HOUR, sim: { quotaKpx: 30 } });
    const built = await w.run([power()], START + DAY + 3 * HOUR);
    const conditions = built.conditions()['grid/kpx'] ?? [];
    expect(conditions.some((c) => c.type === 'QuotaExhausted')).toBe(false); // cleared by the first success after midnight
    const keys = slotKeys(w);
    expect(duplicates(keys)).toEqual([]);
    // Every slot from 06:00 on the 23rd to past 02:00 on the 24th arrived despite the quota.
    expect(keys[0]! <= '20261123060000').toBe(true);
    expect(keys.at(-1)! >= '20261124024000').toBe(true);
    expect(missingSlots(keys)).toEqual([]);
    // No call went out between the 22 and midnight.
    const q = w.sim.state.totals;
    expect((q.get('kpx.history') ?? 0) + (q.get('kpx.latest') ?? 0)).toBeLessThanOrEqual(31 + 12);
  });

  it('dead-letters a truncated answer and recovers', async () => {
    w = world({ start: START, sim: { faults: [{ api: 'kpx', kind: 'truncate', remaining: 1 }] } });
    await w.run([power()], START + 2 * HOUR);
    const dead = w.sink.records(TOPICS.deadLetter);
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]?.value ?? '{}')).toMatchObject({ v: 1, source: 'grid/kpx', stage: 'parse' });
    expect(missingSlots(slotKeys(w))).toEqual([]);
    expect(slotKeys(w).at(-1)! >= '20261123013500').toBe(true);
  });

  it('keeps a dead letter the bus refused and sends it before the next readings', async () => {
    w = world({ start: START, sim: { faults: [{ api: 'kpx', kind: 'truncate', remaining: 1 }] } });
    // The first send is the truncated answer's dead letter; the bus refuses it.
    w.sink.failNext = 1;
    await w.run([power()], START + 2 * HOUR);
    const dead = w.sink.records(TOPICS.deadLetter);
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]?.value ?? '{}')).toMatchObject({ v: 1, source: 'grid/kpx', stage: 'parse' });
    expect(w.logs.some((l) => l.includes('dead letters sent after the bus refused them'))).toBe(true);
    expect(w.logs.filter((l) => l.includes('dead letter could not be sent'))).toHaveLength(1);
    expect(missingSlots(slotKeys(w))).toEqual([]);
  });

  it('never writes the service key to logs, dead letters or records', async () => {
    w = world({
      start: START,
      sim: {
        faults: [
          { api: 'kpx', kind: 'truncate', remaining: 1 },
          { api: 'kpx', kind: 'http', code: '500', remaining: 2 },
        ],
      },
    });
    await w.run([power()], START + 3 * HOUR);
    const everything = [...w.logs, ...[...w.sink.topics.values()].flat().map((r) => r.value)].join('\n');
    expect(w.logs.length).toBeGreaterThan(0);
    expect(key.occursIn(everything)).toBe(false);
  });

  it('exposes polls by outcome, quota used and the domain gauges', async () => {
    w = world({ start: START, sim: { faults: [{ api: 'kpx', kind: 'http', code: '500', remaining: 1 }] } });
    await w.run([power()], START + 2 * HOUR);
    const text = await w.registry.metrics();
    expect(text).toMatch(/gridlake_source_polls_total\{kind="power",source="grid\/kpx",outcome="ok"\} \d+/);
    expect(text).toContain('gridlake_source_polls_total{kind="power",source="grid/kpx",outcome="http_error"} 1');
    expect(text).toMatch(/gridlake_source_quota_used_ratio\{kind="power",source="grid\/kpx"\} 0\.\d+/);
    expect(text).toMatch(/gridlake_power_demand_megawatts\{source="grid\/kpx"\} \d+/);
    expect(text).toMatch(/gridlake_source_records_total\{kind="power",source="grid\/kpx"\} 2[0-9]/);
  });
});
