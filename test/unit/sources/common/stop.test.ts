import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../eventually.js';
import { startCollectors } from '../../../../src/sources/collect-runner.js';
import { createLogger } from '../../../../src/observe/log.js';
import { MemorySink } from '../../../../src/sources/common/reading-sink.js';
import { ServiceKey } from '../../../../src/sources/common/service-key.js';
import { createFetchTransport, StopRequested, type Transport } from '../../../../src/sources/common/transport.js';

/**
 * Stopping a collector does not wait for the rest of a step: a weather
 * backfill of 24 hours is 24 calls in one step, and against a real API with
 * 10 s timeouts finishing it could outlast the pod's grace period. The stop
 * signal reaches the call in flight, and no further call starts.
 */
const weather = {
  kind: 'weather' as const,
  source: 'ns/kma',
  endpoint: 'http://kma.invalid',
  key: new ServiceKey('k'),
  locations: [{ name: 'seoul', nx: 60, ny: 127 }],
  initialBackfillHours: 24,
};

describe('stopping collectors', () => {
  it('abandons the call in flight and starts no other, mid-backfill', async () => {
    const abort = new AbortController();
    const urls: string[] = [];
    let inFlightSawStop = false;
    // Every call hangs until the stop signal: only the stop can end the run.
    const transport: Transport = (url, stop) => {
      urls.push(url);
      return new Promise((_, reject) => {
        stop?.addEventListener('abort', () => {
          inFlightSawStop = true;
          reject(new StopRequested());
        });
      });
    };
    const run = startCollectors({
      sources: [weather],
      sink: new MemorySink(),
      registry: new Registry(),
      logger: createLogger({ level: 'silent' }),
      transport,
      signal: abort.signal,
    });
    await eventually('urls.length === 1', () => urls.length === 1, { timeoutMs: 5_000, intervalMs: 10 });
    abort.abort();
    await run.done;
    expect(inFlightSawStop).toBe(true);
    expect(urls).toHaveLength(1);
  });

  it('the fetch transport throws StopRequested for a request the stop aborted, and never starts one after it', async () => {
    const transport = createFetchTransport({ timeoutMs: 60_000 });
    const stopped = new AbortController();
    stopped.abort();
    await expect(transport('http://127.0.0.1:9/never', stopped.signal)).rejects.toBeInstanceOf(StopRequested);
    // A request in flight (a server that never answers) ends when the stop comes, not at the timeout.
    const { createServer } = await import('node:http');
    const server = createServer(() => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    const stop = new AbortController();
    const pending = transport(`http://127.0.0.1:${port}/slow`, stop.signal);
    setTimeout(() => stop.abort(), 50);
    await expect(pending).rejects.toBeInstanceOf(StopRequested);
    server.closeAllConnections();
    server.close();
  });
});
