import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildCrds, crdFileName, crdToYaml, GENERATED_HEADER } from '../../../src/api/crd.js';
import type { CustomResourceDefinition } from '../../../src/api/crd.js';
import { KINDS } from '../../../src/api/kinds.js';
import { toStructural } from '../../../src/api/structural.js';
import type { JsonSchema } from '../../../src/api/structural.js';

const CRDS = path.resolve(import.meta.dirname, '../../../crds');

type Node = Record<string, unknown>;

function schemaOf(crd: CustomResourceDefinition): Node {
  const versions = crd.spec['versions'] as { schema: { openAPIV3Schema: Node } }[];
  return versions[0]!.schema.openAPIV3Schema;
}

/** Every node of a schema with its dotted path. */
function walk(node: Node, p: string, visit: (n: Node, p: string) => void): void {
  visit(node, p);
  const props = node['properties'] as Record<string, Node> | undefined;
  for (const [k, child] of Object.entries(props ?? {})) walk(child, p === '' ? k : `${p}.${k}`, visit);
  const items = node['items'] as Node | undefined;
  if (items !== undefined) walk(items, `${p}[]`, visit);
}

describe('generated CRDs', () => {
  const crds = buildCrds();

  it.each([CRDS, 'charts/gridlake/crds'])(
    '%s holds exactly the generated files, byte for byte (run `npm run crds` when this fails)',
    (dir) => {
      const onDisk = readdirSync(dir)
        .filter((f) => f.endsWith('.yaml'))
        .sort();
      expect(onDisk).toEqual(crds.map(crdFileName).sort());
      for (const crd of crds) {
        expect(readFileSync(path.join(dir, crdFileName(crd)), 'utf8'), crdFileName(crd)).toBe(crdToYaml(crd));
      }
    },
  );

  it('is deterministic and starts with the do-not-edit header', () => {
    const again = buildCrds().map(crdToYaml);
    expect(again).toEqual(crds.map(crdToYaml));
    for (const text of again) expect(text.startsWith(GENERATED_HEADER)).toBe(true);
    for (const text of again) expect(parse(text)).toBeTruthy();
  });

  it('names every kind in group gridlake.io with a short name, the gridlake category and a status subresource', () => {
    const shortNames = crds.flatMap((c) => (c.spec['names'] as { shortNames: string[] }).shortNames);
    expect(new Set(shortNames).size).toBe(shortNames.length);
    for (const crd of crds) {
      expect(crd.metadata.name).toMatch(/^[a-z]+\.gridlake\.io$/);
      expect(crd.spec['names']).toMatchObject({ categories: ['gridlake'] });
      expect(crd.spec['versions']).toMatchObject([
        { name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } },
      ]);
    }
    expect(crds.map((c) => (c.spec['names'] as { kind: string }).kind)).toEqual([
      'PowerSource',
      'WeatherSource',
      'LakeSink',
      'DailyJoin',
      'DailyJoinRun',
      'RemoteSite',
    ]);
    expect(crds.find((c) => c.metadata.name === 'remotesites.gridlake.io')?.spec['scope']).toBe('Cluster');
  });

  it.each(crds.map((c) => [c.metadata.name, c] as const))(
    '%s: every field has a description for kubectl explain',
    (_n, crd) => {
      const missing: string[] = [];
      walk(schemaOf(crd), '', (n, p) => {
        if (p !== 'metadata' && (typeof n['description'] !== 'string' || n['description'] === '')) missing.push(p);
      });
      expect(missing).toEqual([]);
    },
  );

  it.each(crds.map((c) => [c.metadata.name, c] as const))(
    '%s: is structural (types everywhere, no junctors or refs) and bounds strings and lists for CEL cost',
    (_n, crd) => {
      const problems: string[] = [];
      walk(schemaOf(crd), '', (n, p) => {
        if (p === 'metadata') return;
        if (typeof n['type'] !== 'string') problems.push(`${p}: no type`);
        for (const k of ['anyOf', 'oneOf', 'allOf', 'not', '$ref']) if (k in n) problems.push(`${p}: ${k}`);
        if (n['additionalProperties'] === false) problems.push(`${p}: additionalProperties false`);
        const inSpec = p.startsWith('spec');
        if (inSpec && n['type'] === 'string' && n['enum'] === undefined && n['maxLength'] === undefined)
          problems.push(`${p}: string without maxLength`);
        if (inSpec && n['type'] === 'array' && n['maxItems'] === undefined)
          problems.push(`${p}: list without maxItems`);
        if ('default' in n && n['type'] === 'object' && Array.isArray(n['required'])) {
          const props = n['properties'] as Record<string, Node>;
          for (const r of n['required'] as string[])
            if (!('default' in (props[r] ?? {})))
              problems.push(`${p}: default {} but ${r} is required without a default`);
        }
      });
      expect(problems).toEqual([]);
    },
  );

  it.each(crds.map((c) => [c.metadata.name, c] as const))('%s: every CEL rule has a message', (_n, crd) => {
    walk(schemaOf(crd), '', (n) => {
      for (const v of (n['x-kubernetes-validations'] as { rule: string; message: string }[] | undefined) ?? []) {
        expect(v.rule.length).toBeGreaterThan(0);
        expect(v.message.length).toBeGreaterThan(10);
      }
    });
  });

  it.each(crds.map((c) => [c.metadata.name, c] as const))('%s: printer column paths exist in the schema', (_n, crd) => {
    const versions = crd.spec['versions'] as { additionalPrinterColumns: { jsonPath: string; name: string }[] }[];
    const root = schemaOf(crd);
    for (const col of versions[0]!.additionalPrinterColumns) {
      if (col.jsonPath === '.metadata.creationTimestamp') continue;
      // `.a.b[*].c` and `.a[?(@.type=="Ready")].status` walk through list items.
      const segs = col.jsonPath
        .replace(/\[\?\(@\.type=="[A-Za-z]+"\)\]/g, '[]')
        .replace(/\[\*\]/g, '[]')
        .split('.')
        .filter((s) => s !== '');
      let node: Node | undefined = root;
      for (const seg of segs) {
        const name = seg.replace('[]', '');
        node = (node?.['properties'] as Record<string, Node> | undefined)?.[name];
        if (seg.endsWith('[]')) node = node?.['items'] as Node | undefined;
      }
      expect(node, `${col.name}: ${col.jsonPath}`).toBeDefined();
    }
  });

  it('shows the story in kubectl get: freshness for sources, date/outcome/rows/duration for runs', () => {
    const columns = (plural: string) =>
      (
        crds.find((c) => c.metadata.name === `${plural}.gridlake.io`)!.spec['versions'] as {
          additionalPrinterColumns: { name: string; type: string }[];
        }[]
      )[0]!.additionalPrinterColumns.map((c) => `${c.name}:${c.type}`);
    expect(columns('powersources')).toEqual(
      expect.arrayContaining(['Last Reading:date', 'Demand MW:number', 'Ready:string', 'Outcome:string']),
    );
    expect(columns('dailyjoinruns')).toEqual(
      expect.arrayContaining(['Date:string', 'Outcome:string', 'Rows:integer', 'Duration:number']),
    );
  });
});

describe('toStructural', () => {
  it('refuses a node without a description, so kubectl explain never comes up empty', () => {
    expect(() => toStructural({ type: 'string' } as JsonSchema, 'x')).toThrow(/needs a description/);
  });

  it('refuses anyOf, which a structural schema cannot carry at this level', () => {
    expect(() => toStructural({ description: 'd', anyOf: [] } as JsonSchema, 'x')).toThrow(/anyOf/);
  });

  it('drops additionalProperties: false and TypeBox symbols, and sorts properties', () => {
    const out = toStructural(KINDS[0]!.spec);
    expect(JSON.stringify(out)).not.toContain('additionalProperties');
    expect(Object.getOwnPropertySymbols(out)).toEqual([]);
    const keys = Object.keys(out['properties'] as object);
    expect(keys).toEqual([...keys].sort());
  });
});
