import { loadResourcesFromText, type LoadedResource } from '../../../src/api/load.js';

/**
 * Resources as a person writes them, through the same loader, schema
 * defaults and CEL mirrors as `npm start`; small builders so each test
 * states only what it varies.
 */

export const POWER = `
apiVersion: gridlake.io/v1alpha1
kind: PowerSource
metadata: { name: kpx, namespace: grid }
spec:
  serviceKeySecretRef: { name: k, key: serviceKey }
  endpoint: { baseUrl: 'https://kpx.example' }
  pollIntervalSeconds: 300
  dailyCallBudget: 120
  topic: grid.power
`;

/** A WeatherSource `name` with locations `<name>-a` (nx/ny) and `<name>-b` (lat/lon). */
export const weatherYaml = (name: string, topic: string, extra = ''): string => `
apiVersion: gridlake.io/v1alpha1
kind: WeatherSource
metadata: { name: ${name}, namespace: grid }
spec:
  serviceKeySecretRef: { name: k, key: serviceKey }
  topic: ${topic}
  dailyCallBudget: 900
  locations:
    - { name: ${name}-a, nx: 60, ny: 127 }
    - { name: ${name}-b, lat: 35.1796, lon: 129.0756 }
${extra}`;

export const SINK = `
apiVersion: gridlake.io/v1alpha1
kind: LakeSink
metadata: { name: raw, namespace: grid }
spec:
  topics: [grid.power, grid.weather]
  lake: { bucket: lake-bucket, prefix: 'team/zone/' }
  flush: { maxRecords: 2000, maxAgeSeconds: 120 }
`;

/** A DailyJoin `name` of kpx and the given WeatherSources; `extra` is indented spec YAML. */
export const joinYaml = (weather: readonly string[], extra = '', name = 'daily'): string => `
apiVersion: gridlake.io/v1alpha1
kind: DailyJoin
metadata: { name: ${name}, namespace: grid }
spec:
  schedule: '30 1 * * *'
  inputs:
    power: { name: kpx }
    weather: [${weather.map((w) => `{ name: ${w} }`).join(', ')}]
  lake: { bucket: lake-bucket, prefix: 'team/zone/' }
  quality: { minPowerCoverage: 0.8, minWeatherCoverage: 0.7 }
${extra}`;

/** Loads YAML documents; throws with every error when one is invalid. */
export function load(...docs: string[]): LoadedResource[] {
  const r = loadResourcesFromText(docs.join('\n---\n'), 'test.yaml');
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}: ${e.path}: ${e.message}`).join('\n'));
  return [...r.resources];
}
