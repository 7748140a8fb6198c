// Prints the plain closing line `N passed, N failed[, N skipped]` summed over
// one or more vitest JSON reports, so a run that executed no test shows as 0.
// Exit code 1 when a report is missing or unreadable (that run crashed).
import { readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
let broken = false;
for (const file of process.argv.slice(2)) {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    // A file that failed to load (syntax error, failing global setup) has no tests but is a failure.
    const unloaded = (r.testResults ?? []).filter(
      (t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0,
    ).length;
    failed += unloaded;
    // vitest marks a run unsuccessful for errors outside any test (unhandled errors, bad config): count one.
    if (r.success === false && (r.numFailedTests ?? 0) === 0 && unloaded === 0) failed += 1;
  } catch (e) {
    console.error(`vitest-summary: cannot read ${file}: ${e.message}`);
    broken = true;
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(broken ? 1 : 0);
