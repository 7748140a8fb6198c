import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'rolldown';

/**
 * Bundles a TypeScript entry into one ESM file that a plain `node` child can
 * run (kill -9 tests need a real process). Packages stay external and resolve
 * from the repository's node_modules.
 */
export async function buildChild(entry: string, name: string): Promise<string> {
  const root = resolve(import.meta.dirname, '../../..');
  const outDir = join(root, 'node_modules', '.cache', 'gridlake-test');
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${name}-${process.pid}.mjs`);
  await build({
    input: entry,
    platform: 'node',
    external: (id) => !id.startsWith('.') && !id.startsWith('/'),
    output: { file, format: 'esm' },
    logLevel: 'silent',
  });
  return file;
}
