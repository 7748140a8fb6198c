// Runs `npm ci` when node_modules is missing or does not match package-lock.json,
// so `npm start` and `npm test` work on a fresh clone with no install step.
//
// "Does not match" compares the packages npm recorded at install time
// (node_modules/.package-lock.json) with package-lock.json, not file times: a
// fresh checkout or git worktree gives package-lock.json a new mtime without
// changing it. A node_modules that is a link to a shared install is never
// reinstalled from here: `npm ci` empties the link's target (every other
// checkout using it) before installing.
import { execSync } from 'node:child_process';
import { lstatSync, readFileSync, realpathSync } from 'node:fs';

const readJson = (p) => {
  try {
    return JSON.parse(readFileSync(p, 'utf8'));
  } catch {
    return null;
  }
};

/** Why node_modules does not match package-lock.json, or null when it does. */
function mismatch() {
  const installed = readJson('node_modules/.package-lock.json');
  if (installed === null) return 'node_modules is missing';
  const wanted = readJson('package-lock.json')?.packages ?? {};
  const have = installed.packages ?? {};
  for (const [path, pkg] of Object.entries(wanted)) {
    if (path === '' || pkg.optional || pkg.devOptional || pkg.link) continue; // optional: per platform
    if (have[path]?.version !== pkg.version) return `${path} ${have[path]?.version ?? 'missing'} (want ${pkg.version})`;
  }
  return null;
}

const why = mismatch();
if (why !== null) {
  let linked = false;
  try {
    linked = lstatSync('node_modules').isSymbolicLink();
  } catch {
    // no node_modules at all
  }
  if (linked) {
    console.error(
      `[gridlake] node_modules links to ${realpathSync('node_modules')}, which does not match package-lock.json ` +
        `(${why}); not reinstalling through the link. Run npm ci where it points.`,
    );
    process.exit(1);
  }
  console.error(`[gridlake] installing npm dependencies (npm ci): ${why} ...`);
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
}
