import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { startObserveServer, statusReporter, stopSignal } from '../../../src/cli/process.js';
import { createLogger } from '../../../src/observe/log.js';
import { createRegistry } from '../../../src/observe/metrics.js';

const quiet = createLogger({ level: 'silent' });

describe('process builders', () => {
  it('stopSignal resolves with the first SIGINT or SIGTERM and then stops listening to both', async () => {
    const source = new EventEmitter();
    const stopped = stopSignal(source);
    expect(source.listenerCount('SIGINT')).toBe(1);
    expect(source.listenerCount('SIGTERM')).toBe(1);
    source.emit('SIGTERM', 'SIGTERM');
    await expect(stopped).resolves.toBe('SIGTERM');
    expect(source.listenerCount('SIGINT')).toBe(0);
    expect(source.listenerCount('SIGTERM')).toBe(0);
  });

  it('startObserveServer serves /healthz, and undoes what started when the port is taken', async () => {
    const registry = createRegistry({ defaultMetrics: false });
    const server = await startObserveServer({ registry, logger: quiet, host: '127.0.0.1', port: 0 });
    expect((await fetch(`${server.address}/healthz`)).status).toBe(200);
    const port = Number(new URL(server.address).port);
    let undone = false;
    await expect(
      startObserveServer({
        registry,
        logger: quiet,
        host: '127.0.0.1',
        port,
        undo: async () => {
          undone = true;
        },
      }),
    ).rejects.toMatchObject({ code: 'GL_OBSERVE_LISTEN_FAILED', context: { port } });
    expect(undone).toBe(true);
    await server.close();
  });

  it('statusReporter is a no-op without --report-status, and needs the target with it', async () => {
    const off = await statusReporter({
      enabled: false,
      plural: 'lakesinks',
      target: undefined,
      flag: '--sink',
      snapshot: () => null,
      logger: quiet,
    });
    off.start();
    await off.stop();
    await expect(
      statusReporter({
        enabled: true,
        plural: 'lakesinks',
        target: undefined,
        flag: '--sink',
        snapshot: () => null,
        logger: quiet,
      }),
    ).rejects.toMatchObject({ code: 'GL_CONFIG_INVALID', message: '--report-status needs --sink namespace/name' });
  });
});
