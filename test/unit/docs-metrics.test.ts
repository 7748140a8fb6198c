import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * docs/metrics.md lists every metric the processes expose. gridlake's own
 * names are collected from the code wherever they appear (prom-client
 * constructors, the helpers that wrap them, comments), so a metric added,
 * renamed or removed without its documentation fails here.
 */

const CODE_ROOTS = ['src', 'controllers'];
const DOC = 'docs/metrics.md';
const OWN_NAME = /\bgridlake_[a-z0-9_]*[a-z0-9]\b/g;
/**
 * The name a metric is made with: `name: '…'` right after a prom-client constructor opens, or the first
 * argument of a maker from src/observe/metric-kit.ts. The controller-runtime names too.
 */
const CONSTRUCTED =
  /(?:new (?:Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\{\s*name: |\b(?:counter|gauge|histogram)(?:<[^>]*>)?\(\s*)'([a-z_:][a-z0-9_:]*)'/g;

function codeFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...codeFiles(p));
    else if (/\.(ts|mts)$/.test(entry) && !entry.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const code = CODE_ROOTS.flatMap(codeFiles).map((f) => ({ file: f, text: readFileSync(f, 'utf8') }));
const doc = readFileSync(DOC, 'utf8');
/** Metric names the page documents: code spans in its tables. */
const documented = new Set([...doc.matchAll(/^\| `([a-z_:][a-z0-9_:]*)` \|/gm)].map((m) => m[1]!));

function inCode(pattern: RegExp): Map<string, string> {
  const found = new Map<string, string>();
  for (const { file, text } of code) for (const m of text.matchAll(pattern)) found.set(m[1] ?? m[0], file);
  return found;
}

describe('docs/metrics.md', () => {
  const own = inCode(OWN_NAME);

  it('finds the metrics it checks', () => {
    expect(own.size).toBeGreaterThan(20);
    expect(documented.size).toBeGreaterThan(own.size);
  });

  it('documents every gridlake_* metric named in the code', () => {
    const missing = [...own].filter(([name]) => !documented.has(name)).map(([name, file]) => `${name} (${file})`);
    expect(missing).toEqual([]);
  });

  it('documents no gridlake_* metric the code does not have', () => {
    const stale = [...doc.matchAll(OWN_NAME)].map((m) => m[0]).filter((name) => !own.has(name));
    expect([...new Set(stale)]).toEqual([]);
  });

  it('documents every metric a prom-client constructor registers, controller-runtime names included', () => {
    const constructed = inCode(CONSTRUCTED);
    expect(constructed.size).toBeGreaterThan(20);
    const missing = [...constructed]
      .filter(([name]) => !documented.has(name))
      .map(([name, file]) => `${name} (${file})`);
    expect(missing).toEqual([]);
  });
});
