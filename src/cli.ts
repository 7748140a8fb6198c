#!/usr/bin/env node
import { buildProgram } from './cli/program.js';
import { GridlakeError } from './errors.js';

try {
  // The one place the environment enters: each command's config (src/config.ts) reads it from here.
  await buildProgram(process.env).parseAsync(process.argv);
} catch (err) {
  // A command that cannot start (bad flags or config, unreachable dependency) says why in one JSON line,
  // with its code and context, instead of a stack trace; exit 2 as for a usage error.
  const e = err instanceof Error ? err : new Error(String(err));
  const line = {
    level: 'fatal',
    time: new Date().toISOString(),
    name: 'gridlake',
    ...(e instanceof GridlakeError ? { code: e.code, context: e.context } : { err: e.stack ?? e.message }),
    msg: e.message,
  };
  process.stderr.write(`${JSON.stringify(line)}\n`);
  process.exitCode = 2;
}
