import { describe, expect, it } from 'vitest';
import { validateResource } from '../../../src/api/validate.js';
import type { PowerSourceSpec } from '../../../src/api/power-source.js';
import type { WeatherSourceSpec } from '../../../src/api/weather-source.js';
import { collectorLimits, collectorSettingsOf, sourceConfigOf } from '../../../src/sources/collector-settings.js';
import { ServiceKey } from '../../../src/sources/common/service-key.js';
import { formatLocationArg, parseLocationArg } from '../../../src/sources/location-arg.js';

/** A spec as the API server stores it: defaults filled in. */
function specOf<T>(kind: string, spec: Record<string, unknown>): T {
  const r = validateResource(
    { apiVersion: 'gridlake.io/v1alpha1', kind, metadata: { name: 'x', namespace: 'ns' }, spec },
    { semantic: false },
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.resource.spec as T;
}

const ref = { name: 'kpx-key', key: 'serviceKey' };

describe('collector settings from a source spec (what a hub pod and the agent both run)', () => {
  it('maps a PowerSource: endpoint, api, topics, timeout, poll interval and the latest budget', () => {
    const spec = specOf<PowerSourceSpec>('PowerSource', {
      serviceKeySecretRef: ref,
      endpoint: { baseUrl: 'http://sim:8089', api: 'legacy' },
      pollIntervalSeconds: 900,
      dailyCallBudget: 200,
      requestTimeoutSeconds: 7,
      topic: 'site.power',
    });
    const s = collectorSettingsOf('PowerSource', { namespace: 'gridlake-site-naver', name: 'kpx', spec });
    expect(s).toEqual({
      kind: 'power',
      source: 'gridlake-site-naver/kpx',
      endpoint: 'http://sim:8089',
      api: 'legacy',
      topic: 'site.power',
      deadLetterTopic: spec.deadLetterTopic,
      timeoutMs: 7000,
      pollIntervalMinutes: 15,
      budgetKpxLatest: 200,
    });
    expect(collectorLimits(s)).toEqual({ 'kpx.latest': 200, 'kpx.legacy': 200 });
    const key = new ServiceKey('k');
    expect(sourceConfigOf(s, key)).toEqual({
      kind: 'power',
      source: 'gridlake-site-naver/kpx',
      endpoint: 'http://sim:8089',
      api: 'legacy',
      key,
      topic: 'site.power',
      deadLetterTopic: spec.deadLetterTopic,
      pollIntervalMs: 900_000,
    });
  });

  it('maps a WeatherSource: cells stay cells, coordinates stay coordinates, the nowcast budget', () => {
    const spec = specOf<WeatherSourceSpec>('WeatherSource', {
      serviceKeySecretRef: ref,
      endpoint: { baseUrl: 'http://sim:8089' },
      locations: [
        { name: 'seoul', nx: 60, ny: 127 },
        { name: 'busan', lat: 35, lon: 129 },
      ],
      dailyCallBudget: 5000,
    });
    const s = collectorSettingsOf('WeatherSource', { namespace: 'ns', name: 'cities', spec });
    expect(s).toMatchObject({
      kind: 'weather',
      source: 'ns/cities',
      locations: [
        { name: 'seoul', nx: 60, ny: 127 },
        { name: 'busan', lat: 35, lon: 129 },
      ],
      budgetKma: 5000,
    });
    expect(collectorLimits(s)).toEqual({ 'kma.ncst': 5000 });
    expect(sourceConfigOf(s, new ServiceKey('k'))).toMatchObject({
      kind: 'weather',
      locations: s.kind === 'weather' ? s.locations : [],
    });
  });

  it('writes each location as the --location text gridlake collect reads back to the same place', () => {
    for (const spec of [
      { name: 'seoul', nx: 60, ny: 127 },
      { name: 'busan', lat: 35, lon: 129 },
      { name: 'jeju', lat: 33.4996, lon: 126.5312 },
    ])
      expect(parseLocationArg(formatLocationArg(spec))).toEqual(spec);
    expect(formatLocationArg({ name: 'busan', lat: 35, lon: 129 })).toBe('busan=35.0,129.0');
  });
});
