// Shared by the bench runners: Node 20 cannot run TypeScript, so each bench
// and the processes it starts are bundled with rolldown into one cache folder.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'rolldown';

export const root = resolve(import.meta.dirname, '..');
export const out = join(root, 'node_modules', '.cache', 'gridlake-bench');
mkdirSync(out, { recursive: true });

const external = (id) => !id.startsWith('.') && !id.startsWith('/');

/** Bundles `input` (relative to the repo) into `out/file`; returns the bundle's path. */
export async function bundle(input, file) {
  await build({
    input: join(root, input),
    platform: 'node',
    external,
    output: { file: join(out, file), format: 'esm' },
    logLevel: 'silent',
  });
  return join(out, file);
}

/**
 * Bundles a bench that starts test servers: test/infra/tools.ts finds its
 * pinned versions next to itself via import.meta.url, which the bundle moved.
 */
export async function bundleWithTestInfra(input, file) {
  const path = await bundle(input, file);
  const infraUrl = JSON.stringify(pathToFileURL(join(root, 'test/infra/tools.ts')).href);
  writeFileSync(path, readFileSync(path, 'utf8').replaceAll('import.meta.url', infraUrl));
  return path;
}
