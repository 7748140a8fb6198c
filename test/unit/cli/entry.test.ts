import { execFile, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { createSimulator } from '../../../src/sources/simulator/simulator-server.js';
import { buildChild } from '../bus/build-child.js';

const run = promisify(execFile);

let cli: string;
beforeAll(async () => {
  cli = await buildChild(path.resolve(import.meta.dirname, '../../../src/cli.ts'), 'gridlake-entry');
}, 60_000);

/** `gridlake collect` of one weather location; the key comes from $GRIDLAKE_TEST_KEY. */
const collectArgs = (endpoint: string, metricsPort: number): string[] => [
  cli,
  'collect',
  '--kind',
  'weather',
  '--source',
  'ns/kma',
  '--location',
  'seoul=60,127',
  '--endpoint',
  endpoint,
  '--service-key-env',
  'GRIDLAKE_TEST_KEY',
  '--metrics-host',
  '127.0.0.1',
  '--metrics-port',
  String(metricsPort),
];

/** The `gridlake` entry point as a user meets it: a command that cannot start says why, in one line. */
describe('gridlake entry point', () => {
  it('turns a configuration error into one JSON line with its code and exit 2, not a stack trace', async () => {
    const failed = await run(process.execPath, [cli, 'sink', '--topics', 'gridlake.weather.kma.v1']).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(2);
    const lines = failed!.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'fatal',
      code: 'GL_CONFIG_INVALID',
      msg: 'give exactly one of --brokers and --local-log',
    });
    expect(failed!.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('refuses an agent with a bad --site with GL_CONFIG_INVALID and exit 2, starting nothing', async () => {
    const failed = await run(process.execPath, [
      cli,
      'agent',
      '--site',
      'Not_A_Site',
      '--kafka-brokers',
      'k:9093',
    ]).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(2);
    expect(JSON.parse(failed!.stderr.trim())).toMatchObject({
      level: 'fatal',
      code: 'GL_CONFIG_INVALID',
      msg: expect.stringContaining('--site'),
    });
  }, 60_000);

  it('stops what it started and exits 1 (a runtime failure) when its metrics port is taken (it does not hang)', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const { port } = taken.address() as { port: number };
    try {
      const failed = await run(process.execPath, collectArgs('http://127.0.0.1:9', port), {
        env: { ...process.env, GRIDLAKE_TEST_KEY: 'k' },
        timeout: 30_000,
      }).then(
        () => null,
        (err: { code: number | null; killed: boolean; stderr: string }) => err,
      );
      expect(failed?.killed).toBe(false);
      expect(failed?.code).toBe(1);
      const last = failed!.stderr.trim().split('\n').at(-1)!;
      expect(JSON.parse(last)).toMatchObject({ level: 'fatal', msg: expect.stringContaining('EADDRINUSE') });
    } finally {
      taken.close();
    }
  }, 60_000);

  it('exits on SIGTERM while a collector waits for its next poll (no timer keeps it alive)', async () => {
    const sim = createSimulator({ clock: systemClock }).app;
    const url = await sim.listen({ port: 0, host: '127.0.0.1' });
    try {
      const child = spawn(process.execPath, collectArgs(url, 0), {
        env: { ...process.env, GRIDLAKE_TEST_KEY: 'k' },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
      // The first poll is done (a record on stdout); the next one is due at HH:10 of the next hour.
      for (let i = 0; i < 300 && !out.includes('\n'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(out).toContain('"topic":"gridlake.weather.kma.v1"');
      await new Promise((r) => setTimeout(r, 300));
      child.kill('SIGTERM');
      // Before the fix the process lived on until the next poll (up to an hour); 20 s is only a safety net.
      const result = await Promise.race([exited, new Promise((r) => setTimeout(() => r('hung'), 20_000))]);
      if (result === 'hung') child.kill('SIGKILL');
      expect(result).toEqual([0, null]);
    } finally {
      await sim.close();
    }
  }, 60_000);

  it('tells a person what went wrong in one sentence with the code and what to do, the stack only with --debug', async () => {
    const args = [cli, 'sink', '--topics', 'gridlake.weather.kma.v1', '--log-format', 'pretty'];
    const failed = await run(process.execPath, args).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(2);
    expect(failed!.stderr).toBe(
      'gridlake: GL_CONFIG_INVALID: give exactly one of --brokers and --local-log\n' +
        '  Fix the flag, environment variable or resource field named in the message and `context`, then start again.\n',
    );
    const debug = await run(process.execPath, [...args, '--debug']).then(
      () => null,
      (err: { stderr: string }) => err,
    );
    expect(debug!.stderr).toMatch(/\n\s+at /);
  }, 60_000);

  it('refuses a port that is not a number before starting anything, exit 2 like every config error', async () => {
    const failed = await run(process.execPath, [cli, 'standalone', '--port', 'abc', '--log-format', 'json']).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(2);
    expect(JSON.parse(failed!.stderr.trim())).toMatchObject({
      code: 'GL_CONFIG_INVALID',
      msg: expect.stringMatching(/^--port: .*\(got "abc"\)$/),
    });
  }, 60_000);

  it('exits quietly when the reader of its output goes away (gridlake crds | head)', () => {
    // As a shell runs it: head takes a few bytes and leaves while the CRDs (about 100 KB, more than a pipe holds) are written.
    const res = spawnSync(
      'bash',
      [
        '-c',
        '"$3" "$1" crds 2>"$2" | head -c 100 >/dev/null; echo "${PIPESTATUS[0]}"; cat "$2"',
        'sh',
        cli,
        `${cli}.err`,
        process.execPath,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    const [code, ...stderr] = res.stdout.split('\n');
    expect(stderr.join('\n').trim()).toBe('');
    expect(code).toBe('0');
  }, 60_000);

  it('join by hand: the report alone on stdout, exit 1 when the date has no input (0 with --allow-no-input)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gridlake-entry-join-'));
    try {
      await mkdir(path.join(dir, 'lake'));
      const args = [cli, 'join', '--join', 'ns/daily', '--date', '2026-11-01', '--lake', path.join(dir, 'lake')];
      const noInput = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 30_000 });
      expect(noInput.status).toBe(1);
      // stdout parses as one JSON document: the logs went to stderr.
      expect(JSON.parse(noInput.stdout)).toMatchObject({ outcome: 'no-input', date: '2026-11-01' });
      expect(noInput.stderr).toContain('join run started');
      const allowed = spawnSync(process.execPath, [...args, '--allow-no-input'], { encoding: 'utf8', timeout: 30_000 });
      expect(allowed.status).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
