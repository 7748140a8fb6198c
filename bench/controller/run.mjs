// Bundles the benchmark and the gridlake CLI with rolldown (Node 20 cannot run
// TypeScript), then runs it: node bench/controller/run.mjs [joins] [sources]
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
await bundle('bench/controller/controller-bench.ts', 'controller-bench.mjs');
await bundle('src/cli.ts', 'controller-bench-cli.mjs');
// test/infra/tools.ts finds its pinned versions next to itself via import.meta.url; the bundle moved it.
const benchFile = join(out, 'controller-bench.mjs');
const infraUrl = JSON.stringify(pathToFileURL(join(root, 'test/infra/tools.ts')).href);
writeFileSync(benchFile, readFileSync(benchFile, 'utf8').replaceAll('import.meta.url', infraUrl));
const res = spawnSync(process.execPath, [benchFile, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, GRIDLAKE_BENCH_CLI: join(out, 'controller-bench-cli.mjs') },
});
process.exit(res.status ?? 1);
