import type { Command } from 'commander';

/** `gridlake crds [--out dir]`: print every CRD as YAML, or write crds/<plural>.gridlake.io.yaml. */
export function registerCrdsCommand(program: Command): Command {
  return program
    .command('crds')
    .description('print or write the CustomResourceDefinitions generated from src/api')
    .option('-o, --out <dir>', 'write one file per CRD into this folder instead of printing')
    .action(async (opts: { out?: string }) => {
      // The schemas load only when the command runs (src/cli/program.ts builds every command).
      const { allCrdsYaml, writeCrds } = await import('./crd.js');
      if (opts.out === undefined) {
        process.stdout.write(allCrdsYaml());
        return;
      }
      const files = await writeCrds(opts.out);
      for (const f of files) process.stderr.write(`wrote ${f}\n`);
    });
}
