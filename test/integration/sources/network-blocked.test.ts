import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock.js';
import { createLogger } from '../../../src/observe/log.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import { seededRng } from '../../../src/random.js';
import { CallBudget } from '../../../src/sources/common/budget.js';
import { MemorySink } from '../../../src/sources/common/reading-sink.js';
import { runTasks } from '../../../src/sources/common/run-loop.js';
import { ServiceKey } from '../../../src/sources/common/service-key.js';
import { createSourceMetrics } from '../../../src/sources/common/source-metrics.js';
import { createFetchTransport } from '../../../src/sources/common/transport.js';
import { buildSourceTasks } from '../../../src/sources/source-tasks.js';
import { eventually } from '../../eventually.js';
import { createSiteNetwork, tcpConnect, type SiteNetwork } from '../../infra/netns.js';
import { buildChild } from '../../unit/bus/build-child.js';

// KPX drops connections from AWS address ranges without a word. With the
// simulator in `kpx` (which blackholes the hub's range), the hub's collector
// must report the class ConnectTimeout (the controller's NetworkBlocked), while
// the same collector in `naver` gets readings.

const ROOT = path.resolve(import.meta.dirname, '../../..');
const PORT = 8089;
const TIMEOUT_MS = 1_500;

let net: SiteNetwork;
let dir: string;
let cli: string;
let endpoint: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gridlake-blocked-'));
  cli = await buildChild(path.join(ROOT, 'src/cli.ts'), 'gridlake-cli');
  net = await createSiteNetwork();
  endpoint = `http://${net.kpx.address}:${PORT}`;
  net.spawn('kpx', {
    name: 'simulator',
    command: process.execPath,
    args: [cli, 'simulate', '--host', net.kpx.address, '--port', String(PORT)],
    logFile: path.join(dir, 'simulator.log'),
    cwd: ROOT,
  });
  await eventually(
    'simulator listening in kpx',
    async () => (await tcpConnect(net, 'naver', net.kpx.address, PORT, 1_000)) === 'connected',
    {
      timeoutMs: 30_000,
      intervalMs: 250,
    },
  );
}, 120_000);

afterAll(async () => {
  await net?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a collector whose network the service drops', () => {
  it('in the hub: reports the outcome timeout with the class ConnectTimeout', async () => {
    const logger = createLogger({ level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
    const stop = new AbortController();
    const built = buildSourceTasks(
      [{ kind: 'power', source: 'grid/kpx', api: 'gateway', endpoint, key: new ServiceKey('hub-key') }],
      {
        clock: systemClock,
        rng: seededRng(1),
        transport: createFetchTransport({ timeoutMs: TIMEOUT_MS }),
        sink: new MemorySink(),
        budget: new CallBudget({}),
        metrics: createSourceMetrics(createRegistry({ defaultMetrics: false })),
        logger,
        stop: stop.signal,
      },
    );
    const running = runTasks(built.tasks, { clock: systemClock, signal: stop.signal }).catch(() => undefined);
    try {
      const progress = await eventually(
        'a failed poll',
        () => built.progress(Date.now()).find((p) => p.progress.lastError !== undefined)?.progress,
        { timeoutMs: 20_000, intervalMs: 200 },
      );
      expect(progress.lastOutcome).toBe('timeout');
      expect(progress.lastError?.class).toBe('ConnectTimeout');
      expect(progress.lastError?.message).toContain(`${net.kpx.address}:${PORT} did not answer the TCP connection`);
    } finally {
      stop.abort();
      await running;
    }
  }, 60_000);

  it('in the hub, with the default request timeout of a source (30 s): the HTTP client gives up connecting first, still ConnectTimeout', async () => {
    const res = await createFetchTransport({ timeoutMs: 30_000 })(`${endpoint}/B552115/any`);
    expect(res.kind).toBe('connect_timeout');
    expect(res.durationMs).toBeLessThan(20_000); // undici's own 10 s connect timeout, not ours
  }, 60_000);

  it('in naver: the same collector gets readings', async () => {
    const out = path.join(dir, 'naver-collect.out');
    const proc = net.spawn('naver', {
      name: 'collect',
      command: process.execPath,
      args: [
        cli,
        'collect',
        '--kind',
        'power',
        '--source',
        'gridlake-site-naver/kpx',
        '--endpoint',
        endpoint,
        '--service-key-env',
        'GRIDLAKE_SERVICE_KEY',
        '--timeout-ms',
        String(TIMEOUT_MS),
      ],
      env: { GRIDLAKE_SERVICE_KEY: 'naver-key' },
      logFile: out,
      cwd: ROOT,
    });
    try {
      const line = await eventually(
        'a power reading on stdout',
        async () => (await readFile(out, 'utf8')).split('\n').find((l) => l.includes('"currentDemandMw"')),
        { timeoutMs: 30_000, intervalMs: 250 },
      );
      expect(JSON.stringify(line)).toContain('gridlake-site-naver/kpx');
      expect(await readFile(out, 'utf8')).not.toContain('ConnectTimeout');
    } finally {
      await proc.stop();
    }
  }, 60_000);
});
