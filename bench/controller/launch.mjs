// Bundles a controller benchmark and the gridlake CLI, then runs it with the
// given arguments. The controller runs with the Helm chart's NODE_OPTIONS
// (controller.nodeOptions in charts/gridlake/values.yaml), as deployed;
// GRIDLAKE_BENCH_CONTROLLER_NODE_OPTIONS replaces them (empty: Node's defaults).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { bundle, bundleWithTestInfra, root } from '../bundle.mjs';

/** `name` is the benchmark's file in bench/controller without `.ts`, e.g. `controller-bench`. */
export async function launchControllerBench(name, args) {
  const chart = parse(readFileSync(join(root, 'charts/gridlake/values.yaml'), 'utf8'));
  const cli = await bundle('src/cli.ts', `${name}-cli.mjs`);
  const benchFile = await bundleWithTestInfra(`bench/controller/${name}.ts`, `${name}.mjs`);
  const res = spawnSync(process.execPath, [benchFile, ...args], {
    stdio: 'inherit',
    env: {
      ...process.env,
      GRIDLAKE_BENCH_CLI: cli,
      GRIDLAKE_BENCH_CONTROLLER_NODE_OPTIONS:
        process.env.GRIDLAKE_BENCH_CONTROLLER_NODE_OPTIONS ?? chart.controller?.nodeOptions ?? '',
    },
  });
  return res.status ?? 1;
}
