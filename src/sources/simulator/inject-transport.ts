import type { FastifyInstance } from 'fastify';
import type { Transport } from '../common/transport.js';

/**
 * A Transport that calls the simulator in-process through `app.inject()` (no
 * socket): used by scheduling tests that live through days in milliseconds.
 * A dropped connection (allow-list) never answers and comes back as a timeout.
 */
export function injectTransport(app: FastifyInstance, remoteAddress = '127.0.0.1', timeoutMs = 2_000): Transport {
  return async (url) => {
    const u = new URL(url);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const res = await Promise.race([
        app.inject({ method: 'GET', url: u.pathname + u.search, remoteAddress }),
        timeout,
      ]);
      return { kind: 'answer', status: res.statusCode, text: res.body, durationMs: 1 };
    } catch (err) {
      return { kind: 'timeout', reason: err instanceof Error ? err.message : String(err), durationMs: timeoutMs };
    } finally {
      clearTimeout(timer);
    }
  };
}
