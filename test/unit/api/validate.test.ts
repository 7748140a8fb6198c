import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  formatLoadError,
  loadResources,
  loadResourcesFromText,
  loadResourcesOrThrow,
  pathSegments,
} from '../../../src/api/load.js';
import { pointerToPath, validateResource } from '../../../src/api/validate.js';
import { ofKind } from '../../../src/api/resource.js';
import fc from 'fast-check';
import type { DailyJoinSpec } from '../../../src/api/daily-join.js';
import type { LakeSinkSpec } from '../../../src/api/lake-sink.js';
import { example, INVALID_CASES } from './invalid-cases.js';

const EXAMPLES = path.resolve(import.meta.dirname, '../../../examples');
const NOW = new Date('2026-11-23T03:00:00Z');

describe('examples', () => {
  it.each(['embedded', 'cluster'])('every resource in examples/%s validates', async (folder) => {
    const result = await loadResources(path.join(EXAMPLES, folder), { now: NOW });
    if (!result.ok) throw new Error(result.errors.map(formatLoadError).join('\n'));
    expect(result.resources.length).toBeGreaterThanOrEqual(4);
  });

  it('the embedded set has one of each kind the pipeline needs', async () => {
    const result = await loadResources(path.join(EXAMPLES, 'embedded'), { now: NOW });
    expect(result.ok && result.resources.map((r) => r.resource.kind).sort()).toEqual([
      'DailyJoin',
      'LakeSink',
      'PowerSource',
      'WeatherSource',
    ]);
  });
});

describe('validateResource', () => {
  it('applies defaults the way the API server does, nested blocks included', () => {
    const result = validateResource(example('embedded/daily-join.yaml'), { now: NOW });
    if (!result.ok) throw new Error(JSON.stringify(result.errors));
    const spec = result.resource.spec as DailyJoinSpec;
    expect(spec).toMatchObject({
      timeZone: 'Asia/Seoul',
      concurrencyPolicy: 'Forbid',
      maxActiveRuns: 1,
      suspend: false,
      successfulRunsHistoryLimit: 3,
      failedRunsHistoryLimit: 1,
      backoffLimit: 2,
      lateDataDays: 3,
      catchUp: { policy: 'All', maxDates: 30 },
      quality: { minPowerCoverage: 0.95, minWeatherCoverage: 0.9 },
      outputs: { warehouse: { compression: 'snappy' } },
      lake: { bucket: 'gridlake', prefix: '', region: 'ap-northeast-2', forcePathStyle: false },
    });
    expect(result.resource.metadata.namespace).toBe('default');
  });

  it('fills a missing flush block from its field defaults', () => {
    const doc = example('embedded/lake-sink.yaml');
    delete doc.spec['flush'];
    const result = validateResource(doc);
    expect(result.ok && (result.resource.spec as LakeSinkSpec).flush).toEqual({
      maxRecords: 50000,
      maxBytes: 67108864,
      maxAgeSeconds: 900,
    });
  });

  it('treats a null field as absent, as the API server does', () => {
    const doc = example('embedded/power-source.yaml');
    Object.assign(doc.spec, { pollIntervalSeconds: null, topic: null });
    const result = validateResource(doc);
    expect(result.ok && result.resource.spec).toMatchObject({
      pollIntervalSeconds: 300,
      topic: 'gridlake.power.kpx.v1',
    });
  });

  it('refuses a namespace on the cluster-scoped RemoteSite', () => {
    const doc = example('cluster/remote-site-naver.yaml');
    doc.metadata['namespace'] = 'default';
    const result = validateResource(doc);
    expect(!result.ok && result.errors).toEqual([
      { path: 'metadata.namespace', message: 'RemoteSite is cluster-scoped: remove metadata.namespace' },
    ]);
  });

  it('refuses an unknown kind and names the known ones', () => {
    const result = validateResource({
      apiVersion: 'gridlake.io/v1alpha1',
      kind: 'Pipeline',
      metadata: { name: 'x' },
      spec: {},
    });
    expect(!result.ok && result.errors[0]?.message).toMatch(/supported values: "PowerSource", "WeatherSource"/);
  });

  it('reports a missing required field once, at its own path', () => {
    const doc = example('embedded/power-source.yaml');
    delete doc.spec['serviceKeySecretRef'];
    const result = validateResource(doc);
    expect(!result.ok && result.errors).toEqual([{ path: 'spec.serviceKeySecretRef', message: 'Required value' }]);
  });

  it('reports checks CEL cannot make: cron values, time zone, start date after today', () => {
    const doc = example('embedded/daily-join.yaml');
    Object.assign(doc.spec, { schedule: '61 1 * * *', timeZone: 'Asia/Nowhere', startDate: '2027-01-01' });
    const result = validateResource(doc, { now: NOW });
    expect(!result.ok && result.errors.map((e) => e.path)).toEqual(['spec.timeZone', 'spec.schedule']);
    const late = example('embedded/daily-join.yaml');
    late.spec['startDate'] = '2026-11-24';
    const lateResult = validateResource(late, { now: NOW });
    expect(!lateResult.ok && lateResult.errors).toEqual([
      { path: 'spec.startDate', message: 'startDate 2026-11-24 is after today (2026-11-23 in Asia/Seoul)' },
    ]);
  });

  it('accepts a spec update that keeps a DailyJoinRun unchanged', () => {
    const doc = example('cluster/daily-join-run-backfill.yaml');
    expect(validateResource(doc, { previous: example('cluster/daily-join-run-backfill.yaml') }).ok).toBe(true);
  });
});

describe('invalid specs are refused with a readable message', () => {
  it.each(INVALID_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = validateResource(c.doc(), {
      now: NOW,
      ...(c.previous === undefined ? {} : { previous: c.previous() }),
    });
    expect(result.ok).toBe(false);
    const messages = result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
    expect(messages.join('\n')).toContain(c.expect);
  });

  it('the table covers every kind and at least 15 cases', () => {
    const kinds = new Set(INVALID_CASES.map((c) => c.doc().kind));
    expect([...kinds].sort()).toEqual([
      'DailyJoin',
      'DailyJoinRun',
      'LakeSink',
      'PowerSource',
      'RemoteSite',
      'WeatherSource',
    ]);
    expect(INVALID_CASES.length).toBeGreaterThanOrEqual(15);
  });
});

describe('loadResourcesFromText', () => {
  it('points each error at the line and column of the offending field', () => {
    const text = [
      'apiVersion: gridlake.io/v1alpha1',
      'kind: WeatherSource',
      'metadata:',
      '  name: wx',
      'spec:',
      '  serviceKeySecretRef: {name: k, key: serviceKey}',
      '  locations:',
      '    - name: seoul',
      '      nx: 300',
      '      ny: 127',
      '---',
      'apiVersion: gridlake.io/v1alpha1',
      'kind: PowerSource',
      'metadata:',
      '  name: p',
      'spec:',
      '  pollIntervalSeconds: 5',
      '',
    ].join('\n');
    const result = loadResourcesFromText(text, 'sources.yaml');
    expect(!result.ok && result.errors.map(formatLoadError)).toEqual([
      'sources.yaml:9:11: spec.locations[0].nx: Invalid value: 300: should be less than or equal to 149',
      'sources.yaml:17:3: spec.serviceKeySecretRef: Required value',
      'sources.yaml:17:24: spec.pollIntervalSeconds: Invalid value: 5: should be greater than or equal to 60',
    ]);
  });

  it("refuses coordinates off KMA's grid with the file, line, location, cell and the grid's bounds", () => {
    const text = [
      'apiVersion: gridlake.io/v1alpha1',
      'kind: WeatherSource',
      'metadata:',
      '  name: wx',
      'spec:',
      '  serviceKeySecretRef: {name: k, key: serviceKey}',
      '  locations:',
      '    - name: seoul',
      '      nx: 60',
      '      ny: 127',
      '    - name: shanghai',
      '      lat: 31.23',
      '      lon: 121.47',
      // In the box around the grid (its south-west corner) but off the grid: CEL lets it through, this does not.
      '    - name: sw-corner',
      '      lat: 31.7',
      '      lon: 123.4',
      '',
    ].join('\n');
    const result = loadResourcesFromText(text, 'weather.yaml');
    const bounds = "outside KMA's 5 km grid (nx 1..149, ny 1..253; latitude 31.62..43.45, longitude 123.27..132.81";
    expect(!result.ok && result.errors.map(formatLoadError)).toEqual([
      expect.stringContaining(
        `weather.yaml:11:7: spec.locations[1]: location shanghai: lat 31.23, lon 121.47 is grid cell nx -43, ny -10, ${bounds}`,
      ),
      expect.stringContaining(
        `weather.yaml:14:7: spec.locations[2]: location sw-corner: lat 31.7, lon 123.4 is grid cell nx -6, ny -1, ${bounds}`,
      ),
    ]);
  });

  it('refuses an unknown top-level or metadata field as strict field validation does', () => {
    const text = [
      'apiVersion: gridlake.io/v1alpha1',
      'kind: LakeSink',
      'metadata:',
      '  name: raw',
      '  lables: {a: b}',
      'spec:',
      '  topics: [gridlake.power.kpx.v1]',
      '  lake: {bucket: gridlake}',
      'spce:',
      '  suspend: true',
      '',
    ].join('\n');
    const result = loadResourcesFromText(text, 'sink.yaml');
    expect(!result.ok && result.errors.map(formatLoadError)).toEqual([
      'sink.yaml:9:1: spce: unknown field "spce"',
      'sink.yaml:5:3: metadata.lables: unknown field "metadata.lables"',
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    const result = loadResourcesFromText('kind: [unclosed\n', 'bad.yaml');
    expect(!result.ok && result.errors[0]).toMatchObject({ file: 'bad.yaml', line: 2, path: '' });
    expect(!result.ok && result.errors[0]?.message).toMatch(/^YAML: /);
  });
});

describe('loadResourcesOrThrow', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const folder = (files: Record<string, string>): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gl-load-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    return dir;
  };

  it('refuses an empty folder: nothing to run', async () => {
    const dir = folder({});
    await expect(loadResourcesOrThrow(dir)).rejects.toThrow(
      `nothing to run in ${dir}: no gridlake resources found; the folder is empty`,
    );
  });

  it('refuses a folder without resources, naming every file it looked at', async () => {
    const dir = folder({ 'README.md': '# notes\n', 'empty.yaml': '# nothing yet\n' });
    await expect(loadResourcesOrThrow(dir)).rejects.toThrow(
      'looked at README.md (not .yaml or .yml, skipped), empty.yaml (no resources)',
    );
  });

  it('refuses a LakeSink topic no source produces, with file, line and the known topics', async () => {
    const example = (f: string) => readFileSync(path.join(EXAMPLES, 'embedded', f), 'utf8');
    const sink = example('lake-sink.yaml').replace('- gridlake.weather.kma.v1', '- gridlake.wether.kma.v1');
    const dir = folder({
      'power-source.yaml': example('power-source.yaml'),
      'weather-source.yaml': example('weather-source.yaml'),
      'lake-sink.yaml': sink,
    });
    const result = await loadResources(dir, { now: NOW });
    const line = sink.split('\n').findIndex((l) => l.includes('gridlake.wether.kma.v1')) + 1;
    expect(!result.ok && result.errors.map(formatLoadError)).toEqual([
      `${path.join(dir, 'lake-sink.yaml')}:${line}:7: spec.topics[1]: no source produces topic "gridlake.wether.kma.v1" ` +
        '(topics produced here: gridlake.power.kpx.v1, gridlake.weather.kma.v1; dead-letter: gridlake.deadletter.v1)',
    ]);
  });

  it('lets a LakeSink take the dead-letter topic', async () => {
    const example = (f: string) => readFileSync(path.join(EXAMPLES, 'embedded', f), 'utf8');
    const sink = example('lake-sink.yaml').replace('- gridlake.weather.kma.v1', '- gridlake.deadletter.v1');
    const dir = folder({ 'power-source.yaml': example('power-source.yaml'), 'lake-sink.yaml': sink });
    expect((await loadResources(dir, { now: NOW })).ok).toBe(true);
  });

  it('reads .YAML and .Yml as resource files', async () => {
    const power = readFileSync(path.join(EXAMPLES, 'embedded/power-source.yaml'), 'utf8');
    const weather = readFileSync(path.join(EXAMPLES, 'embedded/weather-source.yaml'), 'utf8');
    const dir = folder({ 'POWER.YAML': power, 'weather.Yml': weather });
    const loaded = await loadResourcesOrThrow(dir);
    expect(loaded.map((r) => [path.basename(r.file), r.resource.kind])).toEqual([
      ['POWER.YAML', 'PowerSource'],
      ['weather.Yml', 'WeatherSource'],
    ]);
  });
});

describe('ofKind', () => {
  it('types the specs of one kind from a loaded set', async () => {
    const result = await loadResources(path.join(EXAMPLES, 'embedded'), { now: NOW });
    if (!result.ok) throw new Error('examples invalid');
    const joins = ofKind(
      result.resources.map((r) => r.resource),
      'DailyJoin',
    );
    expect(joins.map((j) => j.spec.inputs.power.name)).toEqual(['kpx-national']);
  });
});

describe('paths', () => {
  it('JSON pointers and dotted paths round-trip through the YAML locator', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9]{0,8}$/), fc.nat({ max: 99 })), {
          minLength: 1,
          maxLength: 6,
        }),
        (segs) => {
          const pointer = segs.map((s) => `/${s}`).join('');
          const dotted = pointerToPath('spec', pointer);
          expect(pathSegments(dotted)).toEqual(['spec', ...segs]);
        },
      ),
    );
  });
});
