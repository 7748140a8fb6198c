import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseKpxAnswer } from '../../../../src/sources/kpx/kpx-parser.js';
import { OUTCOMES } from '../../../../src/sources/common/outcome.js';
import { sample } from '../samples.js';

const ctx = { source: 'gridlake/kpx', ingestedAt: Date.UTC(2026, 10, 23, 5, 20, 0) };

describe('parseKpxAnswer on the samples', () => {
  it('reads the latest answer: one object item, string counts', () => {
    const a = parseKpxAnswer(200, sample('kpx-latest.json'), ctx);
    expect(a.outcome).toBe('ok');
    if (a.outcome !== 'ok') return;
    expect(a.totalCount).toBe(1);
    expect(a.rows).toHaveLength(1);
    expect(a.rows[0]?.rn).toBe(1480001);
    expect(a.rows[0]?.reading).toEqual({
      v: 1,
      source: 'gridlake/kpx',
      baseTime: '2026-11-23T14:15:00+09:00',
      baseDatetimeRaw: '20261123141500',
      supplyCapacityMw: 101198.2031,
      currentDemandMw: 74588.1016,
      forecastPeakMw: 81200,
      supplyReserveMw: 26610.1016,
      supplyReservePct: 35.676,
      operatingReserveMw: 11987.5,
      operatingReservePct: 15.5923,
      ingestedAt: '2026-11-23T05:20:00.000Z',
    });
    expect(a.rows[0]?.baseMs).toBe(Date.parse('2026-11-23T14:15:00+09:00'));
  });

  it('reads a history page: two rows, forecastLoad 0.0 becomes null', () => {
    const a = parseKpxAnswer(200, sample('kpx-history-page.json'), ctx);
    expect(a.outcome).toBe('ok');
    if (a.outcome !== 'ok') return;
    expect(a.totalCount).toBe(1480001);
    expect(a.rows.map((r) => r.reading.baseDatetimeRaw)).toEqual(['20261123141000', '20261123141500']);
    expect(a.rows.map((r) => r.reading.forecastPeakMw)).toEqual([null, null]);
    expect(a.rows.map((r) => r.rn)).toEqual([1480000, 1480001]);
  });

  it('says no_data when items is an empty string', () => {
    const a = parseKpxAnswer(200, sample('kpx-empty.json'), ctx);
    expect(a.outcome).toBe('no_data');
    expect(a.totalCount).toBe(0);
  });

  it('reads the legacy XML answer, all values as text', () => {
    const a = parseKpxAnswer(200, sample('kpx-legacy-ok.xml'), ctx);
    expect(a.outcome).toBe('ok');
    if (a.outcome !== 'ok') return;
    expect(a.rows[0]?.reading).toMatchObject({
      baseTime: '2025-11-22T22:25:00+09:00',
      baseDatetimeRaw: '20251122222500',
      supplyCapacityMw: 94118,
      currentDemandMw: 71093.4,
      forecastPeakMw: 78500,
      supplyReserveMw: 23024.6,
      supplyReservePct: 32.3864,
      operatingReserveMw: 11032,
      operatingReservePct: 15.1207,
    });
    expect(a.rows[0]?.rn).toBeNull();
  });

  it('classifies the legacy denial (code 20) as auth', () => {
    expect(parseKpxAnswer(200, sample('kpx-legacy-denied.xml'), ctx)).toMatchObject({ outcome: 'auth', code: '20' });
  });

  it('classifies the malformed answer with both reasons visible', () => {
    const a = parseKpxAnswer(200, sample('kpx-malformed.json'), ctx);
    expect(a.outcome).toBe('malformed');
    if (a.outcome === 'ok') return;
    expect(a.reason).toContain('2026112314200');
  });

  it.each([
    ['gateway-key-not-registered.xml', 200, 'auth', '30'],
    ['gateway-quota.xml', 200, 'quota', '22'],
    ['http-401.txt', 401, 'auth', '401'],
  ])('classifies %s as %s', (file, status, outcome, code) => {
    expect(parseKpxAnswer(status, sample(file), ctx)).toMatchObject({ outcome, code });
  });
});

describe('parseKpxAnswer on other shapes', () => {
  const header = (code: string) => `{"response":{"header":{"resultCode":"${code}","resultMsg":"X"}}}`;
  it.each([
    ['01', 'http_error'],
    ['02', 'http_error'],
    ['04', 'http_error'],
    ['05', 'http_error'],
    ['99', 'http_error'],
    ['10', 'bad_request'],
    ['11', 'bad_request'],
    ['12', 'bad_request'],
    ['22', 'quota'],
    ['30', 'auth'],
    ['32', 'auth'],
    ['03', 'no_data'],
  ])('maps service result code %s to %s', (code, outcome) => {
    expect(parseKpxAnswer(200, header(code), ctx).outcome).toBe(outcome);
  });

  it.each([
    [429, 'http_error'],
    [500, 'http_error'],
    [502, 'http_error'],
    [503, 'http_error'],
    [404, 'http_error'],
  ])('maps HTTP %i to %s', (status, outcome) => {
    expect(parseKpxAnswer(status, '<html><body>error</body></html>', ctx).outcome).toBe(outcome);
  });

  it('asks to slow down on 429', () => {
    expect(parseKpxAnswer(429, '', ctx)).toMatchObject({ outcome: 'http_error', slowDown: true });
  });

  it('treats an HTML page with status 200 as http_error', () => {
    expect(parseKpxAnswer(200, '<!DOCTYPE html><html><body>busy</body></html>', ctx).outcome).toBe('http_error');
  });

  it('treats a gateway code outside the table as http_error', () => {
    const body = sample('gateway-quota.xml').replace('>22<', '>99<');
    expect(parseKpxAnswer(200, body, ctx).outcome).toBe('http_error');
  });

  it('keeps good rows and rejects bad ones in a mixed page', () => {
    const page = JSON.parse(sample('kpx-history-page.json')) as { response: { body: { items: { item: unknown[] } } } };
    page.response.body.items.item.push({
      rn: 1480002,
      baseDatetime: '20261123142000',
      suppAbility: 'n/a',
      currPwrTot: 1,
    });
    const a = parseKpxAnswer(200, JSON.stringify(page), ctx);
    expect(a.outcome).toBe('ok');
    if (a.outcome !== 'ok') return;
    expect(a.rows).toHaveLength(2);
    expect(a.rejects).toHaveLength(1);
    expect(a.rejects[0]?.reason).toContain('suppAbility');
  });

  it('rejects a time off the 5-minute grid and an impossible date', () => {
    const one = (t: string) =>
      `{"response":{"header":{"resultCode":"00"},"body":{"items":{"item":{"baseDatetime":"${t}","suppAbility":1,"currPwrTot":1}},"totalCount":"1"}}}`;
    expect(parseKpxAnswer(200, one('20261123141300'), ctx).outcome).toBe('malformed');
    expect(parseKpxAnswer(200, one('20261323141000'), ctx).outcome).toBe('malformed');
    expect(parseKpxAnswer(200, one('20261123141000'), ctx).outcome).toBe('ok');
  });
});

describe('parseKpxAnswer never throws', () => {
  const files = [
    'kpx-latest.json',
    'kpx-history-page.json',
    'kpx-legacy-ok.xml',
    'kpx-legacy-denied.xml',
    'gateway-quota.xml',
  ];

  it('classifies every truncation of every sample', () => {
    for (const file of files) {
      const text = sample(file);
      for (let i = 0; i < text.length; i++) {
        const a = parseKpxAnswer(200, text.slice(0, i), ctx);
        expect(OUTCOMES).toContain(a.outcome);
        // A cut JSON or XML body can never pass as a complete answer.
        if (i < text.trimEnd().length - 1) expect(a.outcome).not.toBe('ok');
      }
    }
  });

  it('classifies arbitrary text and statuses', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), fc.string({ unit: 'binary' }), (status, text) => {
        expect(OUTCOMES).toContain(parseKpxAnswer(status, text, ctx).outcome);
      }),
      { numRuns: 2000 },
    );
  });

  it('classifies arbitrary JSON values in place of fields', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (items, capacity) => {
        const body = JSON.stringify({
          response: { header: { resultCode: '00' }, body: { items, totalCount: '1' } },
        });
        expect(OUTCOMES).toContain(parseKpxAnswer(200, body, ctx).outcome);
        const row = JSON.stringify({
          response: {
            header: { resultCode: '00' },
            body: { items: { item: { baseDatetime: '20261123141000', suppAbility: capacity, currPwrTot: 5 } } },
          },
        });
        expect(OUTCOMES).toContain(parseKpxAnswer(200, row, ctx).outcome);
      }),
    );
  });
});
