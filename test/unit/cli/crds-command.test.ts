import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerCrdsCommand } from '../../../src/cli/crds-command.js';
import { allCrdsYaml, buildCrds, crdFileName, crdToYaml } from '../../../src/api/crd.js';
import { KINDS } from '../../../src/api/kinds.js';
import { buildReference } from '../../../src/api/reference.js';

function program(): Command {
  const p = new Command('gridlake').exitOverride();
  registerCrdsCommand(p);
  return p;
}

describe('gridlake crds', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints every CRD as one YAML stream without --out', async () => {
    const chunks: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(String(chunk));
      return true;
    });
    await program().parseAsync(['node', 'gridlake', 'crds']);
    expect(chunks.join('')).toBe(allCrdsYaml());
    expect(chunks.join('').split('\n---\n')).toHaveLength(6);
  });

  it('writes crds/<plural>.gridlake.io.yaml with --out', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gridlake-crds-'));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await program().parseAsync(['node', 'gridlake', 'crds', '--out', dir]);
      const crds = buildCrds();
      expect((await readdir(dir)).sort()).toEqual(crds.map(crdFileName).sort());
      for (const crd of crds) expect(await readFile(path.join(dir, crdFileName(crd)), 'utf8')).toBe(crdToYaml(crd));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes the configuration reference with --reference, and prints no CRDs', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gridlake-reference-'));
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const file = path.join(dir, 'docs', 'reference.txt');
      await program().parseAsync(['node', 'gridlake', 'crds', '--reference', file]);
      expect(await readFile(file, 'utf8')).toBe(buildReference(KINDS));
      expect(stdout).not.toHaveBeenCalled();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
