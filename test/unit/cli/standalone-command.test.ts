import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runStandalone } from '../../../src/cli/run-standalone.js';
import { memoryLogger } from '../../fixtures/memory-logger.js';

const dirs: string[] = [];
const tempDir = async (): Promise<string> => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'standalone-'));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('embedded default (standalone)', () => {
  it('loads resources, serves health and metrics, and stops cleanly on a stop signal', async () => {
    const dir = await tempDir();
    const { logger, lines } = memoryLogger();
    let stop!: (s: string) => void;
    const stopSignal = new Promise<string>((r) => (stop = r));
    const done = runStandalone({
      resources: 'examples/embedded',
      dataDir: path.join(dir, 'data'),
      port: 0,
      host: '127.0.0.1',
      env: {},
      logger,
      stopSignal,
    });
    const deadline = Date.now() + 5000;
    while (!lines.some((l) => l['msg'] === 'observe server listening') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    const address = lines.find((l) => l['msg'] === 'observe server listening')?.['address'] as string;
    expect((await fetch(`${address}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${address}/metrics`)).text()).toContain('process_cpu_user_seconds_total');
    stop('SIGINT');
    await expect(done).resolves.toBe(0);
    expect(lines.map((l) => l['msg'])).toEqual(
      expect.arrayContaining(['loaded resources', 'stopping', 'stopped cleanly']),
    );
    expect(lines.filter((l) => l['msg'] === 'resource').map((l) => l['kind'])).toEqual(
      expect.arrayContaining(['PowerSource', 'WeatherSource', 'LakeSink', 'DailyJoin']),
    );
    // a real pipeline in wall time: stop waits for the collector step in flight (a few backfill calls)
  }, 20_000);

  it('refuses to start on an invalid resource, naming the file, line and field', async () => {
    const dir = await tempDir();
    await writeFile(
      path.join(dir, 'bad.yaml'),
      'apiVersion: gridlake.io/v1alpha1\nkind: LakeSink\nmetadata: { name: raw }\nspec:\n  topics: [gridlake.power.kpx.v1]\n  lake: { bucket: grid..lake }\n',
    );
    const { logger } = memoryLogger();
    await expect(
      runStandalone({
        resources: dir,
        dataDir: path.join(dir, 'data'),
        port: 0,
        host: '127.0.0.1',
        env: {},
        logger,
        stopSignal: new Promise(() => {}),
      }),
    ).rejects.toThrow(/bad\.yaml:6:\d+: .*bucket must not contain two adjacent periods/);
  });

  it('stops the started pipeline and says why when the metrics port is taken', async () => {
    const dir = await tempDir();
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as net.AddressInfo).port;
    const { logger, lines } = memoryLogger();
    try {
      await expect(
        runStandalone({
          resources: 'examples/embedded',
          dataDir: path.join(dir, 'data'),
          port,
          host: '127.0.0.1',
          env: {},
          logger,
          stopSignal: new Promise(() => {}),
        }),
      ).rejects.toMatchObject({ code: 'GL_OBSERVE_LISTEN_FAILED', context: { port } });
      expect(lines.map((l) => l['msg'])).toEqual(
        expect.arrayContaining(['collectors stopped', 'join schedulers stopped']),
      );
    } finally {
      taken.close();
    }
  }, 20_000);
});
