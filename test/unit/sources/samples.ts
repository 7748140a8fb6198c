import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Example API answers in every shape the parsers and the simulator handle (docs/upstream-apis.md). */
export const SAMPLES_DIR = fileURLToPath(new URL('../../fixtures/samples/', import.meta.url));

/** Text of one sample file. */
export function sample(name: string): string {
  return readFileSync(SAMPLES_DIR + name, 'utf8');
}
