import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The shared sample answers (contracts/samples); tests read them, never inline copies. */
export const SAMPLES_DIR = fileURLToPath(new URL('../../../../shared/contracts/samples/', import.meta.url));

/** Text of one sample file. */
export function sample(name: string): string {
  return readFileSync(SAMPLES_DIR + name, 'utf8');
}
