import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The contract's sample answers, copied into the repository (a clean clone has no ../shared). */
export const SAMPLES_DIR = fileURLToPath(new URL('../../fixtures/samples/', import.meta.url));

/** Where the contract itself lives on a development machine (absent on CI). */
export const CONTRACT_SAMPLES_DIR = fileURLToPath(new URL('../../../../shared/contracts/samples/', import.meta.url));

/** Text of one sample file. */
export function sample(name: string): string {
  return readFileSync(SAMPLES_DIR + name, 'utf8');
}
