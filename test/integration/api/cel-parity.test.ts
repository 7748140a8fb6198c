import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { kindByName } from '../../../src/api/kinds.js';
import { validateResource } from '../../../src/api/validate.js';
import { kube } from '../../infra/index.js';
import { example } from '../../unit/api/invalid-cases.js';
import type { Doc } from '../../unit/api/invalid-cases.js';

/**
 * The CEL rules run in the API server; their TypeScript mirrors run in the
 * embedded default. Generated specs near the rules' edges go to both (a
 * server-side dry run), and the verdicts must agree: what one accepts the
 * other accepts.
 */

const exec = promisify(execFile);
const CRD_DIR = path.resolve(import.meta.dirname, '../../../crds');
const NS = `gl-parity-${randomBytes(3).toString('hex')}`;
let custom: CustomObjectsApi;

beforeAll(async () => {
  const k = await kube();
  await exec(k.kubectl, [
    '--kubeconfig',
    k.kubeconfig,
    'apply',
    '--server-side',
    '--force-conflicts',
    '--field-manager=gridlake-api-test',
    '-f',
    CRD_DIR,
  ]);
  await exec(k.kubectl, [
    '--kubeconfig',
    k.kubeconfig,
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    '-f',
    CRD_DIR,
  ]);
  const kc = new KubeConfig();
  kc.loadFromFile(k.kubeconfig);
  custom = kc.makeApiClient(CustomObjectsApi);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: NS } } });
});

async function serverAccepts(doc: Doc): Promise<{ ok: boolean; message: string }> {
  const def = kindByName(String(doc.kind))!;
  const common = {
    group: 'gridlake.io',
    version: 'v1alpha1',
    plural: def.plural,
    body: doc,
    dryRun: 'All',
    fieldValidation: 'Strict',
  };
  try {
    await (def.scope === 'Cluster'
      ? custom.createClusterCustomObject(common)
      : custom.createNamespacedCustomObject({ ...common, namespace: NS }));
    return { ok: true, message: '' };
  } catch (err) {
    const e = err as { code?: number; body?: unknown };
    if (e.code !== 422 && e.code !== 400) throw err;
    return { ok: false, message: String(e.body) };
  }
}

async function agree(doc: Doc): Promise<void> {
  if (doc.kind !== 'RemoteSite') doc.metadata['namespace'] = NS;
  const local = validateResource(doc, { semantic: false });
  const server = await serverAccepts(doc);
  const localText = local.ok ? 'accepted' : local.errors.map((e) => `${e.path}: ${e.message}`).join('; ');
  expect(local.ok, `${JSON.stringify(doc.spec)}\n server: ${server.message}\n local: ${localText}`).toBe(server.ok);
}

const RUNS = Number(process.env['GRIDLAKE_PARITY_RUNS'] ?? 40);
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const defined = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

describe('CEL rules and their TypeScript mirrors agree (server dry run vs validateResource)', () => {
  it('WeatherSource locations: nx/ny xor lat/lon, lat/lon in the box around the grid, unique names, unique cells', async () => {
    const location = fc.record({
      name: fc.constantFrom('a', 'b', 'c'),
      nx: opt(fc.integer({ min: 0, max: 3 })),
      ny: opt(fc.integer({ min: 1, max: 3 })),
      // 31 and 43.5 lie outside the box around KMA's grid, 123 and 133 too; 35 is an integer the server reads as a number
      lat: opt(fc.constantFrom(35, 37.5, 46, 31, 43.5)),
      lon: opt(fc.constantFrom(127, 129.1, 123, 133)),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(location, { minLength: 1, maxLength: 4 }), async (locations) => {
        const doc = example('embedded/weather-source.yaml');
        doc.spec['locations'] = locations.map(defined);
        await agree(doc);
      }),
      { numRuns: RUNS },
    );
  });

  it('PowerSource: topics differ, call budget against poll interval and gap fill', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          pollIntervalSeconds: opt(fc.integer({ min: 50, max: 2000 })),
          dailyCallBudget: opt(fc.integer({ min: 1, max: 2000 })),
          gapFill: opt(fc.boolean()),
          topic: opt(fc.constantFrom('t1', 't2', 'gridlake.deadletter.v1', 'bad topic', null)),
          suspend: opt(fc.constantFrom(null, true)),
        }),
        async (fields) => {
          const doc = example('embedded/power-source.yaml');
          delete doc.spec['pollIntervalSeconds'];
          delete doc.spec['dailyCallBudget'];
          Object.assign(doc.spec, defined(fields));
          await agree(doc);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('DailyJoin: cron syntax, time zone prefix, concurrency against maxActiveRuns, SQL tables, unique inputs', async () => {
    const schedule = fc.oneof(
      fc.constantFrom(
        '30 1 * * *',
        '@daily',
        '@every 5m',
        'TZ=UTC 0 0 * * *',
        '0 0 * *',
        '*/5 1-3 * JAN MON-FRI',
        '0 0 * * * *',
      ),
      fc.stringMatching(/^[0-9*/ ,-]{1,20}$/),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          schedule,
          maxActiveRuns: opt(fc.integer({ min: 0, max: 3 })),
          concurrencyPolicy: opt(fc.constantFrom('Forbid', 'Allow', 'Replace')),
          tables: fc.tuple(fc.constantFrom('a', 'b', '1x'), fc.constantFrom('a', 'b')),
          weather: fc.array(
            fc.record({ name: fc.constantFrom('w1', 'w2'), namespace: opt(fc.constantFrom('x', 'y')) }),
            {
              minLength: 1,
              maxLength: 3,
            },
          ),
        }),
        async (f) => {
          const doc = example('cluster/daily-join.yaml');
          const spec = doc.spec as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
          delete spec['maxActiveRuns'];
          delete spec['concurrencyPolicy'];
          Object.assign(
            spec,
            defined({ schedule: f.schedule, maxActiveRuns: f.maxActiveRuns, concurrencyPolicy: f.concurrencyPolicy }),
          );
          Object.assign(spec.outputs.sql, { hourlyTable: f.tables[0], dailyTable: f.tables[1] });
          spec.inputs.weather = f.weather.map(defined);
          await agree(doc);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('DailyJoinRun: the name is <join>-<yyyymmdd>', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('pw', 'power-weather'),
        fc.constantFrom('2026-10-15', '2026-02-29', '2024-02-29', '2026-1-5'),
        fc.constantFrom('pw', 'power-weather', 'other'),
        fc.constantFrom('20261015', '20260229', '20240229', '2026105', '20261016'),
        async (join, date, nameJoin, nameDate) => {
          const doc = example('cluster/daily-join-run-backfill.yaml');
          doc.metadata['name'] = `${nameJoin}-${nameDate}`;
          doc.spec['joinRef'] = { name: join };
          doc.spec['date'] = date;
          await agree(doc);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('RemoteSite: name length, CIDRs, token against lease', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('naver', 's'.repeat(49), 's'.repeat(50), 'a.b', 'x-1'),
        fc.array(fc.constantFrom('10.0.0.0/8', '203.0.113.7/32', '10.0.0.0/33', '256.1.1.1/8', '1.2.3.4'), {
          maxLength: 3,
        }),
        fc.integer({ min: 10, max: 600 }),
        fc.constantFrom(3600, 6000, 604800),
        async (name, cidrs, lease, token) => {
          const doc = example('cluster/remote-site-naver.yaml');
          doc.metadata['name'] = `${name}`;
          Object.assign(doc.spec, {
            egressCIDRs: [...new Set(cidrs)],
            leaseDurationSeconds: lease,
            tokenExpirationSeconds: token,
          });
          await agree(doc);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
