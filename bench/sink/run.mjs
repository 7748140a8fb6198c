// Bundles the benchmark and the sink child with rolldown (Node 20 cannot run
// TypeScript), then runs it: node bench/sink/run.mjs [records]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';
import { build } from 'rolldown';

const root = resolve(import.meta.dirname, '../..');
const out = join(root, 'node_modules', '.cache', 'gridlake-bench');
mkdirSync(out, { recursive: true });
const external = (id) => !id.startsWith('.') && !id.startsWith('/');
const bundle = async (input, file) =>
  build({
    input: join(root, input),
    platform: 'node',
    external,
    output: { file: join(out, file), format: 'esm' },
    logLevel: 'silent',
  });
if (process.argv[2] === '--local') {
  await bundle('bench/sink/sink-local-profile.ts', 'sink-local-profile.mjs');
  const r = spawnSync(
    process.execPath,
    [
      ...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.PROF] : []),
      join(out, 'sink-local-profile.mjs'),
      ...process.argv.slice(3),
    ],
    { stdio: 'inherit' },
  );
  process.exit(r.status ?? 1);
}
await bundle('bench/sink/sink-bench.ts', 'sink-bench.mjs');
// test/infra/tools.ts finds its pinned versions next to itself via import.meta.url; the bundle moved it.
const benchFile = join(out, 'sink-bench.mjs');
const infraUrl = JSON.stringify(pathToFileURL(join(root, 'test/infra/tools.ts')).href);
writeFileSync(benchFile, readFileSync(benchFile, 'utf8').replaceAll('import.meta.url', infraUrl));
await bundle('test/integration/lake/sink-child.ts', 'sink-child.mjs');
const res = spawnSync(process.execPath, [join(out, 'sink-bench.mjs'), ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, GRIDLAKE_SINK_CHILD_FILE: join(out, 'sink-child.mjs') },
});
process.exit(res.status ?? 1);
