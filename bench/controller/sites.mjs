// Bundles the many-sites benchmark and the gridlake CLI, then runs it:
// node bench/controller/sites.mjs [sites=100] [seconds=300] [renewSeconds=10]
// The controller runs with the Helm chart's NODE_OPTIONS (controller.nodeOptions
// in charts/gridlake/values.yaml), as deployed; GRIDLAKE_BENCH_CONTROLLER_NODE_OPTIONS
// replaces them (empty: Node's defaults).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { bundle, bundleWithTestInfra, root } from '../bundle.mjs';

const chart = parse(readFileSync(join(root, 'charts/gridlake/values.yaml'), 'utf8'));
const cli = await bundle('src/cli.ts', 'sites-bench-cli.mjs');
const benchFile = await bundleWithTestInfra('bench/controller/sites-bench.ts', 'sites-bench.mjs');
const res = spawnSync(process.execPath, [benchFile, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: {
    ...process.env,
    GRIDLAKE_BENCH_CLI: cli,
    GRIDLAKE_BENCH_CONTROLLER_NODE_OPTIONS:
      process.env.GRIDLAKE_BENCH_CONTROLLER_NODE_OPTIONS ?? chart.controller?.nodeOptions ?? '',
  },
});
process.exit(res.status ?? 1);
