import { formatAge } from '../api/status-summary.js';
import type { JoinRunRow, StatusSummary } from '../api/status-view.js';

/*
 * `gridlake status` for a person: one section per part of the data path,
 * freshness as "3m ago", a line under a section for each row that has
 * something to say. Pure (the summary and the instant in, text out).
 */

const num = (v: number | undefined, digits = 0): string =>
  v === undefined ? '-' : v.toLocaleString('en-US', { maximumFractionDigits: digits });

const pct = (v: number | undefined): string => (v === undefined ? '-' : `${Math.round(v * 100)}%`);

/** `in 3h`, `in 12m`, `due`: when a future instant comes. */
export function formatUntil(iso: string | undefined, nowMs: number): string {
  if (iso === undefined) return '-';
  const s = Math.round((Date.parse(iso) - nowMs) / 1000);
  if (Number.isNaN(s)) return '-';
  if (s <= 0) return 'due';
  if (s < 60) return `in ${s}s`;
  if (s < 3600) return `in ${Math.floor(s / 60)}m`;
  if (s < 86_400 * 2) return `in ${Math.floor(s / 3600)}h`;
  return `in ${Math.floor(s / 86_400)}d`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  if (rows.length === 0) return ['  (none)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')}`.trimEnd();
  return [line(header), ...rows.map(line)];
}

const notes = (items: readonly { readonly id: string; readonly message: string }[]): string[] =>
  items.filter((i) => i.message !== '').map((i) => `  ! ${i.id}: ${i.message}`);

function runCell(run: JoinRunRow | undefined): string[] {
  if (run === undefined) return ['-', '-', '-', '-'];
  const quality =
    run.qualityLevel === undefined
      ? '-'
      : `${run.qualityLevel} (${pct(run.powerCoverage)}/${pct(run.weatherCoverage)})`;
  return [run.date, run.outcome ?? run.state ?? '-', quality, num(run.dailyRows)];
}

export function formatStatusTable(s: StatusSummary, nowMs: number): string {
  const out: string[] = [`gridlake status (${s.runtime}, ${s.generatedAt})`, ''];

  out.push('SOURCES');
  out.push(
    ...table(
      ['KIND', 'NAME', 'HEALTH', 'NEWEST', 'LAST VALUES', 'CALLS TODAY', 'LAST POLL'],
      s.sources.map((r) => [
        r.kind === 'PowerSource' ? 'power' : 'weather',
        `${r.namespace}/${r.name}`,
        r.health,
        formatAge(r.ageSeconds),
        r.values
          .map((v) => `${v.label} ${num(v.value, 1)}${v.unit === '%' || v.unit === '°C' ? '' : ' '}${v.unit}`)
          .join(', ') || '-',
        `${num(r.callsToday)}/${num(r.dailyCallBudget)}`,
        r.lastOutcome ?? '-',
      ]),
    ),
    ...notes(s.sources.map((r) => ({ id: `${r.namespace}/${r.name}`, message: r.message }))),
    '',
  );

  out.push('SINKS');
  out.push(
    ...table(
      ['NAME', 'HEALTH', 'RECORDS', 'FILES', 'LAG', 'LAST FLUSH', 'TOPICS'],
      s.sinks.map((r) => [
        `${r.namespace}/${r.name}`,
        r.health,
        num(r.recordsTotal),
        num(r.filesTotal),
        num(r.lagRecords),
        formatAge(r.lastFlushAgeSeconds),
        r.topics.join(', '),
      ]),
    ),
    ...notes(s.sinks.map((r) => ({ id: `${r.namespace}/${r.name}`, message: r.message }))),
    '',
  );

  out.push('JOINS');
  out.push(
    ...table(
      ['NAME', 'HEALTH', 'LAST DATE', 'OUTCOME', 'QUALITY (power/weather)', 'DAILY ROWS', 'NO INPUT', 'NEXT RUN'],
      s.joins.map((r) => [
        `${r.namespace}/${r.name}`,
        r.health,
        ...runCell(r.last),
        r.noInputDates.length === 0 ? '-' : `${r.noInputDates.length} dates`,
        r.nextScheduleTime === undefined ? '-' : `${r.nextDate ?? ''} ${formatUntil(r.nextScheduleTime, nowMs)}`.trim(),
      ]),
    ),
    ...notes(s.joins.map((r) => ({ id: `${r.namespace}/${r.name}`, message: r.message }))),
    '',
  );

  out.push('SITES');
  out.push(
    ...table(
      ['NAME', 'HEALTH', 'CONNECTED', 'HEARTBEAT', 'AGENT', 'SPOOL'],
      s.sites.map((r) => [
        r.name,
        r.health,
        r.connected ? 'yes' : 'no',
        formatAge(r.heartbeatAgeSeconds),
        r.agentVersion ?? '-',
        num(r.spoolRecords),
      ]),
    ),
    ...notes(s.sites.map((r) => ({ id: r.name, message: r.message }))),
  );
  return `${out.join('\n')}\n`;
}
