import type { RunReport } from '../join/manifest.js';

/*
 * What `gridlake backfill` tells at the end, the same for the local runtime
 * and a cluster: each date's outcome and rows, the dates it did not get to,
 * and the exit code (docs/errors.md, "Exit codes").
 */

/** One date's outcome, as `gridlake join` reports it (succeeded, partial, no-input, failed). */
export type DateOutcome = RunReport['outcome'];

/** One date of the backfill. */
export interface DateResult {
  readonly date: string;
  readonly outcome: DateOutcome;
  readonly hourlyRows: number;
  readonly dailyRows: number;
  /** why the run failed, or which inputs were empty */
  readonly reason?: string;
  /** cluster: the DailyJoinRun existed before this backfill (left alone and followed) */
  readonly existing?: boolean;
}

export interface BackfillSummary {
  /** `namespace/name` */
  readonly join: string;
  readonly mode: 'local' | 'cluster';
  /** the lake folder (local) or the namespace (cluster) */
  readonly where: string;
  readonly from: string;
  readonly to: string;
  /** finished dates, in date order */
  readonly results: readonly DateResult[];
  /** dates not started: the command was stopped first */
  readonly notRun: readonly string[];
  /** cluster: runs that had not finished when the command was stopped (they go on without it) */
  readonly unfinished: readonly string[];
  readonly stopped: boolean;
  readonly durationSeconds: number;
}

export interface OutcomeCounts {
  readonly succeeded: number;
  readonly partial: number;
  readonly noInput: number;
  readonly failed: number;
}

export function countOutcomes(results: readonly DateResult[]): OutcomeCounts {
  const n = (o: DateOutcome): number => results.filter((r) => r.outcome === o).length;
  return { succeeded: n('succeeded'), partial: n('partial'), noInput: n('no-input'), failed: n('failed') };
}

/**
 * 0 when every date succeeded or was partial; 1 when a date failed, when a
 * date had no input (unless `allowNoInput`, as `gridlake join`), or when the
 * command was stopped before every date finished.
 */
export function backfillExitCode(s: BackfillSummary, allowNoInput: boolean): number {
  const c = countOutcomes(s.results);
  if (c.failed > 0) return 1;
  if (c.noInput > 0 && !allowNoInput) return 1;
  return s.notRun.length > 0 || s.unfinished.length > 0 ? 1 : 0;
}

/** The summary for a person: a few lines, the dates that need a look named. */
export function formatSummary(s: BackfillSummary, allowNoInput: boolean): string {
  const c = countOutcomes(s.results);
  const total = s.results.length + s.notRun.length + s.unfinished.length;
  const rows = (k: 'hourlyRows' | 'dailyRows'): number => s.results.reduce((n, r) => n + r[k], 0);
  const named = (outcome: DateOutcome): string => {
    const list = s.results.filter((r) => r.outcome === outcome);
    const shown = list.slice(0, 5).map((r) => `${r.date}${r.reason ? ` (${r.reason})` : ''}`);
    return list.length === 0 ? '' : `  ${shown.join(', ')}${list.length > 5 ? `, … ${list.length - 5} more` : ''}`;
  };
  const existing = s.results.filter((r) => r.existing === true).length;
  const lines = [
    `backfill ${s.join} ${s.from} … ${s.to} (${s.mode}: ${s.where}): ${s.results.length} of ${total} dates in ${s.durationSeconds.toFixed(1)} s${s.stopped ? ', stopped' : ''}`,
    `  succeeded  ${c.succeeded}`,
    `  partial    ${c.partial}${named('partial')}`,
    `  no input   ${c.noInput}${named('no-input')}`,
    `  failed     ${c.failed}${named('failed')}`,
    `  rows       ${rows('hourlyRows')} hourly, ${rows('dailyRows')} daily`,
  ];
  if (existing > 0)
    lines.push(`  existing   ${existing} DailyJoinRuns were already there: left alone, their outcome counted`);
  if (s.notRun.length > 0) lines.push(`  not run    ${s.notRun.length}  ${s.notRun[0]} … ${s.notRun.at(-1)}`);
  if (s.unfinished.length > 0)
    lines.push(`  unfinished ${s.unfinished.length}  still running on the cluster: ${s.unfinished.join(', ')}`);
  const code = backfillExitCode(s, allowNoInput);
  if (code !== 0) lines.push(`exit ${code}: ${whyFailed(s, c, allowNoInput)}`);
  return `${lines.join('\n')}\n`;
}

function whyFailed(s: BackfillSummary, c: OutcomeCounts, allowNoInput: boolean): string {
  if (c.failed > 0)
    return s.mode === 'cluster'
      ? 'some dates failed; delete their DailyJoinRuns and run the backfill again to retry them'
      : 'some dates failed; run the backfill again for them (see the log for why)';
  if (c.noInput > 0 && !allowNoInput)
    return 'some dates had no input in the lake (a wrong --data-dir, or nothing collected then); --allow-no-input accepts that';
  return 'stopped before every date finished; run the backfill again for the rest';
}
