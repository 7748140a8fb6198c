import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

async function summary(...reports: object[]): Promise<{ stdout: string; code: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'summary-'));
  const files = await Promise.all(
    reports.map(async (r, i) => {
      const f = path.join(dir, `r${i}.json`);
      await writeFile(f, JSON.stringify(r));
      return f;
    }),
  );
  return run('node', [
    'scripts/vitest-summary.mjs',
    ...files,
    ...(reports.length === 0 ? [path.join(dir, 'missing.json')] : []),
  ]).then(
    ({ stdout }) => ({ stdout, code: 0 }),
    (e: { stdout: string; code: number }) => ({ stdout: e.stdout, code: e.code }),
  );
}

describe('CI summary line', () => {
  it('adds up several vitest JSON reports into one closing line', async () => {
    const r = await summary(
      { numPassedTests: 10, numFailedTests: 1, numPendingTests: 0, numTodoTests: 0, testResults: [], success: false },
      { numPassedTests: 5, numFailedTests: 0, numPendingTests: 2, numTodoTests: 0, testResults: [], success: true },
    );
    expect(r.stdout.trim()).toBe('15 passed, 1 failed, 2 skipped');
  });

  it('counts a test file that failed to load as a failure', async () => {
    const r = await summary({
      numPassedTests: 3,
      numFailedTests: 0,
      testResults: [{ status: 'failed', assertionResults: [] }],
    });
    expect(r.stdout.trim()).toBe('3 passed, 1 failed');
  });

  it('counts a run that vitest marked unsuccessful with no failed test (a config error) as one failure', async () => {
    const r = await summary({ numPassedTests: 0, numFailedTests: 0, success: false, testResults: [] });
    expect(r.stdout.trim()).toBe('0 passed, 1 failed');
  });

  it('exits non-zero when a report is missing (the run crashed)', async () => {
    const r = await summary();
    expect(r.stdout.trim()).toBe('0 passed, 0 failed');
    expect(r.code).toBe(1);
  });
});
