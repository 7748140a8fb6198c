import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';

/** House rules that a linter does not check, as tests. */
const ROOTS = ['src', 'controllers', 'test', 'bench'];

function tsFiles(dir: string): string[] {
  let out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e);
    if (e === 'node_modules' || e === 'fixtures') continue;
    if (statSync(p).isDirectory()) out = out.concat(tsFiles(p));
    else if (/\.(ts|mts)$/.test(e) && !e.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const files = ROOTS.flatMap(tsFiles);

describe('repository rules', () => {
  it('finds the sources it checks', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it('uses relative imports that end in .js (ESM resolution on Node)', () => {
    const offenders: string[] = [];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
        if (!m[1]!.endsWith('.js') && !m[1]!.endsWith('.json')) offenders.push(`${f}: ${m[1]}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('pins every dependency to an exact version', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as Record<string, Record<string, string> | undefined>;
    const loose = Object.entries({
      ...pkg['dependencies'],
      ...pkg['devDependencies'],
      ...pkg['optionalDependencies'],
    }).filter(([, v]) => !/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(v));
    expect(loose).toEqual([]);
  });

  it('documents every error code in docs/errors.md, and nothing else', () => {
    const doc = readFileSync('docs/errors.md', 'utf8');
    const documented = [...doc.matchAll(/^\| `(GL_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('raises every catalogued code somewhere in src/ or controllers/, and no code outside the catalogue', () => {
    const raised = new Set<string>();
    for (const f of files) {
      if (!/^(src|controllers)\//.test(f.split(path.sep).join('/')) || f === path.join('src', 'errors.ts')) continue;
      for (const m of readFileSync(f, 'utf8').matchAll(/'(GL_[A-Z0-9_]+)'/g)) raised.add(m[1]!);
    }
    const catalogued = Object.keys(ERROR_CODES);
    expect(catalogued.filter((c) => !raised.has(c))).toEqual([]);
    expect([...raised].filter((c) => !(c in ERROR_CODES)).sort()).toEqual([]);
  });
});
