import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Structured JSON logs (pino). Messages are fixed phrases; ids and values go in
 * fields so logs can be filtered. Secrets are redacted by path wherever they
 * could appear in a logged object.
 */
export function createLogger(
  options: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {},
): Logger {
  const opts: LoggerOptions = {
    name: options.name ?? 'gridlake',
    // GRIDLAKE_LOG_LEVEL reaches here through each command's config (src/config.ts).
    level: options.level ?? 'info',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'serviceKey',
        '*.serviceKey',
        'password',
        '*.password',
        'secretAccessKey',
        '*.secretAccessKey',
        'token',
        '*.token',
      ],
      censor: '[redacted]',
    },
    formatters: { level: (label) => ({ level: label }) },
  };
  return options.destination ? pino(opts, options.destination as pino.DestinationStream) : pino(opts);
}
