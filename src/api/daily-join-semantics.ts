import { CronExpressionParser } from 'cron-parser';
import type { DailyJoinSpec } from './daily-join.js';

/** A problem found in a spec, at a dotted path (`spec.schedule`). */
export interface FieldProblem {
  readonly path: string;
  readonly message: string;
}

// One formatter per time zone, made once: each Intl.DateTimeFormat holds ~35 KB
// of ICU objects outside the JS heap, and glibc keeps what they freed, so one
// per call (per reconcile of every DailyJoin) grew the controller's RSS by
// ~85 MiB in the 1,000-join bench. Only zones that exist are kept, by their
// case-insensitive name (a few hundred at most), so specs naming garbage or
// spelling a zone in many cases cannot grow the map.
const dayFormats = new Map<string, Intl.DateTimeFormat>();

function dayFormat(timeZone: string): Intl.DateTimeFormat {
  const key = timeZone.toLowerCase();
  let f = dayFormats.get(key);
  if (f === undefined) {
    // en-CA formats as YYYY-MM-DD; an unknown zone throws a RangeError.
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(key, f);
  }
  return f;
}

/** True when the runtime knows the IANA time zone. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    dayFormat(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Today's calendar date (YYYY-MM-DD) in a time zone. */
export function todayIn(timeZone: string, now: Date): string {
  return dayFormat(timeZone).format(now);
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
    // With a currentDate: without one, cron-parser asks luxon for the system zone's name, which makes a new
    // Intl.DateTimeFormat on every call (see dayFormat above).
    CronExpressionParser.parse(spec.schedule, { currentDate: now, ...(tzKnown ? { tz: spec.timeZone } : {}) });
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
