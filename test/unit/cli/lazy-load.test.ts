import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildChild } from '../bus/build-child.js';

// Every process runs the one CLI, which declares every command; each command
// loads its libraries only when it runs (issue 7: the controller's RSS).
// These run the bundled CLI as a process and record which packages it loads.

/** A resolve hook that prints each package the bundle (in node_modules/.cache) imports. */
const HOOKS = `
export async function resolve(spec, ctx, next) {
  if (!/^(node:|file:|data:|\\.|\\/)/.test(spec) && !/\\/node_modules\\/(?!\\.cache\\/)/.test(ctx.parentURL ?? ''))
    process._rawDebug('[package] ' + spec);
  return next(spec, ctx);
}`;
const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`;

let cli: string;
beforeAll(async () => {
  cli = await buildChild(join(import.meta.dirname, '../../../src/cli.ts'), 'gridlake-cli-lazy');
}, 60_000);

function run(args: readonly string[]): { status: number | null; stdout: string; stderr: string; packages: string[] } {
  const res = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(REGISTER)}`, cli, ...args],
    {
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
  const packages = [...res.stderr.matchAll(/^\[package\] (\S+)$/gm)].map((m) => m[1]!);
  const stderr = res.stderr.replace(/^\[package\] .*\n/gm, '');
  return { status: res.status, stdout: res.stdout, stderr, packages: [...new Set(packages)].sort() };
}

// What no command's declaration may load: each is a command's runtime.
const HEAVY = [
  '@kubernetes/client-node',
  '@aws-sdk/client-s3',
  'kafkajs',
  'hyparquet',
  'hyparquet-writer',
  'fastify',
  'pino',
  'pino-pretty',
  'prom-client',
  'pg',
  'mysql2/promise',
  'fast-xml-parser',
  '@duckdb/node-api',
  'cli-progress',
];

describe('the CLI loads a command only when it runs', () => {
  it.each([
    '',
    'controller',
    'collect',
    'sink',
    'join',
    'simulate',
    'standalone',
    'crds',
    'agent',
    'query',
    'status',
    'backfill',
  ])('`gridlake %s --help` loads none of the runtime packages', (command) => {
    const { status, stdout, packages } = run([...(command ? [command] : []), '--help']);
    expect(status).toBe(0);
    expect(stdout).toContain(`Usage: gridlake${command ? ` ${command}` : ''}`);
    expect(packages.filter((p) => HEAVY.includes(p))).toEqual([]);
  });

  it('runs a command whose body is loaded on demand (crds), from the bundle', () => {
    const { status, stdout, packages } = run(['crds']);
    expect(status).toBe(0);
    expect(stdout).toContain('kind: CustomResourceDefinition');
    expect(packages).toContain('yaml');
  });

  it('query loads DuckDB when it runs, and prints JSON to a pipe', () => {
    const { status, stdout, packages } = run(['query', '--lake', tmpdir(), 'select 40 + 2 as answer']);
    expect(status).toBe(0);
    expect(JSON.parse(stdout)).toEqual([{ answer: 42 }]);
    expect(packages).toContain('@duckdb/node-api');
  });

  it('status with nothing to read says what to run in one line, exit 1, without a Kubernetes client', () => {
    // Port 9 (discard) on loopback: nothing listens there.
    const { status, stderr, packages } = run(['status', '--url', 'http://127.0.0.1:9']);
    expect(status).toBe(1);
    expect(stderr).toContain('no gridlake standalone answers at http://127.0.0.1:9: start one with `npm start`');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(packages.filter((p) => HEAVY.includes(p))).toEqual([]);
  });

  it('the check can fail: the controller, when it runs, loads what it needs (and not client-node)', () => {
    // A kubeconfig that does not exist: the controller loads its libraries, then stops on the file.
    const { status, packages } = run(['controller', '--kubeconfig', '/nonexistent/kubeconfig', '--no-leader-elect']);
    expect(status).toBe(2);
    expect(packages).toEqual(expect.arrayContaining(['pino', 'prom-client']));
    expect(packages).not.toContain('@kubernetes/client-node');
  });
});
