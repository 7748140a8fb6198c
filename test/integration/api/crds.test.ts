import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../eventually.js';
import { buildCrds } from '../../../src/api/crd.js';
import { kindByName } from '../../../src/api/kinds.js';
import { validateResource } from '../../../src/api/validate.js';
import { kube } from '../../infra/index.js';
import type { KubeInfo } from '../../infra/index.js';
import { example, INVALID_CASES } from '../../unit/api/invalid-cases.js';
import type { Doc } from '../../unit/api/invalid-cases.js';

/**
 * The generated CRDs on a real kube-apiserver: they install and become
 * Established, every example is accepted (and defaulted exactly as the
 * embedded validator defaults it), and every invalid spec of the shared table
 * is refused with the same readable message the embedded validator gives.
 */

const exec = promisify(execFile);
const GROUP = 'gridlake.io';
const VERSION = 'v1alpha1';
const CRD_DIR = path.resolve(import.meta.dirname, '../../../crds');

const suffix = randomBytes(3).toString('hex');
// Everything this file creates lives in its own namespaces and names.
const HUB_NS = `gl-api-${suffix}`;
const SITE = `t${suffix}`;
const SITE_NS = `gridlake-site-${SITE}`;

let k: KubeInfo;
let custom: CustomObjectsApi;

function relocate(doc: Doc): Doc {
  const d = structuredClone(doc);
  const mapNs = (ns: unknown) => (ns === 'gridlake-site-naver' ? SITE_NS : HUB_NS);
  if (d.kind === 'RemoteSite') {
    if (d.metadata['name'] === 'naver') d.metadata['name'] = SITE;
  } else {
    d.metadata['namespace'] = mapNs(d.metadata['namespace']);
  }
  const power = (d.spec['inputs'] as { power?: { namespace?: string } } | undefined)?.power;
  if (power?.namespace !== undefined) power.namespace = mapNs(power.namespace);
  return d;
}

function pluralOf(doc: Doc): string {
  const def = kindByName(String(doc.kind));
  if (def === undefined) throw new Error(`unknown kind ${String(doc.kind)}`);
  return def.plural;
}

async function create(doc: Doc): Promise<Doc> {
  const plural = pluralOf(doc);
  const ns = doc.metadata['namespace'];
  const common = { group: GROUP, version: VERSION, plural, body: doc, fieldValidation: 'Strict' };
  return (await (typeof ns === 'string'
    ? custom.createNamespacedCustomObject({ ...common, namespace: ns })
    : custom.createClusterCustomObject(common))) as Doc;
}

async function replace(doc: Doc): Promise<Doc> {
  const plural = pluralOf(doc);
  const ns = doc.metadata['namespace'];
  const name = String(doc.metadata['name']);
  const common = { group: GROUP, version: VERSION, plural, name, body: doc, fieldValidation: 'Strict' };
  return (await (typeof ns === 'string'
    ? custom.replaceNamespacedCustomObject({ ...common, namespace: ns })
    : custom.replaceClusterCustomObject(common))) as Doc;
}

/** The API server's message from a refused request. */
function serverMessage(err: unknown): { code: number; message: string } {
  const e = err as { code?: number; body?: unknown; message?: string };
  let body: unknown = e.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // keep the raw text
    }
  }
  const message =
    typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string'
      ? (body as { message: string }).message
      : String(typeof body === 'string' ? body : (e.message ?? err));
  return { code: e.code ?? 0, message };
}

/** With GRIDLAKE_PRINT_SERVER_MESSAGES=1, prints each refusal (for docs and reviews). */
function report(name: string, refused: { code: number; message: string } | undefined): void {
  if (process.env['GRIDLAKE_PRINT_SERVER_MESSAGES'] === '1')
    console.log(`REFUSED ${name} | ${refused?.code} | ${refused?.message}`);
}

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await exec(k.kubectl, ['--kubeconfig', k.kubeconfig, ...args], { maxBuffer: 8 << 20 });
  return stdout;
}

beforeAll(async () => {
  k = await kube();
  const kc = new KubeConfig();
  kc.loadFromFile(k.kubeconfig);
  custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const ext = kc.makeApiClient(ApiextensionsV1Api);

  // The committed files, exactly as a user or the chart applies them.
  await kubectl('apply', '--server-side', '--force-conflicts', '--field-manager=gridlake-api-test', '-f', CRD_DIR);
  for (const crd of buildCrds()) {
    await eventually(
      `${crd.metadata.name} Established`,
      async () => {
        const got = await ext.readCustomResourceDefinition({ name: crd.metadata.name });
        const established = got.status?.conditions?.find((c) => c.type === 'Established');
        if (established?.status !== 'True') throw new Error(JSON.stringify(got.status?.conditions));
        return got;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  }
  for (const name of [HUB_NS, SITE_NS]) await core.createNamespace({ body: { metadata: { name } } });
  // A new CRD can take a moment to be served after Established.
  await eventually(
    'custom resources served',
    () => custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: 'remotesites' }),
    { timeoutMs: 30_000, intervalMs: 250 },
  );
});

const EXAMPLES = [
  'embedded/power-source.yaml',
  'embedded/weather-source.yaml',
  'embedded/lake-sink.yaml',
  'embedded/daily-join.yaml',
  'cluster/remote-site-naver.yaml',
  'cluster/power-source-naver.yaml',
  'cluster/weather-source.yaml',
  'cluster/lake-sink.yaml',
  'cluster/daily-join.yaml',
  'cluster/daily-join-run-backfill.yaml',
];

describe('examples on a real API server', () => {
  it.each(EXAMPLES)('%s is accepted and defaulted exactly as the embedded validator defaults it', async (file) => {
    const doc = relocate(example(file));
    if (file.startsWith('embedded/')) doc.metadata['name'] = `${String(doc.metadata['name'])}-e`;
    if (file === 'embedded/daily-join.yaml') {
      (doc.spec['inputs'] as { power: { name: string }; weather: { name: string }[] }).power.name = 'kpx-national-e';
    }
    const stored = await create(doc);
    const local = validateResource(doc, { semantic: false });
    if (!local.ok) throw new Error(JSON.stringify(local.errors));
    expect(stored.spec).toEqual(local.resource.spec);
  });
});

describe('invalid specs are refused by the API server with a readable message', () => {
  it.each(INVALID_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const doc = relocate(c.doc());
    if (c.previous !== undefined) {
      const previous = relocate(c.previous());
      previous.metadata['name'] = `${String(previous.metadata['name'])}-u`;
      doc.metadata['name'] = previous.metadata['name'];
      if (doc.kind === 'DailyJoinRun') {
        // keep the <join>-<yyyymmdd> rule satisfied under the new name
        const join = `pw-u${suffix}`;
        (previous.spec['joinRef'] as { name: string }).name = join;
        (doc.spec['joinRef'] as { name: string }).name = join;
        previous.metadata['name'] = `${join}-20261015`;
        doc.metadata['name'] = previous.metadata['name'];
      }
      const stored = await create(previous);
      doc.metadata['resourceVersion'] = (stored.metadata as { resourceVersion: string }).resourceVersion;
      const refused = await replace(doc).then(
        () => undefined,
        (err: unknown) => serverMessage(err),
      );
      expect(refused, 'the update was accepted').toBeDefined();
      report(c.name, refused);
      expect(refused?.code).toBe(422);
      expect(refused?.message).toContain(c.expect);
      return;
    }
    const refused = await create(doc).then(
      () => undefined,
      (err: unknown) => serverMessage(err),
    );
    expect(refused, 'the object was accepted').toBeDefined();
    report(c.name, refused);
    expect([400, 422]).toContain(refused?.code);
    expect(refused?.message).toContain(c.expect);
  });
});

describe('status subresource', () => {
  it('takes a worker progress block and a controller condition, and kubectl get prints them', async () => {
    const doc = relocate(example('embedded/power-source.yaml'));
    doc.metadata['name'] = 'status-demo';
    const created = await create(doc);
    const meta = created.metadata as { resourceVersion: string; generation: number };
    const status = {
      observedGeneration: meta.generation,
      site: 'hub',
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Collecting',
          message: 'the newest reading is 20 minutes old',
          observedGeneration: meta.generation,
          lastTransitionTime: '2026-11-23T01:00:00Z',
        },
      ],
      progress: {
        reporter: 'kpx-national-collector-7d9f',
        updatedAt: '2026-11-23T01:03:00Z',
        lastPollTime: '2026-11-23T01:03:00Z',
        lastOutcome: 'ok',
        lastReadingTime: new Date(Date.now() - 20 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
        lastReading: { currentDemandMw: 71234.5, supplyCapacityMw: 90210, supplyReservePct: 26.6 },
        recordsTotal: 12,
        callsToday: 40,
      },
    };
    const updated = (await custom.replaceNamespacedCustomObjectStatus({
      group: GROUP,
      version: VERSION,
      namespace: HUB_NS,
      plural: 'powersources',
      name: 'status-demo',
      body: { ...created, status },
    })) as Doc;
    const row = (await kubectl('get', 'pws', 'status-demo', '-n', HUB_NS, '--no-headers')).trim().split(/\s+/);
    expect(row).toEqual(['status-demo', 'hub', 'True', '20m', '71234.5', 'ok', expect.stringMatching(/^\d+s$/)]);

    const refused = await custom
      .replaceNamespacedCustomObjectStatus({
        group: GROUP,
        version: VERSION,
        namespace: HUB_NS,
        plural: 'powersources',
        name: 'status-demo',
        body: { ...updated, status: { progress: { ...status.progress, lastOutcome: 'great' } } },
      })
      .then(
        () => undefined,
        (err: unknown) => serverMessage(err),
      );
    expect(refused?.message).toContain('Unsupported value: "great"');
  });
});

describe('kubectl', () => {
  it('explain shows the field descriptions', async () => {
    const explain = async (field: string) => (await kubectl('explain', field)).replace(/\s+/g, ' ');
    const policy = await eventually('explain', () => explain('dailyjoins.spec.catchUp.policy'), {
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    expect(policy).toContain('ENUM: None Latest All');
    expect(policy).toContain('None skips them, Latest runs only the most recent');
    expect(await explain('remotesites.spec.credentialsEpoch')).toContain('Bump to revoke');
    expect(await explain('weathersources.spec.locations.nx')).toContain('KMA grid column');
  });

  it('get gridlake lists every namespaced kind through the category, with the printer columns', async () => {
    const all = await kubectl('get', 'gridlake', '-n', HUB_NS);
    for (const kind of [
      'powersource.gridlake.io',
      'weathersource.gridlake.io',
      'lakesink.gridlake.io',
      'dailyjoin.gridlake.io',
    ])
      expect(all).toContain(kind);
    const sources = await kubectl('get', 'pws', '-n', HUB_NS);
    expect(sources.split('\n')[0]).toMatch(/NAME\s+SITE\s+READY\s+LAST READING\s+DEMAND MW\s+OUTCOME\s+AGE/);
    const runs = await kubectl('get', 'djr', '-n', HUB_NS);
    expect(runs.split('\n')[0]).toMatch(/NAME\s+JOIN\s+DATE\s+STATE\s+OUTCOME\s+ROWS\s+QUALITY\s+DURATION\s+AGE/);
    expect(runs).toContain('2026-10-15');
  });
});
