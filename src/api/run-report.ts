import type { RunReport } from '../join/manifest.js';
import type { LateDate } from '../join/rerun-check.js';
import type { DailyJoinRunStatus, LateDataReason, RunOutcome } from './daily-join-run.js';

/**
 * How a join's run report reaches its DailyJoinRun: the `gridlake join`
 * container writes a compact JSON summary (below, ≤ 4 KiB) to its termination
 * message file (`$GRIDLAKE_RUN_REPORT_FILE`, /dev/termination-log); the
 * kubelet copies it into the pod's `containerStatuses[].state.terminated.message`,
 * and the controller reads it from the pod (no extra RBAC for the join, no
 * ConfigMap to clean up). A full RunReport is accepted too, if it fits.
 */
export const RUN_REPORT_FILE = '/dev/termination-log';
export const RUN_CONTAINER = 'join';

/** The termination-message summary of a run. */
export interface RunReportSummary {
  readonly outcome: RunReport['outcome'];
  readonly reason?: string;
  readonly durationSeconds?: number;
  readonly rows?: NonNullable<DailyJoinRunStatus['rows']>;
  readonly quality?: NonNullable<DailyJoinRunStatus['quality']>;
  /** earlier dates to rerun, from the run's late-data pass (`--late-data-days`) */
  readonly lateData?: NonNullable<DailyJoinRunStatus['lateData']>;
}

const LATE_REASONS: Record<LateDate['reason'], LateDataReason> = {
  'inputs-changed': 'InputsChanged',
  'never-joined': 'NeverJoined',
};

/** What the join should write to its termination message: the summary of its report (and its late dates). */
export function summarizeRunReport(report: RunReport, late: readonly LateDate[] = []): RunReportSummary {
  const q = report.quality;
  const star = q?.locations.find((l) => l.location === '*');
  const weatherCoverage = star?.weatherCoverage ?? Math.min(1, ...(q?.locations.map((l) => l.weatherCoverage) ?? [1]));
  return {
    outcome: report.outcome,
    ...(report.reason ? { reason: report.reason.slice(0, 1024) } : {}),
    durationSeconds: report.durationSeconds,
    rows: {
      powerIn: report.inputs.powerRows,
      weatherIn: report.inputs.weatherRows,
      duplicatesRemoved: report.inputs.duplicatesRemoved,
      rejected: report.inputs.rejected,
      hourlyOut: report.rowsOut.power_weather_hourly,
      dailyOut: report.rowsOut.power_weather_daily,
    },
    ...(q
      ? {
          quality: {
            powerCoverage: q.powerCoverage,
            weatherCoverage,
            level: q.locations.some((l) => l.quality === 'site_late')
              ? ('site_late' as const)
              : report.outcome === 'partial'
                ? ('partial' as const)
                : ('ok' as const),
          },
        }
      : {}),
    // 31 dates at most (lateDataDays ≤ 31): about 1.5 KiB, within the 4 KiB of a termination message.
    ...(late.length > 0
      ? { lateData: late.slice(-31).map((l) => ({ date: l.date, reason: LATE_REASONS[l.reason] })) }
      : {}),
  };
}

const OUTCOMES: Record<RunReport['outcome'], RunOutcome> = {
  succeeded: 'Succeeded',
  partial: 'Partial',
  'no-input': 'NoInput',
  failed: 'Failed',
};

/** Parses a termination message: a summary or a full report; null when it is neither (e.g. logs on error). */
export function parseRunReport(text: string | undefined): RunReportSummary | null {
  if (!text) return null;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const o = v as Record<string, unknown>;
  if (typeof o['outcome'] !== 'string' || !(o['outcome'] in OUTCOMES)) return null;
  if ('rowsOut' in o && 'inputs' in o) return summarizeRunReport(o as unknown as RunReport);
  const summary = o as unknown as RunReportSummary;
  // The status schema would refuse the whole write for one bad entry: keep only well-formed ones.
  const late = Array.isArray(o['lateData']) ? (o['lateData'] as unknown[]).filter(isLateEntry).slice(-31) : [];
  const { lateData: _, ...rest } = summary;
  return late.length > 0 ? { ...rest, lateData: late } : rest;
}

function isLateEntry(v: unknown): v is NonNullable<RunReportSummary['lateData']>[number] {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e['date'] === 'string' &&
    /^\d{4}-\d{2}-\d{2}$/.test(e['date']) &&
    Object.values(LATE_REASONS).includes(e['reason'] as LateDataReason)
  );
}

export function runOutcome(summary: RunReportSummary): RunOutcome {
  return OUTCOMES[summary.outcome];
}

interface ContainerStatus {
  name: string;
  state?: { terminated?: { message?: string; finishedAt?: string } };
  lastState?: { terminated?: { message?: string; finishedAt?: string } };
}

/** The newest parseable report among a run's pods (any object with a pod's `status`). */
export function reportFromPods(pods: readonly { readonly [field: string]: unknown }[]): RunReportSummary | null {
  const found: { at: string; report: RunReportSummary }[] = [];
  for (const pod of pods) {
    const statuses = (
      (pod['status'] as { containerStatuses?: ContainerStatus[] } | undefined)?.containerStatuses ?? []
    ).filter((c) => c.name === RUN_CONTAINER);
    for (const c of statuses) {
      for (const t of [c.state?.terminated, c.lastState?.terminated]) {
        const report = parseRunReport(t?.message);
        if (report) found.push({ at: t?.finishedAt ?? '', report });
      }
    }
  }
  found.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  return found[0]?.report ?? null;
}
