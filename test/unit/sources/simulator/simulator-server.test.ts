import { afterEach, describe, expect, it } from 'vitest';
import { parseKmaAnswer } from '../../../../src/sources/kma/kma-parser.js';
import { parseKpxAnswer } from '../../../../src/sources/kpx/kpx-parser.js';
import { ManualClock } from '../../../../src/clock.js';
import { createSimulator } from '../../../../src/sources/simulator/simulator-server.js';
import { sample } from '../samples.js';

const T0 = Date.parse('2026-11-23T14:17:00+09:00');
const KEY = 'abc+def/ghi==';
const enc = encodeURIComponent(KEY);
const ctx = { source: 'ns/x', location: 'seoul', ingestedAt: T0 };

/** The shape of a JSON value: keys and primitive types, recursively (values ignored). */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? [] : [shape(v[0])];
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
  return typeof v;
}

let close: (() => Promise<unknown>) | null = null;
afterEach(async () => {
  await close?.();
  close = null;
});

function sim(config?: unknown) {
  const clock = new ManualClock(T0);
  const s = createSimulator({ clock, config, sleep: async () => {} });
  close = () => s.app.close();
  const get = (path: string) => s.app.inject({ method: 'GET', url: path });
  return { ...s, clock, get };
}

describe('simulator answers in the real shapes', () => {
  it('serves the latest slot shaped like samples/kpx-latest.json', async () => {
    const { get } = sim();
    const res = await get(
      `/B552115/sukub5mMaxDatetime2/getSukub5mMaxDatetime2?serviceKey=${enc}&pageNo=1&numOfRows=1&dataType=json`,
    );
    expect(res.statusCode).toBe(200);
    expect(shape(JSON.parse(res.body))).toEqual(shape(JSON.parse(sample('kpx-latest.json'))));
    const a = parseKpxAnswer(200, res.body, ctx);
    expect(a.outcome).toBe('ok');
    // 14:15 is published from 14:16 (60 s delay); the clock says 14:17.
    if (a.outcome === 'ok') expect(a.rows[0]?.reading.baseDatetimeRaw).toBe('20261123141500');
  });

  it('serves history pages shaped like samples/kpx-history-page.json, newest on the last page', async () => {
    const { get } = sim();
    const first = await get(
      `/B552115/Sukub5mToday/getSukub5mToday?serviceKey=${enc}&pageNo=1&numOfRows=1&dataType=json`,
    );
    const total = Number(
      (JSON.parse(first.body) as { response: { body: { totalCount: string } } }).response.body.totalCount,
    );
    const lastPage = Math.ceil(total / 2);
    const res = await get(
      `/B552115/Sukub5mToday/getSukub5mToday?serviceKey=${enc}&pageNo=${lastPage}&numOfRows=2&dataType=json`,
    );
    const a = parseKpxAnswer(200, res.body, ctx);
    expect(a.outcome).toBe('ok');
    if (a.outcome !== 'ok') return;
    expect(a.rows.at(-1)?.reading.baseDatetimeRaw).toBe('20261123141500');
    expect(a.rows.at(-1)?.rn).toBe(total);
    expect(a.rows.every((r) => r.reading.forecastPeakMw === null)).toBe(true);
    if (a.rows.length === 2)
      expect(shape(JSON.parse(res.body))).toEqual(shape(JSON.parse(sample('kpx-history-page.json'))));
    const beyond = await get(
      `/B552115/Sukub5mToday/getSukub5mToday?serviceKey=${enc}&pageNo=${total + 1}&numOfRows=1&dataType=json`,
    );
    expect(parseKpxAnswer(200, beyond.body, ctx).outcome).toBe('no_data');
  });

  it('keeps reserve consistent with capability and demand', async () => {
    const { get } = sim();
    const res = await get(
      `/B552115/Sukub5mToday/getSukub5mToday?serviceKey=${enc}&pageNo=5000&numOfRows=288&dataType=json`,
    );
    const a = parseKpxAnswer(200, res.body, ctx);
    if (a.outcome !== 'ok') throw new Error(a.outcome);
    for (const { reading: r } of a.rows) {
      expect(Math.abs(r.supplyCapacityMw - r.currentDemandMw - (r.supplyReserveMw ?? 0))).toBeLessThan(0.01);
      expect(Math.abs(((r.supplyReserveMw ?? 0) / r.currentDemandMw) * 100 - (r.supplyReservePct ?? 0))).toBeLessThan(
        0.01,
      );
      expect(r.currentDemandMw).toBeGreaterThan(40_000);
      expect(r.currentDemandMw).toBeLessThan(100_000);
    }
  });

  it('answers the legacy operation with code 20 by default and with XML data when allowed', async () => {
    const { get, state } = sim();
    const path = `/openapi/sukub5mMaxDatetime/getSukub5mMaxDatetime?serviceKey=${enc}`;
    expect((await get(path)).body).toBe(sample('kpx-legacy-denied.xml').trim());
    state.update({ legacyDenied: false });
    const a = parseKpxAnswer(200, (await get(path)).body, ctx);
    expect(a.outcome).toBe('ok');
  });

  it('publishes a KMA hour from HH:10 and serves it shaped like samples/kma-ncst-ok.json', async () => {
    const { get, clock } = sim();
    const url = (time: string) =>
      `/1360000/VilageFcstInfoService_2.0/getUltraSrtNcst?serviceKey=${enc}&pageNo=1&numOfRows=10&dataType=JSON&base_date=20261123&base_time=${time}&nx=60&ny=127`;
    expect((await get(url('1500'))).body).toBe(sample('kma-ncst-nodata.json').trim());
    clock.advanceTo(Date.parse('2026-11-23T15:10:00+09:00'));
    const res = await get(url('1500'));
    expect(shape(JSON.parse(res.body))).toEqual(shape(JSON.parse(sample('kma-ncst-ok.json'))));
    expect(parseKmaAnswer(200, res.body, ctx).outcome).toBe('ok');
    const xml = await get(url('1400').replace('dataType=JSON', 'dataType=XML'));
    expect(xml.body.startsWith('<?xml')).toBe(true);
    expect(parseKmaAnswer(200, xml.body, ctx).outcome).toBe('ok');
  });

  it('is deterministic: the same hour and cell give the same body', async () => {
    const a = sim();
    const url = `/1360000/VilageFcstInfoService_2.0/getUltraSrtNcst?serviceKey=${enc}&dataType=JSON&base_date=20261123&base_time=1200&nx=98&ny=76`;
    const one = (await a.get(url)).body;
    const two = (await a.get(url)).body;
    expect(one).toBe(two);
  });
});

describe('simulator keys, quotas, faults and allow-list', () => {
  const latest = (key = enc) => `/B552115/sukub5mMaxDatetime2/getSukub5mMaxDatetime2?serviceKey=${key}&dataType=json`;

  it('refuses a double-encoded key with gateway code 30', async () => {
    const { get } = sim();
    const res = await get(latest(encodeURIComponent(enc)));
    expect(parseKpxAnswer(200, res.body, ctx)).toMatchObject({ outcome: 'auth', code: '30' });
  });

  it('counts calls per key and answers 22 past the quota until 00:00 KST', async () => {
    const { get, clock } = sim({ quotaKpx: 3 });
    for (let i = 0; i < 3; i++) expect(parseKpxAnswer(200, (await get(latest())).body, ctx).outcome).toBe('ok');
    expect(parseKpxAnswer(200, (await get(latest())).body, ctx)).toMatchObject({ outcome: 'quota', code: '22' });
    expect(parseKpxAnswer(200, (await get(latest('other'))).body, ctx).outcome).toBe('ok');
    clock.advanceTo(Date.parse('2026-11-24T00:00:00+09:00'));
    expect(parseKpxAnswer(200, (await get(latest())).body, ctx).outcome).toBe('ok');
  });

  it.each([
    [{ kind: 'http', code: '401' }, 401, 'auth'],
    [{ kind: 'http', code: '429' }, 429, 'http_error'],
    [{ kind: 'http', code: '503' }, 503, 'http_error'],
    [{ kind: 'gateway', code: '22' }, 200, 'quota'],
    [{ kind: 'gateway', code: '32' }, 200, 'auth'],
    [{ kind: 'result', code: '99' }, 200, 'http_error'],
    [{ kind: 'result', code: '10' }, 200, 'bad_request'],
    [{ kind: 'html' }, 200, 'http_error'],
    [{ kind: 'truncate' }, 200, 'malformed'],
  ])('injects %j at run time', async (fault, status, outcome) => {
    const { app, get } = sim();
    const put = await app.inject({
      method: 'PUT',
      url: '/_sim/faults',
      payload: [{ ...fault, api: 'kpx', remaining: 1 }],
    });
    expect(put.statusCode).toBe(200);
    const res = await get(latest());
    expect(res.statusCode).toBe(status);
    expect(parseKpxAnswer(res.statusCode, res.body, ctx).outcome).toBe(outcome);
    expect(parseKpxAnswer(200, (await get(latest())).body, ctx).outcome).toBe('ok');
  });

  it('serves missing-value markers like samples/kma-ncst-missing.json', async () => {
    const { get } = sim({ faults: [{ api: 'kma', kind: 'missing' }] });
    const res = await get(
      `/1360000/VilageFcstInfoService_2.0/getUltraSrtNcst?serviceKey=${enc}&dataType=JSON&base_date=20261123&base_time=1200&nx=60&ny=127`,
    );
    const a = parseKmaAnswer(200, res.body, ctx);
    if (a.outcome !== 'ok') throw new Error(a.outcome);
    expect(a.rows[0]?.missing).toEqual(['REH', 'UUU', 'VEC', 'WSD']);
  });

  it('rejects an invalid fault with 400 and a readable message', async () => {
    const { app } = sim();
    const res = await app.inject({ method: 'PUT', url: '/_sim/faults', payload: [{ kind: 'explode' }] });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'GL_SOURCES_SIM_OPTION_INVALID' });
  });

  it('drops connections from addresses outside the allow-list', async () => {
    const { app } = sim({ allowClients: ['10.0.0.1'] });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    await expect(fetch(base + latest(), { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  });

  it('serves addresses on the allow-list', async () => {
    const { app } = sim({ allowClients: ['10.0.0.1'] });
    const ok = await app.inject({ method: 'GET', url: latest(), remoteAddress: '10.0.0.1' });
    expect(ok.statusCode).toBe(200);
  });
});
