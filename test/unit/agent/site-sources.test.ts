import { describe, expect, it } from 'vitest';
import { planCollectors, runnableSources } from '../../../src/agent/site-sources.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';

const NS = 'gridlake-site-naver';

function source(
  name: string,
  o: { ns?: string; uid?: string; generation?: number; suspend?: boolean; deleting?: boolean } = {},
): KubeObject {
  return {
    apiVersion: 'gridlake.io/v1alpha1',
    kind: 'PowerSource',
    metadata: {
      name,
      namespace: o.ns ?? NS,
      uid: o.uid ?? `uid-${name}`,
      generation: o.generation ?? 1,
      ...(o.deleting ? { deletionTimestamp: '2026-03-10T00:00:00Z' } : {}),
    },
    spec: { suspend: o.suspend ?? false, serviceKeySecretRef: { name: 'k', key: 'serviceKey' } },
  };
}

describe('runnableSources', () => {
  it('keeps the sources of the site namespace that should run, keyed and versioned by uid and generation', () => {
    const got = runnableSources(
      'PowerSource',
      [
        source('kpx', { generation: 3 }),
        source('elsewhere', { ns: 'hub' }),
        source('paused', { suspend: true }),
        source('going', { deleting: true }),
      ],
      NS,
    );
    expect(got.map((s) => [s.key, s.specVersion])).toEqual([['PowerSource/kpx', 'uid-kpx@3']]);
  });
});

describe('planCollectors', () => {
  const running = new Map([
    ['PowerSource/a', 'v1'],
    ['PowerSource/b', 'v1'],
    ['WeatherSource/c', 'v1'],
  ]);

  it('starts new sources, restarts changed ones, stops the ones gone and leaves the rest alone', () => {
    expect(
      planCollectors(
        [
          { key: 'PowerSource/a', version: 'v1' },
          { key: 'PowerSource/b', version: 'v2' },
          { key: 'WeatherSource/d', version: 'v1' },
        ],
        running,
      ),
    ).toEqual({ stop: ['PowerSource/b', 'WeatherSource/c'], start: ['PowerSource/b', 'WeatherSource/d'] });
  });

  it('keeps a running source whose version is unknown (its Secret could not be read), and cannot start a new one', () => {
    expect(
      planCollectors(
        [
          { key: 'PowerSource/a', version: null },
          { key: 'PowerSource/b', version: 'v1' },
          { key: 'WeatherSource/c', version: 'v1' },
          { key: 'WeatherSource/new', version: null },
        ],
        running,
      ),
    ).toEqual({ stop: [], start: [] });
  });

  it('stops everything when the site has no source left', () => {
    expect(planCollectors([], running)).toEqual({
      stop: ['PowerSource/a', 'PowerSource/b', 'WeatherSource/c'],
      start: [],
    });
  });
});
