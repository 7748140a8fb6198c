// Bundles the benchmark and the sink child, then runs it:
// node bench/sink/run.mjs [records]   (or --local [records]: the sink's own CPU, for profiling;
// --domain [records]: CPU per record of decode, buffer and encode, no I/O)
import { spawnSync } from 'node:child_process';
import { bundle, bundleWithTestInfra } from '../bundle.mjs';

if (process.argv[2] === '--domain') {
  const file = await bundle('bench/sink/sink-domain-cpu.ts', 'sink-domain-cpu.mjs');
  const r = spawnSync(process.execPath, [file, ...process.argv.slice(3)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
if (process.argv[2] === '--local') {
  const profile = await bundle('bench/sink/sink-local-profile.ts', 'sink-local-profile.mjs');
  const r = spawnSync(
    process.execPath,
    [
      ...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.PROF] : []),
      profile,
      ...process.argv.slice(3),
    ],
    { stdio: 'inherit' },
  );
  process.exit(r.status ?? 1);
}
const benchFile = await bundleWithTestInfra('bench/sink/sink-bench.ts', 'sink-bench.mjs');
const child = await bundle('test/integration/lake/sink-child.ts', 'sink-child.mjs');
const res = spawnSync(process.execPath, [benchFile, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, GRIDLAKE_SINK_CHILD_FILE: child },
});
process.exit(res.status ?? 1);
