import { createRequire } from 'node:module';
import { pino, type Logger, type LoggerOptions } from 'pino';
import type { PrettyOptions, PrettyStream } from 'pino-pretty';

export type { Logger };

/** `json`: one JSON object a line (machines, pods); `pretty`: human lines. */
export type LogFormat = 'json' | 'pretty';

export interface LoggerSettings {
  level?: string;
  name?: string;
  /** where lines go; default stdout */
  destination?: NodeJS.WritableStream;
  /** default: pretty when the destination is a terminal, else json */
  format?: LogFormat | undefined;
  /** colours in pretty lines; default: when the destination is a terminal */
  color?: boolean | undefined;
}

/** The format `settings` ask for, or the one their destination calls for (a terminal reads pretty lines). */
export function resolveLogFormat(format: LogFormat | undefined, destination: NodeJS.WritableStream): LogFormat {
  return format ?? ((destination as { isTTY?: boolean }).isTTY === true ? 'pretty' : 'json');
}

// pino-pretty and its dependencies load only when a person reads the logs: pods log JSON.
const load = createRequire(import.meta.url);

/** Which part speaks: a child's component (http), else the process (`gridlake-sink` → sink). */
const componentOf = (log: Record<string, unknown>): string => {
  const c = log['component'] ?? String(log['name'] ?? 'gridlake').replace(/^gridlake-/, '');
  return `[${String(c)}]`;
};

/** A pino-pretty stream writing human lines: time, level, component, message, then the fields on one line. */
function prettyStream(destination: NodeJS.WritableStream, color: boolean): PrettyStream {
  const pretty = load('pino-pretty') as (o: PrettyOptions) => PrettyStream;
  return pretty({
    destination,
    sync: true,
    colorize: color,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,name,component',
    messageFormat: (log, key) => `${componentOf(log)} ${String(log[key])}`,
    singleLine: true,
  });
}

/** What a command's config says about its logs (`ProcessSettings` in src/config.ts). */
export interface CommandLogSettings {
  readonly logLevel: string;
  readonly logFormat?: LogFormat | undefined;
  readonly logColor?: boolean | undefined;
}

/** The logger of the command `name`, as its config asks (`destination` default stdout). */
export function commandLogger(name: string, s: CommandLogSettings, destination?: NodeJS.WritableStream): Logger {
  return createLogger({
    name,
    level: s.logLevel,
    format: s.logFormat,
    color: s.logColor,
    ...(destination === undefined ? {} : { destination }),
  });
}

/**
 * Structured logs (pino). Messages are fixed phrases; ids and values go in
 * fields so logs can be filtered. Secrets are redacted by path wherever they
 * could appear in a logged object. In a terminal the same records are printed
 * as human lines.
 */
export function createLogger(options: LoggerSettings = {}): Logger {
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
  const destination = options.destination ?? process.stdout;
  if (resolveLogFormat(options.format, destination) === 'pretty') {
    const tty = (destination as { isTTY?: boolean }).isTTY === true;
    return pino(opts, prettyStream(destination, options.color ?? tty));
  }
  return options.destination ? pino(opts, options.destination as pino.DestinationStream) : pino(opts);
}
