import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SAMPLES_DIR } from './samples.js';

describe('sample answers', () => {
  const files = readdirSync(SAMPLES_DIR).filter((f) => f !== 'README.md');

  it('are all here (the parser and simulator tests read them)', () => {
    expect(files.length).toBeGreaterThanOrEqual(13);
  });

  it('are each described in the folder README, and the README names no missing file', () => {
    const readme = readFileSync(SAMPLES_DIR + 'README.md', 'utf8');
    const listed = [...readme.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...files].sort());
  });
});
