import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTRACT_SAMPLES_DIR, SAMPLES_DIR } from './samples.js';

describe('sample answers', () => {
  it('are all here (the parser and simulator tests read them)', () => {
    expect(readdirSync(SAMPLES_DIR).filter((f) => f !== 'README.md').length).toBeGreaterThanOrEqual(13);
  });

  // The contract folder exists beside the repository on development machines, not on CI.
  it.runIf(existsSync(CONTRACT_SAMPLES_DIR))('match the contract byte for byte', () => {
    for (const name of readdirSync(CONTRACT_SAMPLES_DIR).filter((f) => f !== 'README.md'))
      expect(readFileSync(SAMPLES_DIR + name, 'utf8'), name).toBe(readFileSync(CONTRACT_SAMPLES_DIR + name, 'utf8'));
  });
});
