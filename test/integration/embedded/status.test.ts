import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadResourcesOrThrow } from '../../../src/api/load.js';
import type { StatusView } from '../../../src/api/status-view.js';
import { startObserveServer, type ObserveServer } from '../../../src/cli/process.js';
import { runStatus } from '../../fixtures/run-status.js';
import { startPipeline, type Pipeline } from '../../../src/embedded/pipeline.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import { eventually } from '../../eventually.js';
import { memoryLogger } from '../../fixtures/memory-logger.js';

// The example resources on a simulated clock from 00:20 KST (before the 01:30
// firing, so the catch-up joins 2026-11-01 only): after the start-up catch-up,
// `gridlake status` reads the pipeline's own /status.json and shows every
// source with values, the sink with records, the join with its last date.

const START = Date.parse('2026-11-03T00:20:00+09:00');

let dataDir: string;
let pipeline: Pipeline;
let server: ObserveServer;

const status = (args: readonly string[], tty: boolean): Promise<string> =>
  runStatus(['--url', server.address, ...args], { tty });

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gridlake-status-e2e-'));
  const registry = createRegistry();
  const { logger } = memoryLogger();
  pipeline = await startPipeline({
    resources: await loadResourcesOrThrow('examples/embedded'),
    dataDir,
    registry,
    logger,
    env: {},
    simulatedClock: { startMs: START, speed: 600 },
    catchUpWaitMs: 20_000,
  });
  server = await startObserveServer({
    registry,
    logger,
    status: () => pipeline.status(),
    host: '127.0.0.1',
    port: 0,
  });
  await pipeline.catchUp;
}, 90_000);

afterAll(async () => {
  await pipeline?.stop();
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('gridlake status on a running embedded pipeline', () => {
  it('shows fresh sources with values, the sink with records, the joined dates', async () => {
    // The sink flushes on size or age: wait for the first live flush after the catch-up's.
    const view = await eventually(
      'sources and sink have reported',
      async () => {
        const v = JSON.parse(await status(['-o', 'json'], false)) as StatusView;
        const power = v.resources.find((r) => r.kind === 'PowerSource');
        const sink = v.resources.find((r) => r.kind === 'LakeSink');
        return power?.status.progress?.lastReading !== undefined && (sink?.status.progress?.recordsTotal ?? 0) > 0
          ? v
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(view.runtime).toBe('embedded');
    const runs = view.resources.filter((r) => r.kind === 'DailyJoinRun');
    expect(runs.map((r) => (r.kind === 'DailyJoinRun' ? r.spec.date : ''))).toEqual(['2026-11-01']);

    const table = await status([], true);
    expect(table).toMatch(/power\s+default\/kpx-national\s+ok\s+\d+[smh] ago\s+demand [\d,.]+ MW, supply [\d,.]+ MW/);
    expect(table).toMatch(/weather\s+default\/kma-metro\s+\S+\s+\S+ ago\s+seoul -?[\d.]+°C/);
    expect(table).toMatch(/default\/raw\s+ok\s+[\d,]+\s+\d+/);
    expect(table).toMatch(
      /default\/power-weather\s+\S+\s+2026-11-01\s+(Succeeded|Partial)\s.*2026-11-02 in \d+[smh]\b/,
    );
  }, 60_000);
});
