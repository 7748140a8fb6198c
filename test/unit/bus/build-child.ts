import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'rolldown';

/**
 * Bundles a TypeScript entry into an ESM file that a plain `node` child can
 * run (kill -9 tests need a real process). Packages stay external and resolve
 * from the repository's node_modules. Modules loaded with `await import()`
 * (the CLI's commands) become chunks next to it in `<file>.chunks/`, loaded
 * when the import runs, as in the tsc build.
 */
export async function buildChild(entry: string, name: string): Promise<string> {
  const root = resolve(import.meta.dirname, '../../..');
  const outDir = join(root, 'node_modules', '.cache', 'gridlake-test');
  mkdirSync(outDir, { recursive: true });
  const file = `${name}-${process.pid}.mjs`;
  await build({
    input: entry,
    platform: 'node',
    external: (id) => !id.startsWith('.') && !id.startsWith('/'),
    output: { dir: outDir, entryFileNames: file, chunkFileNames: `${file}.chunks/[name]-[hash].mjs`, format: 'esm' },
    logLevel: 'silent',
  });
  return join(outDir, file);
}
