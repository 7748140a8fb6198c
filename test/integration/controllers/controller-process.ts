import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { eventually } from '../../eventually.js';
import { buildChild } from '../../unit/bus/build-child.js';
import {} from './helpers.js';

/** Bundles src/cli.ts into one file node can run (Node 20 runs no TypeScript); returns its path. */
export function buildCli(): Promise<string> {
  return buildChild(path.resolve(import.meta.dirname, '../../../src/cli.ts'), 'gridlake-cli');
}

/** One pino line of the controller's stdout. */
export interface LogLine {
  readonly msg: string;
  readonly level: string;
  readonly [k: string]: unknown;
}

/** A running `gridlake controller` process. */
export interface ControllerProcess {
  readonly proc: ChildProcess;
  /** http://127.0.0.1:<port> of /metrics, /healthz, /readyz */
  readonly address: string;
  /** every stdout line so far, parsed (a line that is not JSON throws: logs must be pino JSON) */
  logs(): LogLine[];
  stderr(): string;
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** sum of a metric's samples whose labels include `labels` */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

/**
 * Starts `node <cli> controller --metrics-port 0 …args` and waits for its
 * "controller started" line, which carries the metrics address.
 */
export async function startController(
  cli: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<ControllerProcess> {
  const proc = spawn(
    process.execPath,
    [cli, 'controller', '--metrics-port', '0', '--metrics-host', '127.0.0.1', ...args],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  let err = '';
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop() ?? '';
    lines.push(...parts.filter((l) => l.trim() !== ''));
  });
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = once(proc, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const logs = (): LogLine[] => lines.map((l) => JSON.parse(l) as LogLine);
  const started = await eventually(
    "logs().find((l) => l.msg === 'controller started')",
    () => {
      if (proc.exitCode !== null) throw new Error(`controller exited ${proc.exitCode}: ${err}`);
      return logs().find((l) => l.msg === 'controller started');
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  const address = started['address'] as string;
  return {
    proc,
    address,
    logs,
    stderr: () => err,
    exited,
    async metric(name, labels = {}) {
      const text = await (await fetch(`${address}/metrics`)).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        const m = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(line);
        if (!m || m[1] !== name) continue;
        const ls = m[2] ?? '';
        if (Object.entries(labels).every(([k, v]) => ls.includes(`${k}="${v}"`))) sum += Number(m[3]);
      }
      return sum;
    },
  };
}

/** Sends SIGTERM and waits (at most `timeoutMs`) for the exit. */
export async function stopController(
  c: ControllerProcess,
  timeoutMs = 15_000,
): Promise<[number | null, NodeJS.Signals | null]> {
  c.proc.kill('SIGTERM');
  return Promise.race([
    c.exited,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no exit ${timeoutMs} ms after SIGTERM`)), timeoutMs),
    ),
  ]);
}
