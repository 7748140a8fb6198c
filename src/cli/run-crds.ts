import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { allCrdsYaml, writeCrds } from '../api/crd.js';
import { KINDS } from '../api/kinds.js';
import { buildReference } from '../api/reference.js';

/**
 * `gridlake crds`'s body: every CRD on stdout, or one file per CRD in `out`;
 * with `reference`, the configuration reference written to that file.
 */
export async function runCrds(opts: {
  readonly out?: string | undefined;
  readonly reference?: string | undefined;
}): Promise<void> {
  if (opts.reference !== undefined) {
    await mkdir(path.dirname(opts.reference), { recursive: true });
    await writeFile(opts.reference, buildReference(KINDS), 'utf8');
    process.stderr.write(`wrote ${opts.reference}\n`);
    // Asked for the reference alone: no CRDs on stdout.
    if (opts.out === undefined) return;
  }
  if (opts.out === undefined) {
    process.stdout.write(allCrdsYaml());
    return;
  }
  const files = await writeCrds(opts.out);
  for (const f of files) process.stderr.write(`wrote ${f}\n`);
}
