import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The layer directions (.dependency-cruiser.cjs) and the map a newcomer reads
// (README.md's layout table), checked against the tree.

const ROOT = path.resolve(import.meta.dirname, '../..');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = path.join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
}

/** Runs dependency-cruiser in `cwd` over `paths` and returns its violations as `rule: from → to`. */
function cruise(cwd: string, paths: readonly string[]): string[] {
  const res = spawnSync(process.execPath, [DEPCRUISE, ...paths, '--config', CONFIG, '--output-type', 'json'], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  if (res.stdout === '') throw new Error(`dependency-cruiser printed nothing (exit ${res.status}): ${res.stderr}`);
  const result = JSON.parse(res.stdout) as { summary: { violations: Violation[] } };
  return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
}

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A throw-away tree of `files` (path → text) with the repository's tsconfig. */
function tree(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'gridlake-arch-'));
  scratch.push(dir);
  writeFileSync(path.join(dir, 'tsconfig.json'), readFileSync(path.join(ROOT, 'tsconfig.json')));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

describe('layer directions', () => {
  it('src/ and controllers/ import only in the allowed directions', () => {
    expect(cruise(ROOT, ['src', 'controllers'])).toEqual([]);
  }, 120_000);

  it('the check can fail: each kind of wrong import is reported under its rule', () => {
    const dir = tree({
      'src/lake/uses-cluster.ts': "import { x } from '../k8s/thing.js';\nexport const y = x;\n",
      'src/join/uses-controller.ts': "import { r } from '../../controllers/report.js';\nexport const z = r;\n",
      'src/sources/declares-command.ts': "import { Command } from 'commander';\nexport const c = new Command('x');\n",
      'src/bus/uses-cli.ts': "import { p } from '../cli/program.js';\nexport const q = p;\n",
      'src/k8s/thing.ts': "import { r } from '../../controllers/report.js';\nexport const x = r;\n",
      'src/k8s/a.ts': "import { b } from './b.js';\nexport const a = (): number => b + 1;\n",
      'src/k8s/b.ts': "import { a } from './a.js';\nexport const b = a.length;\n",
      'src/agent/uses-reconciler.ts': "import { r } from '../../controllers/report.js';\nexport const w = r;\n",
      'src/sources/uses-agent.ts': "import { w } from '../agent/uses-reconciler.js';\nexport const v = w;\n",
      'src/cli/program.ts': 'export const p = 1;\n',
      'controllers/report.ts': 'export const r = 1;\n',
      'node_modules/commander/package.json': '{"name":"commander","main":"index.js"}',
      'node_modules/commander/index.js': 'exports.Command = class {};\n',
    });
    const found = cruise(dir, ['src', 'controllers']);
    expect(found).toEqual(
      expect.arrayContaining([
        'domain-not-cluster: src/lake/uses-cluster.ts → src/k8s/thing.ts',
        'domain-not-cluster: src/join/uses-controller.ts → controllers/report.ts',
        'only-cli-declares-commands: src/sources/declares-command.ts → node_modules/commander/index.js',
        'domain-not-wiring: src/bus/uses-cli.ts → src/cli/program.ts',
        'k8s-not-controllers: src/k8s/thing.ts → controllers/report.ts',
        'agent-not-hub: src/agent/uses-reconciler.ts → controllers/report.ts',
        'domain-not-wiring: src/sources/uses-agent.ts → src/agent/uses-reconciler.ts',
      ]),
    );
    expect(found.some((v) => v.startsWith('no-circular: src/k8s/'))).toBe(true);
  }, 120_000);
});

/** The folders README.md's layout table names, e.g. `src/api/` or `crds/`, `charts/`. */
function readmeLayoutFolders(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = /^## Layout\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
  const firstCells = section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => line.split('|')[1] ?? '');
  return firstCells.flatMap((cell) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
}

const isDir = (p: string): boolean => {
  try {
    return statSync(path.join(ROOT, p)).isDirectory();
  } catch {
    return false;
  }
};

describe("README.md's layout table", () => {
  const named = readmeLayoutFolders();

  it('names only folders and files that exist', () => {
    expect(named.length).toBeGreaterThan(10);
    const missing = named.filter((p) => {
      try {
        statSync(path.join(ROOT, p));
        return false;
      } catch {
        return true;
      }
    });
    expect(missing).toEqual([]);
  });

  it('names every folder of src/ and every top-level folder', () => {
    const folders = [
      ...readdirSync(path.join(ROOT, 'src'))
        .filter((e) => isDir(`src/${e}`))
        .map((e) => `src/${e}/`),
      ...readdirSync(ROOT)
        .filter((e) => isDir(e) && !e.startsWith('.') && !['node_modules', 'dist', 'coverage'].includes(e))
        .map((e) => `${e}/`),
    ];
    const covered = (folder: string): boolean =>
      named.some((n) => n === folder || n === folder.replace(/\/$/, '') || n.startsWith(folder));
    expect(folders.filter((f) => !covered(f))).toEqual([]);
  });
});

describe('configuration', () => {
  it('only src/config.ts and the CLI entry read process.env', () => {
    const readers: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(path.join(ROOT, dir))) {
        const rel = `${dir}/${e}`;
        if (isDir(rel)) walk(rel);
        else if (rel.endsWith('.ts') && /process\.env\b/.test(readFileSync(path.join(ROOT, rel), 'utf8')))
          readers.push(rel);
      }
    };
    walk('src');
    walk('controllers');
    expect(readers.filter((f) => f !== 'src/config.ts' && f !== 'src/cli.ts')).toEqual([]);
  });
});
