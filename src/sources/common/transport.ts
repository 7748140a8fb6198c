import { performance } from 'node:perf_hooks';
import { redactServiceKey } from './service-key.js';

/** An HTTP answer, whatever its status. */
export interface HttpAnswer {
  readonly kind: 'answer';
  readonly status: number;
  readonly text: string;
  readonly durationMs: number;
}

/** No answer: the request timed out or the connection failed (both classify as `timeout`). */
export interface HttpNoAnswer {
  readonly kind: 'timeout' | 'network';
  readonly reason: string;
  readonly durationMs: number;
}

/**
 * Performs one GET; the only I/O the collectors do towards the APIs. `stop`
 * aborts a request in flight when the collector is asked to stop: the
 * transport then throws `StopRequested` instead of answering.
 */
export type Transport = (url: string, stop?: AbortSignal) => Promise<HttpAnswer | HttpNoAnswer>;

/** The collector was asked to stop during a call: no answer, and nothing to classify. */
export class StopRequested extends Error {
  constructor() {
    super('the collector is stopping');
    this.name = 'StopRequested';
  }
}

/** Options of the fetch transport. */
export interface FetchTransportOptions {
  /** Per-request timeout covering connect, headers and body (default 10 s). */
  readonly timeoutMs?: number;
}

/**
 * GET through Node's fetch (undici: keep-alive connection pool by default) with
 * a timeout per request. Errors never carry the URL (it holds the service key).
 */
export function createFetchTransport(options: FetchTransportOptions = {}): Transport {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return async (url, stop) => {
    const started = performance.now();
    if (stop?.aborted) throw new StopRequested();
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      const res = await fetch(url, {
        signal: stop ? AbortSignal.any([timeout, stop]) : timeout,
        headers: { accept: 'application/json, application/xml;q=0.9, */*;q=0.1' },
      });
      const text = await res.text();
      return { kind: 'answer', status: res.status, text, durationMs: performance.now() - started };
    } catch (err) {
      const durationMs = performance.now() - started;
      if (stop?.aborted) throw new StopRequested();
      if (timeout.aborted) return { kind: 'timeout', reason: `no answer within ${timeoutMs} ms`, durationMs };
      return { kind: 'network', reason: redactServiceKey(describe(err)), durationMs };
    }
  };
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}
