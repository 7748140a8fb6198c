// Shared by the bench runners: Node 20 cannot run TypeScript, so each bench
// and the processes it starts are bundled with rolldown into one cache folder.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'rolldown';

export const root = resolve(import.meta.dirname, '..');
export const out = join(root, 'node_modules', '.cache', 'gridlake-bench');
mkdirSync(out, { recursive: true });

const external = (id) => !id.startsWith('.') && !id.startsWith('/');

/**
 * Bundles `input` (relative to the repo) into `out/file`; returns the bundle's
 * path. A module loaded with `await import()` becomes a chunk of its own in
 * `out/<file>.chunks/`, read only when the import runs, as in the tsc build
 * the image runs: in a single-file bundle rolldown hoists every package a lazy
 * module imports to the top of the file, so the CLI would load every
 * command's packages again (and the controller bench would not measure the
 * image's RSS). The entry stays in `out/`: benches find the repo from there.
 */
export async function bundle(input, file) {
  const chunks = `${file}.chunks`;
  rmSync(join(out, chunks), { recursive: true, force: true });
  await build({
    input: join(root, input),
    platform: 'node',
    external,
    output: { dir: out, entryFileNames: file, chunkFileNames: `${chunks}/[name]-[hash].mjs`, format: 'esm' },
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
  const chunks = join(out, `${file}.chunks`);
  const files = [path, ...(existsSync(chunks) ? readdirSync(chunks).map((f) => join(chunks, f)) : [])];
  for (const f of files.filter((name) => name.endsWith('.mjs')))
    writeFileSync(f, readFileSync(f, 'utf8').replaceAll('import.meta.url', infraUrl));
  return path;
}
