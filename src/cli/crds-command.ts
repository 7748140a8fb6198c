import type { Command } from 'commander';

/**
 * `gridlake crds [--out dir] [--reference file]`: print every CRD as YAML, or
 * write crds/<plural>.gridlake.io.yaml; `--reference` writes the configuration
 * reference (docs/reference.md) from the same schemas.
 */
export function registerCrdsCommand(program: Command): Command {
  return program
    .command('crds')
    .description('print or write the CustomResourceDefinitions generated from src/api')
    .option('-o, --out <dir>', 'write one file per CRD into this folder instead of printing')
    .option('--reference <file>', 'write the configuration reference (Markdown) to this file instead of printing')
    .action(async (opts: { out?: string; reference?: string }) => {
      // The schemas load only when the command runs (every process declares every command).
      const { runCrds } = await import('./run-crds.js');
      await runCrds(opts);
    });
}
