import type { Command } from 'commander';
import { allCrdsYaml, writeCrds } from './crd.js';

/** `gridlake crds [--out dir]`: print every CRD as YAML, or write crds/<plural>.gridlake.io.yaml. */
export function registerCrdsCommand(program: Command): Command {
  return program
    .command('crds')
    .description('print or write the CustomResourceDefinitions generated from src/api')
    .option('-o, --out <dir>', 'write one file per CRD into this folder instead of printing')
    .action(async (opts: { out?: string }) => {
      if (opts.out === undefined) {
        process.stdout.write(allCrdsYaml());
        return;
      }
      const files = await writeCrds(opts.out);
      for (const f of files) process.stderr.write(`wrote ${f}\n`);
    });
}
