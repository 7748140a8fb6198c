import { CommanderError } from 'commander';
import { GridlakeError, type ErrorCode } from '../errors.js';

/*
 * How a command that fails says so: one readable sentence for a person (the
 * code and what to do), one JSON line for a machine, the stack trace only with
 * --debug; and one exit-code convention (docs/errors.md, "Exit codes").
 */

/** Exit code for a usage or configuration error: fix the command line or the files, then run again. */
export const EXIT_USAGE = 2;
/** Exit code for a runtime failure: the command was right, something it needed failed. */
export const EXIT_FAILURE = 1;

/** Codes a person causes with flags, environment or resource files (exit 2); every other code is a runtime failure. */
export const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'GL_CONFIG_INVALID',
  'GL_SOURCES_SIM_OPTION_INVALID',
  'GL_SOURCES_CONFIG_INVALID',
  'GL_JOIN_CONFIG_INVALID',
  'GL_JOIN_DATE_INVALID',
  'GL_K8S_KUBECONFIG_INVALID',
  'GL_EMBEDDED_CONFIG_INVALID',
]);

/**
 * What to do, for the errors a person meets first at the command line; the
 * same words as the "what to do" column of docs/errors.md (a test compares them).
 */
export const WHAT_TO_DO: Readonly<Partial<Record<ErrorCode, string>>> = {
  GL_CONFIG_INVALID:
    'Fix the flag, environment variable or resource field named in the message and `context`, then start again.',
  GL_EMBEDDED_CONFIG_INVALID:
    'Add the missing service key or SQL URL, or fix the resource reference named in the message.',
  GL_OBSERVE_LISTEN_FAILED: 'Free the port in `context` or choose another with `--metrics-port` / `--metrics-host`.',
  GL_JOIN_CONFIG_INVALID: 'Fix the DailyJoin field or `gridlake join` flag named in the message.',
  GL_JOIN_DATE_INVALID: 'Give a real calendar date in the form `YYYY-MM-DD` (KST).',
};

/** The exit code for `err`: 2 for usage and configuration errors, 1 for runtime failures. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
  if (err instanceof GridlakeError) return USAGE_CODES.has(err.code) ? EXIT_USAGE : EXIT_FAILURE;
  return EXIT_FAILURE;
}

export interface ErrorReportOptions {
  readonly format: 'json' | 'pretty';
  readonly debug: boolean;
  /** for the JSON line */
  readonly now?: () => Date;
}

/** The stack of `err` and of its causes, for --debug. */
function stacks(err: Error): string {
  const parts = [err.stack ?? err.message];
  let cause: unknown = err.cause;
  for (let i = 0; cause instanceof Error && i < 5; i++, cause = cause.cause)
    parts.push(`caused by: ${cause.stack ?? cause.message}`);
  return parts.join('\n');
}

/** The text that reports `err` on stderr (ends with a newline). */
export function formatError(err: unknown, o: ErrorReportOptions): string {
  const e = err instanceof Error ? err : new Error(String(err));
  const known = e instanceof GridlakeError;
  const hint = known
    ? (WHAT_TO_DO[e.code] ?? `See ${e.code} in docs/errors.md.`)
    : 'This is unexpected: run again with --debug and report it with the stack trace.';
  if (o.format === 'json') {
    const line = {
      level: 'fatal',
      time: (o.now?.() ?? new Date()).toISOString(),
      name: 'gridlake',
      ...(known ? { code: e.code, context: e.context } : {}),
      msg: e.message,
      hint,
      ...(o.debug ? { stack: stacks(e) } : {}),
    };
    return `${JSON.stringify(line)}\n`;
  }
  const head = `gridlake: ${known ? `${e.code}: ` : ''}${e.message}`;
  return `${head}\n  ${hint}\n${o.debug ? `\n${stacks(e)}\n` : ''}`;
}
