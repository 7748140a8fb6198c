// `npm test`: builds or reuses the cached test servers, then runs every vitest
// project (unit, integration) and ends with the plain `N passed, N failed` line.
// Extra arguments go to vitest, e.g. `npm test -- --project unit`.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';

const run = (cmd, args) =>
  spawnSync(cmd, args, {
    stdio: 'inherit',
    env: {
      ...process.env,
      KAFKAJS_NO_PARTITIONER_WARNING: '1',
      // The SDK warns that Node 20 support ends in 2027; the image runs Node 22, tests also run on 20.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });

const args = process.argv.slice(2);
const unitOnly = args.includes('unit') && args.includes('--project') && !args.includes('integration');
if (!unitOnly && process.env.GRIDLAKE_SKIP_TOOLS !== '1') {
  const t0 = Date.now();
  const tools = run('bash', ['test/infra/tools/ensure-tools.sh', 'all']);
  if (tools.status !== 0) {
    console.error('npm test: building the test servers failed (see above); no test was run.');
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
  console.error(`[gridlake] test servers ready in the cache (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}

const report = process.env.GRIDLAKE_VITEST_REPORT ?? '.vitest-report.json';
rmSync(report, { force: true });
const vitest = run('npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...args,
]);
const summary = run('node', ['scripts/vitest-summary.mjs', report]);
process.exit(vitest.status !== 0 || summary.status !== 0 ? 1 : 0);
