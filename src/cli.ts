#!/usr/bin/env node
import { CommanderError } from 'commander';
import { buildProgram } from './cli/program.js';
import { exitCodeOf, formatError } from './cli/report-error.js';

// A reader that goes away (`gridlake crds | head`) is no error: stop quietly, as other command-line tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

// The one place the environment enters: each command's config (src/config.ts) reads it from here.
const program = buildProgram(process.env);
try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Commander has printed its own usage errors (and help); everything else is reported here, once.
  if (!(err instanceof CommanderError)) {
    // Loaded only on failure: `--help` stays light (test/unit/cli/lazy-load.test.ts).
    const { processSettings } = await import('./config.js');
    let settings: { logFormat: 'json' | 'pretty' | undefined; debug: boolean };
    try {
      settings = processSettings(process.env, program.opts());
    } catch {
      settings = { logFormat: undefined, debug: program.opts()['debug'] === true };
    }
    const format = settings.logFormat ?? (process.stderr.isTTY ? 'pretty' : 'json');
    process.stderr.write(formatError(err, { format, debug: settings.debug }));
  }
  process.exitCode = exitCodeOf(err);
}
