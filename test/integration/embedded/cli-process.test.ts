import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildChild } from '../../unit/bus/build-child.js';

// `gridlake standalone` as a real process, as `npm start` runs it: Ctrl-C
// (SIGINT) must end the process, not just log "stopped cleanly", and refused
// resources must end it with exit 2 and one JSON line on stderr naming the file
// (stderr is no terminal here: a person would read one sentence).

const ROOT = resolve(import.meta.dirname, '../../..');
/** How long a process may take to exit after SIGINT before the test kills it */
const STOP_GRACE_MS = 15_000;
let cli: string;
let dir: string;

/** A finished (or killed) CLI process: exit code or signal, its JSON log lines, stderr. */
interface Exited {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly lines: Record<string, unknown>[];
  readonly stderr: string;
}

/** Starts the CLI; `onLine` sees each JSON line and may return 'interrupt' to send SIGINT once. */
function runCli(
  args: readonly string[],
  onLine: (l: Record<string, unknown>) => 'interrupt' | void,
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<Exited> {
  const child = spawn(process.execPath, [cli, 'standalone', ...args], {
    cwd: ROOT,
    env: { ...process.env, GRIDLAKE_KPX_SERVICE_KEY: '', GRIDLAKE_KMA_SERVICE_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  let buf = '';
  let interrupted = false;
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const p of parts.filter(Boolean)) {
      const line = JSON.parse(p) as Record<string, unknown>; // every line is pino JSON
      lines.push(line);
      if (onLine(line) === 'interrupt' && !interrupted) {
        interrupted = true;
        child.kill('SIGINT');
        setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS).unref();
      }
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((done) =>
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      done({ code, signal, lines, stderr });
    }),
  );
}

/** The error the entry point (src/cli.ts) wrote: the last line of stderr. */
const fatal = (r: Exited): Record<string, unknown> | undefined => {
  const last = r.stderr.trim().split('\n').at(-1);
  return last ? (JSON.parse(last) as Record<string, unknown>) : undefined;
};
const errMessage = (r: Exited): string => String(fatal(r)?.['msg']);

beforeAll(async () => {
  cli = await buildChild(join(ROOT, 'src/cli.ts'), 'gridlake-cli');
  dir = await mkdtemp(join(tmpdir(), 'gridlake-cli-'));
}, 60_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  if (cli !== undefined) await rm(cli, { force: true });
});

describe('gridlake standalone as a process', () => {
  it('writes warehouse tables within the first minute and exits 0 on SIGINT', async () => {
    const dataDir = join(dir, 'fresh');
    const t: Record<string, number> = {};
    let interruptedAt = 0;
    // debug: each catch-up run's own lines (summed up in one line at info) time the first table
    const r = await runCli(
      ['--data-dir', dataDir, '--port', '0'],
      (l) => {
        const msg = String(l['msg']);
        t[msg] ??= Date.parse(String(l['time']));
        if (msg === 'start-up catch-up finished') {
          interruptedAt = Date.now();
          return 'interrupt';
        }
      },
      { GRIDLAKE_LOG_LEVEL: 'debug' },
    );
    const exitedAfterMs = Date.now() - interruptedAt;
    expect(r.stderr).toBe('');
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
    expect(r.lines.at(-1)?.['msg']).toBe('stopped cleanly');
    expect(exitedAfterMs).toBeLessThan(10_000);
    const stopLogged = t['stopped cleanly']! - t['stopping']!;
    const firstTable = t['join run finished']! - t['loaded resources']!;
    expect(firstTable).toBeLessThan(60_000);
    const days = await readdir(join(dataDir, 'lake/gridlake/warehouse/power_weather_daily/year=2026/month=11'));
    expect(days.length).toBeGreaterThan(0);
    console.info(
      `standalone: first warehouse table ${firstTable} ms after the resources loaded, catch-up of ${days.length} days ` +
        `done after ${t['start-up catch-up finished']! - t['loaded resources']!} ms; stop ${stopLogged} ms, ` +
        `process exit ${exitedAfterMs} ms after SIGINT`,
    );
  });

  it('refuses malformed YAML with one fatal JSON line naming the file and line, exit 2', async () => {
    const folder = join(dir, 'malformed');
    await mkdir(folder);
    await writeFile(join(folder, 'broken.yaml'), 'apiVersion: gridlake.io/v1alpha1\nkind: LakeSink\nspec: [unclosed\n');
    const r = await runCli(['--resources', folder, '--data-dir', join(dir, 'd1'), '--port', '0'], () => undefined);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(fatal(r)?.['level']).toBe('fatal');
    expect(errMessage(r)).toMatch(/broken\.yaml:\d+:\d+: YAML: /);
    expect(fatal(r)?.['code']).toBe('GL_CONFIG_INVALID');
  });

  it('refuses an invalid spec, naming file, line and field, exit 2', async () => {
    const folder = join(dir, 'invalid');
    await mkdir(folder);
    await writeFile(
      join(folder, 'sink.yaml'),
      'apiVersion: gridlake.io/v1alpha1\nkind: LakeSink\nmetadata: { name: raw }\nspec:\n  topics: [a]\n  lake: { bucket: gridlake }\n  flush: { maxRecords: -5 }\n',
    );
    const r = await runCli(['--resources', folder, '--data-dir', join(dir, 'd2'), '--port', '0'], () => undefined);
    expect(r.code).toBe(2);
    expect(errMessage(r)).toMatch(/sink\.yaml:7:\d+: spec\.flush\.maxRecords: /);
  });

  it('refuses resources it cannot run (SQL export without a URL) and still exits, after the simulator started', async () => {
    const folder = join(dir, 'sql');
    await mkdir(folder);
    for (const f of await readdir(join(ROOT, 'examples/embedded')))
      await copyFile(join(ROOT, 'examples/embedded', f), join(folder, f));
    await writeFile(
      join(folder, 'daily-join.yaml'),
      (await readFile(join(ROOT, 'examples/embedded/daily-join.yaml'), 'utf8')) +
        '  outputs:\n    sql: { engine: postgres, connectionSecretRef: { name: db, key: url }, mode: overwrite }\n',
    );
    const r = await runCli(
      ['--resources', folder, '--data-dir', join(dir, 'd3'), '--port', '0'],
      () => undefined,
      { GRIDLAKE_JOIN_SQL_URL: '' },
      STOP_GRACE_MS,
    );
    expect(r.code).toBe(2);
    expect(fatal(r)?.['code']).toBe('GL_EMBEDDED_CONFIG_INVALID');
    expect(errMessage(r)).toContain('GRIDLAKE_JOIN_SQL_URL');
  });
});
