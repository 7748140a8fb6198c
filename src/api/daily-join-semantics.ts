import { CronExpressionParser } from 'cron-parser';
import type { DailyJoinSpec } from './daily-join.js';

/** A problem found in a spec, at a dotted path (`spec.schedule`). */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

/** True when the runtime knows the IANA time zone. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Today's calendar date (YYYY-MM-DD) in a time zone. */
export function todayIn(timeZone: string, now: Date): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/**
 * Checks a schema-valid DailyJoin spec for what neither the schema nor CEL can
 * express: cron field values, a time zone the runtime knows, and a start date
 * not after today. The embedded default refuses such a spec; on a cluster the
 * controller reports them in the InvalidSpec condition.
 */
export function checkDailyJoinSemantics(spec: DailyJoinSpec, now: Date): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const tzKnown = isKnownTimeZone(spec.timeZone);
  if (!tzKnown) {
    problems.push({
      path: 'spec.timeZone',
      message: `unknown time zone "${spec.timeZone}" (use an IANA name such as Asia/Seoul)`,
    });
  }
  try {
    CronExpressionParser.parse(spec.schedule, tzKnown ? { tz: spec.timeZone } : {});
  } catch (cause) {
    problems.push({
      path: 'spec.schedule',
      message: `invalid cron schedule "${spec.schedule}": ${(cause as Error).message}`,
    });
  }
  if (spec.startDate !== undefined && tzKnown) {
    const today = todayIn(spec.timeZone, now);
    if (spec.startDate > today) {
      problems.push({
        path: 'spec.startDate',
        message: `startDate ${spec.startDate} is after today (${today} in ${spec.timeZone})`,
      });
    }
  }
  return problems;
}
