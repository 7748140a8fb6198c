import { Writable } from 'node:stream';
import { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StatusView } from '../../../src/api/status-view.js';
import { registerStatusCommand } from '../../../src/cli/status-command.js';
import { statusConfig } from '../../../src/config.js';
import { GridlakeError } from '../../../src/errors.js';
import { createObserveServer } from '../../../src/observe/http-server.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import { memoryLogger } from '../../fixtures/memory-logger.js';

// `GET /status.json` on the observe server, and `gridlake status` reading it
// from a server this test starts (the cluster side: test/integration).

const VIEW: StatusView = {
  version: 1,
  runtime: 'embedded',
  generatedAt: '2026-11-23T06:00:00Z',
  embedded: { dataDir: '.gridlake' },
  resources: [
    {
      kind: 'PowerSource',
      namespace: 'default',
      name: 'kpx-national',
      spec: { pollIntervalSeconds: 300, dailyCallBudget: 1000, topic: 'kpx', suspend: false },
      status: {
        progress: {
          reporter: 'embedded',
          updatedAt: '2026-11-23T06:00:00Z',
          lastPollTime: '2026-11-23T05:59:00Z',
          lastOutcome: 'ok',
          lastReadingTime: '2026-11-23T05:57:00Z',
          lastReading: { currentDemandMw: 61234, supplyCapacityMw: 80000, supplyReservePct: 30.6 },
          callsToday: 12,
        },
      },
    },
    {
      kind: 'LakeSink',
      namespace: 'default',
      name: 'raw',
      spec: { topics: ['kpx'], lake: {} as never, flush: {} as never, suspend: false },
      status: {
        progress: {
          reporter: 'embedded',
          updatedAt: '2026-11-23T06:00:00Z',
          recordsTotal: 1234,
          filesTotal: 7,
          lagRecords: 0,
          lastFlushTime: '2026-11-23T05:50:00Z',
        },
      },
    },
    {
      kind: 'LakeSink',
      namespace: 'other',
      name: 'elsewhere',
      spec: { topics: ['kpx'], lake: {} as never, flush: {} as never, suspend: false },
      status: {},
    },
  ],
};

let out: string;
beforeEach(() => {
  out = '';
});
const stdout = (isTTY: boolean): Writable & { isTTY: boolean } =>
  Object.assign(
    new Writable({
      write(chunk: Buffer, _e, cb) {
        out += chunk.toString();
        cb();
      },
    }),
    { isTTY },
  );

async function status(args: readonly string[], tty = false): Promise<void> {
  const program = new Command('gridlake').exitOverride();
  registerStatusCommand(program, {}, { stdout: stdout(tty) });
  await program.parseAsync(['status', ...args], { from: 'user' });
}

const server = (view: (() => StatusView) | undefined): FastifyInstance =>
  createObserveServer({
    registry: createRegistry({ defaultMetrics: false }),
    logger: memoryLogger().logger,
    ...(view === undefined ? {} : { status: view }),
  });

describe('GET /status.json', () => {
  it('answers the snapshot, computed on each request, not cached', async () => {
    let calls = 0;
    const app = server(() => ({ ...VIEW, generatedAt: `call ${++calls}` }));
    const first = await app.inject({ method: 'GET', url: '/status.json' });
    const second = await app.inject({ method: 'GET', url: '/status.json' });
    expect(first.statusCode).toBe(200);
    expect(first.headers['cache-control']).toBe('no-store');
    expect(first.json()).toEqual({ ...VIEW, generatedAt: 'call 1' });
    expect((second.json() as StatusView).generatedAt).toBe('call 2');
    await app.close();
  });

  it('is not served by a process that has no status to give (a worker)', async () => {
    const app = server(undefined);
    expect((await app.inject({ method: 'GET', url: '/status.json' })).statusCode).toBe(404);
    await app.close();
  });
});

describe('gridlake status against a running standalone', () => {
  let app: FastifyInstance;
  let url: string;
  afterEach(async () => {
    await app.close();
  });
  beforeEach(async () => {
    app = server(() => VIEW);
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  it('prints a table on a terminal: freshness as an age, last values, calls of the budget, sink throughput', async () => {
    await status(['--url', url], true);
    expect(out).toContain('gridlake status (embedded, 2026-11-23T06:00:00Z)');
    const kpx = out.split('\n').find((l) => l.includes('default/kpx-national')) ?? '';
    expect(kpx).toMatch(
      /power\s+default\/kpx-national\s+ok\s+3m ago\s+demand 61,234 MW, supply 80,000 MW, reserve 30.6%\s+12\/1,000\s+ok/,
    );
    const raw = out.split('\n').find((l) => l.includes('default/raw')) ?? '';
    expect(raw).toMatch(/default\/raw\s+ok\s+1,234\s+7\s+0\s+10m ago\s+kpx/);
    expect(out).toMatch(/JOINS\n {2}\(none\)/);
  });

  it('prints the shape as JSON to a pipe (or with -o json), one namespace with -n', async () => {
    await status(['--url', url, '-n', 'default']);
    const got = JSON.parse(out) as StatusView;
    expect(got.resources.map((r) => r.name)).toEqual(['kpx-national', 'raw']);
    out = '';
    await status(['--url', url, '-o', 'json'], true);
    expect(JSON.parse(out)).toEqual(VIEW);
  });

  it('says in one sentence what to run when nothing answers', async () => {
    await app.close();
    const err = await status(['--url', url]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GridlakeError);
    expect((err as GridlakeError).code).toBe('GL_STATUS_UNAVAILABLE');
    expect((err as Error).message).toBe(
      `no gridlake standalone answers at ${url}: start one with \`npm start\` (or \`gridlake standalone\`), give --url, or read a cluster with --cluster`,
    );
  });

  it('says a process without /status.json is not a standalone', async () => {
    await app.close();
    app = server(undefined);
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    await expect(status(['--url', url])).rejects.toThrow(/does not serve \/status.json/);
  });
});

describe('statusConfig', () => {
  it.each([
    [{}, { mode: 'local', url: 'http://127.0.0.1:9464' }],
    [{ cluster: true }, { mode: 'cluster' }],
    [{ kubeconfig: '/k' }, { mode: 'cluster', kubeconfig: '/k' }],
  ])('%j reads %j', (flags, want) => {
    expect(statusConfig(flags, {})).toMatchObject(want);
  });

  it.each([
    [{ url: 'ftp://x' }, '--url: not an http(s) URL'],
    [{ url: 'http://x', cluster: true }, 'not both'],
    [{ output: 'yaml' }, '--output'],
  ])('refuses %j', (flags, message) => {
    expect(() => statusConfig(flags, {})).toThrow(message);
  });
});
