import { allCrdsYaml, writeCrds } from '../api/crd.js';

/** `gridlake crds`'s body: every CRD on stdout, or one file per CRD in `out`. */
export async function runCrds(opts: { readonly out?: string | undefined }): Promise<void> {
  if (opts.out === undefined) {
    process.stdout.write(allCrdsYaml());
    return;
  }
  const files = await writeCrds(opts.out);
  for (const f of files) process.stderr.write(`wrote ${f}\n`);
}
