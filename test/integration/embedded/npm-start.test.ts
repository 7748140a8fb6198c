import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duckConnection } from '../../fixtures/join/duckdb-reference.js';
import { POWER_TOPIC, WEATHER_TOPIC } from '../../fixtures/join/raw-files.js';
import { eventually } from '../../eventually.js';
import { lakeSnapshot, readingIdentities } from './lake-probe.js';

// What a newcomer does first, end to end: `npm start` in the repository (deps
// check, build, `gridlake standalone` on the shipped examples, simulator
// instead of service keys) on a fresh data folder; look at the banner, the
// catch-up summary, the metrics; stop it; `npm start` again on the same folder;
// Ctrl-C. The first stop is SIGINT to the gridlake process alone (`kill -INT`):
// npm start's exit code is then gridlake's, passed on by sh and npm. The second
// is Ctrl-C as a terminal does it, SIGINT to the whole process group (npm, its
// `sh -c` and node). stdout is no terminal here, so every gridlake line is pino
// JSON (npm's own header lines are not).

const ROOT = resolve(import.meta.dirname, '../../..');
const TOPICS = [POWER_TOPIC, WEATHER_TOPIC];
/** deps check + `tsc` build + start, on a loaded 2-core CI machine */
const START_MS = 150_000;
/** start-up catch-up: backfill (the pipeline waits at most 45 s for it), flush, joins */
const CATCH_UP_MS = 90_000;
/** what the process may take to exit after Ctrl-C (it logs its stop in well under a second when idle) */
const STOP_BOUND_MS = 15_000;
/** a stack frame as Node prints it, on its own line or inside a JSON string (escaped newline) */
const STACK_FRAME = /(^|\\n)\s+at [^\n]*:\d+:\d+/m;

type LogLine = Record<string, unknown>;

/** This environment without gridlake's settings: the simulator (no service keys), default log format and level. */
function newcomerEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GRIDLAKE_')));
}

/** One `npm start`: its output as it comes, its end, and Ctrl-C. */
class NpmStart {
  readonly #child: ChildProcess;
  #stdout = '';
  #stderr = '';
  readonly lines: LogLine[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #running = true;

  constructor(dataDir: string) {
    this.#child = spawn('npm', ['start', '--', '--data-dir', dataDir, '--port', '0'], {
      cwd: ROOT,
      env: newcomerEnv(),
      // its own process group, as a shell gives a foreground job: Ctrl-C reaches every process of it
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    this.#child.stdout!.on('data', (d: Buffer) => {
      this.#stdout += d.toString();
      const parts = (partial + d.toString()).split('\n');
      partial = parts.pop()!;
      for (const p of parts) if (p.startsWith('{')) this.lines.push(JSON.parse(p) as LogLine);
    });
    this.#child.stderr!.on('data', (d: Buffer) => (this.#stderr += d.toString()));
    this.exited = new Promise((done) =>
      // 'close', not 'exit': the output is complete when it fires
      this.#child.on('close', (code, signal) => {
        this.#running = false;
        done({ code, signal });
      }),
    );
  }

  get stdout(): string {
    return this.#stdout;
  }
  get stderr(): string {
    return this.#stderr;
  }

  /** The first log line with this message, once it is there; fails at once when npm start ends without it. */
  async line(msg: string, timeoutMs: number): Promise<LogLine> {
    const found = await eventually(
      `"${msg}" in the output of npm start`,
      () => this.lines.find((l) => l['msg'] === msg) ?? (this.#running ? undefined : ('ended' as const)),
      { timeoutMs, intervalMs: 100 },
    );
    if (found === 'ended')
      throw new Error(`npm start ended without "${msg}"; stderr: ${this.#stderr.slice(-2000) || '(empty)'}`);
    return found;
  }

  /**
   * SIGINT to the gridlake process (its pid from its log lines), or, as a
   * terminal does on Ctrl-C, to the whole foreground process group.
   */
  interrupt(to: 'gridlake' | 'group'): void {
    const pid = Number(this.lines[0]?.['pid']);
    if (to === 'gridlake' && !(pid > 0)) throw new Error('no gridlake pid in the output yet');
    process.kill(to === 'gridlake' ? pid : -this.#child.pid!, 'SIGINT');
  }

  /** Whether a process of the group is left (the group is gone once all of them exited). */
  groupAlive(): boolean {
    try {
      process.kill(-this.#child.pid!, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** Ends whatever is left of the group (after a failed test). */
  kill(): void {
    if (!this.#running) return;
    try {
      process.kill(-this.#child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** SIGINT, then npm start's end with how long it took (the group is killed after twice the bound). */
async function interrupt(
  run: NpmStart,
  to: 'gridlake' | 'group',
): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const sent = Date.now();
  run.interrupt(to);
  const killer = setTimeout(() => run.kill(), 2 * STOP_BOUND_MS);
  const end = await run.exited;
  clearTimeout(killer);
  return { ...end, ms: Date.now() - sent };
}

/** Counter totals from a Prometheus text scrape, summed over labels, by metric name. */
async function scrape(url: string): Promise<Map<string, number>> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  const totals = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const m = /^([a-z_]+)(?:\{[^}]*\})? (\S+)$/.exec(line);
    if (m) totals.set(m[1]!, (totals.get(m[1]!) ?? 0) + Number(m[2]));
  }
  return totals;
}

/** Per-topic counters from a scrape (labels kept), for "both topics" checks. */
async function perTopic(url: string, metric: string): Promise<Record<string, number>> {
  const text = await (await fetch(url)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(new RegExp(`^${metric}\\{[^}]*topic="([^"]+)"[^}]*\\} (\\S+)$`, 'gm')))
    out[m[1]!] = (out[m[1]!] ?? 0) + Number(m[2]);
  return out;
}

/** The catch-up summary of the example's one DailyJoin. */
interface JoinSummary {
  readonly join: string;
  readonly dates: number;
  readonly from?: string;
  readonly to?: string;
  readonly complete: number;
  readonly partial: number;
  readonly noInput: number;
  readonly failed: number;
  readonly hourlyRows: number;
}

const joinSummary = (line: LogLine): JoinSummary => {
  const joins = line['joins'] as JoinSummary[];
  expect(joins).toHaveLength(1);
  return joins[0]!;
};

/** Rows, distinct (date, hour, location) and distinct dates of the warehouse, by DuckDB. */
async function warehouse(lakeDir: string): Promise<{
  hourly: { rows: number; identities: number; dates: string[] };
  daily: { rows: number; identities: number; dates: string[] };
}> {
  const { con, close } = await duckConnection(1);
  const table = async (
    name: string,
    identity: string,
  ): Promise<{ rows: number; identities: number; dates: string[] }> => {
    const from = `read_parquet('${lakeDir}/warehouse/${name}/*/*/*/*.parquet', hive_partitioning = true)`;
    const [row] = (
      await con.runAndReadAll(`SELECT count(*) AS n, count(DISTINCT (${identity})) AS ids FROM ${from}`)
    ).getRowObjectsJS();
    const dates = (await con.runAndReadAll(`SELECT DISTINCT date FROM ${from} ORDER BY date`))
      .getRowObjectsJS()
      .map((r) => String(r['date']));
    return { rows: Number(row?.['n']), identities: Number(row?.['ids']), dates };
  };
  try {
    return {
      hourly: await table('power_weather_hourly', 'date, hour, location'),
      daily: await table('power_weather_daily', 'date, location'),
    };
  } finally {
    close();
  }
}

/** Every KST date from `from` to `to`, both included. */
function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000)
    out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

let dir: string;
let dataDir: string;
let lakeDir: string;
const runs: NpmStart[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridlake-npm-start-'));
  dataDir = join(dir, 'data');
  // the example LakeSink's bucket, under the data folder (examples/embedded/lake-sink.yaml)
  lakeDir = join(dataDir, 'lake', 'gridlake');
});
afterAll(async () => {
  for (const r of runs) r.kill();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('npm start on a fresh data folder, then again on the same one', () => {
  let first: NpmStart;
  let metricsUrl: string;
  let before: Map<string, number>;
  let summary: JoinSummary;

  it(
    'builds, starts, shows the banner and then a one-line catch-up summary',
    async () => {
      const began = Date.now();
      first = new NpmStart(dataDir);
      runs.push(first);
      const banner = await first.line('gridlake standalone running', START_MS);
      const bannerMs = Date.now() - began;
      // the metrics as the banner announces them, scraped at once: the baseline of "moving"
      metricsUrl = String(banner['metrics']);
      before = await scrape(metricsUrl);
      expect(banner).toMatchObject({
        simulated: true,
        raw: [join(lakeDir, 'raw')],
        warehouse: [join(lakeDir, 'warehouse')],
        query: expect.stringMatching(/^gridlake query "select .* from power_weather_daily/),
      });
      expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

      const caughtUp = await first.line('start-up catch-up finished', CATCH_UP_MS);
      expect(first.lines.filter((l) => l['msg'] === 'start-up catch-up finished')).toHaveLength(1);
      // per-date outcomes are debug lines, not shown at the default level
      expect(first.lines.filter((l) => l['msg'] === 'join run finished')).toEqual([]);
      expect(caughtUp['backfillComplete']).toBe(true);
      summary = joinSummary(caughtUp);
      expect(summary.dates).toBeGreaterThan(0);
      expect(summary.failed).toBe(0);
      expect(summary.noInput).toBe(0);
      expect(summary.complete + summary.partial).toBe(summary.dates);
      expect(summary.hourlyRows).toBeGreaterThan(0);
      // a newcomer's first run warns only when something is wrong: nothing is here
      expect(first.lines.filter((l) => Number(l['level']) >= 40)).toEqual([]);
      console.info(
        `npm start: banner ${bannerMs} ms after the command, catch-up summary ${Date.now() - began} ms ` +
          `(${summary.dates} dates, ${summary.hourlyRows} hourly rows)`,
      );
    },
    START_MS + CATCH_UP_MS + 10_000,
  );

  it('moves its metrics: polls, records and join runs grow between two scrapes', async () => {
    const after = await scrape(metricsUrl);
    const total = (m: Map<string, number>): number =>
      ['gridlake_source_polls_total', 'gridlake_sink_records_total', 'gridlake_join_runs_total']
        .map((n) => m.get(n) ?? 0)
        .reduce((a, b) => a + b);
    expect(total(after)).toBeGreaterThan(total(before));
    // the catch-up's joins ran after the banner's scrape
    expect(after.get('gridlake_join_runs_total')! - (before.get('gridlake_join_runs_total') ?? 0)).toBe(summary.dates);
    expect(after.get('gridlake_source_polls_total')).toBeGreaterThan(0);
    const records = await perTopic(metricsUrl, 'gridlake_sink_records_total');
    for (const topic of TOPICS) expect(records[topic], topic).toBeGreaterThan(0);
  });

  it('answers GET /status.json and the status page with data', async () => {
    const res = await fetch(new URL('/status.json', metricsUrl));
    expect(res.status).toBe(200);
    const view = (await res.json()) as { resources: { kind: string }[] };
    const kinds = view.resources.map((r) => r.kind);
    expect(kinds).toEqual(expect.arrayContaining(['PowerSource', 'WeatherSource', 'LakeSink', 'DailyJoin']));
    const page = await fetch(new URL('/', metricsUrl));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('uplot');
  });

  it('stops cleanly on SIGINT: exit 0 through npm, "stopped cleanly", no stack trace, within the bound', async () => {
    const end = await interrupt(first, 'gridlake');
    expect({ code: end.code, signal: end.signal }).toEqual({ code: 0, signal: null });
    expect(end.ms).toBeLessThan(STOP_BOUND_MS);
    expect(first.groupAlive()).toBe(false);
    expect(first.lines.at(-1)?.['msg']).toBe('stopped cleanly');
    expect(first.stdout + first.stderr).not.toMatch(STACK_FRAME);
    expect(first.lines.filter((l) => Number(l['level']) >= 50)).toEqual([]);
  });

  it('left raw files in both topics and warehouse rows for every date the catch-up joined', async () => {
    const lake = await lakeSnapshot(dataDir, lakeDir, TOPICS);
    for (const topic of TOPICS) {
      expect(lake.topics[topic]!.check.files, topic).toBeGreaterThan(0);
      expect(lake.topics[topic]!.check.rows, topic).toBeGreaterThan(0);
    }
    const wh = await warehouse(lakeDir);
    const joined = datesBetween(summary.from!, summary.to!);
    expect(joined).toHaveLength(summary.dates);
    expect(wh.hourly.dates).toEqual(joined);
    expect(wh.daily.dates).toEqual(joined);
    expect(wh.hourly.rows).toBe(summary.hourlyRows);
  });

  it(
    'resumes on the same data folder, stops on Ctrl-C, and leaves no duplicates in the warehouse or the raw zone',
    async () => {
      const second = new NpmStart(dataDir);
      runs.push(second);
      await second.line('gridlake standalone running', START_MS);
      const caughtUp = await second.line('start-up catch-up finished', CATCH_UP_MS);
      const again = joinSummary(caughtUp);
      expect(again.failed).toBe(0);
      // Ctrl-C: gridlake stops as on SIGINT above; dash (Debian's sh) then ends itself by the
      // SIGINT it got too, and npm with it, which a shell reports as 130 (with bash as sh: 0)
      const end = await interrupt(second, 'group');
      expect([end.code, end.signal]).toSatisfy(
        ([code, signal]: unknown[]) => (code === 0 && signal === null) || (code === null && signal === 'SIGINT'),
      );
      expect(end.ms).toBeLessThan(STOP_BOUND_MS);
      expect(second.groupAlive()).toBe(false);
      expect(second.lines.at(-1)?.['msg']).toBe('stopped cleanly');
      expect(second.lines.filter((l) => l['msg'] === 'stopping').map((l) => l['signal'])).toEqual(['SIGINT']);
      expect(second.stdout + second.stderr).not.toMatch(STACK_FRAME);

      // every (date, hour, location) once, every (date, location) once, no joined date lost
      const wh = await warehouse(lakeDir);
      expect(wh.hourly.identities).toBe(wh.hourly.rows);
      expect(wh.daily.identities).toBe(wh.daily.rows);
      expect(wh.hourly.dates).toEqual(expect.arrayContaining(datesBetween(summary.from!, summary.to!)));
      expect(wh.hourly.rows).toBeGreaterThanOrEqual(summary.hourlyRows);

      // each offset of the log in exactly one raw file of its topic-partition, none missing
      const lake = await lakeSnapshot(dataDir, lakeDir, TOPICS);
      for (const topic of TOPICS) {
        const t = lake.topics[topic]!;
        expect(t.check.duplicates, topic).toEqual([]);
        expect(t.check.overlaps, topic).toEqual([]);
        expect(t.check.misnamed, topic).toEqual([]);
        expect(t.check.unreadable, topic).toEqual([]);
        expect(t.endOffsets.length, topic).toBeGreaterThan(0);
        for (const e of t.endOffsets)
          expect(t.check.offsets.get(e.partition), `${topic}/${e.partition}`).toEqual(
            Array.from({ length: e.offset }, (_, i) => i),
          );
      }
      // and the collectors resumed from their checkpoints: no reading collected twice
      const ids = await readingIdentities(lakeDir);
      expect(ids.power.total).toBe(ids.power.distinct);
      expect(ids.weather.total).toBe(ids.weather.distinct);
    },
    START_MS + CATCH_UP_MS + 2 * STOP_BOUND_MS,
  );
});
