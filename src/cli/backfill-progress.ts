import type { Logger } from '../observe/log.js';
import type { DateResult } from './backfill-summary.js';

/**
 * A backfill's progress: a bar (cli-progress) on a terminal, one log line per
 * date otherwise, so a long backfill reports progress either way.
 */
export interface BackfillProgress {
  /** a date finished */
  done(result: DateResult): void;
  /** what is going on now (the bar's last column; nothing in log lines) */
  status(text: string): void;
  stop(): void;
}

export interface ProgressOptions {
  readonly join: string;
  readonly total: number;
  /** a bar on this stream (a terminal), else log lines through `logger` */
  readonly bar: NodeJS.WritableStream | null;
  readonly logger: Logger;
}

export async function startProgress(o: ProgressOptions): Promise<BackfillProgress> {
  let finished = 0;
  if (o.bar === null) {
    o.logger.info({ join: o.join, dates: o.total }, 'backfill started');
    return {
      done(r) {
        finished++;
        const fields = { join: o.join, date: r.date, outcome: r.outcome, hourlyRows: r.hourlyRows, done: finished };
        const line = `backfill date ${finished}/${o.total}`;
        if (r.outcome === 'failed' || r.outcome === 'no-input')
          o.logger.warn({ ...fields, ...(r.reason === undefined ? {} : { reason: r.reason }) }, line);
        else o.logger.info(fields, line);
      },
      status() {},
      stop() {},
    };
  }
  // Loaded here: only a terminal needs the bar.
  const { SingleBar, Presets } = await import('cli-progress');
  const bar = new SingleBar(
    {
      format: `${o.join} [{bar}] {value}/{total} dates | ETA {eta_formatted} | {last}`,
      stream: o.bar,
      hideCursor: true,
      etaBuffer: 20,
      fps: 5,
      // The caller picks the bar for a terminal; drawn on any stream it is given (tests, a forced bar).
      noTTYOutput: true,
    },
    Presets.shades_classic,
  );
  bar.start(o.total, 0, { last: 'starting' });
  return {
    done(r) {
      finished++;
      bar.update(finished, { last: `${r.date} ${r.outcome}` });
    },
    status(text) {
      bar.update(finished, { last: text });
    },
    stop() {
      bar.stop();
    },
  };
}
