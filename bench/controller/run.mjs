// Bundles the benchmark and the gridlake CLI, then runs it:
// node bench/controller/run.mjs [joins] [sources]
import { spawnSync } from 'node:child_process';
import { bundle, bundleWithTestInfra } from '../bundle.mjs';

const cli = await bundle('src/cli.ts', 'controller-bench-cli.mjs');
const benchFile = await bundleWithTestInfra('bench/controller/controller-bench.ts', 'controller-bench.mjs');
const res = spawnSync(process.execPath, [benchFile, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, GRIDLAKE_BENCH_CLI: cli },
});
process.exit(res.status ?? 1);
