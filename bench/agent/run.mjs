// Bundles the spool-drain benchmark and the forwarder child, then runs it:
// node bench/agent/run.mjs [records=1000000]
import { spawnSync } from 'node:child_process';
import { bundle, bundleWithTestInfra } from '../bundle.mjs';

const benchFile = await bundleWithTestInfra('bench/agent/spool-drain.ts', 'spool-drain.mjs');
const child = await bundle('test/integration/agent/forwarder-child.ts', 'forwarder-child.mjs');
const res = spawnSync(process.execPath, [benchFile, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, GRIDLAKE_FORWARDER_CHILD_FILE: child },
});
process.exit(res.status ?? 1);
