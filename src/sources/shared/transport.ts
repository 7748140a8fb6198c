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

/** Performs one GET; the only I/O the collectors do towards the APIs. */
export type Transport = (url: string) => Promise<HttpAnswer | HttpNoAnswer>;

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
  return async (url) => {
    const started = performance.now();
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const res = await fetch(url, {
        signal,
        headers: { accept: 'application/json, application/xml;q=0.9, */*;q=0.1' },
      });
      const text = await res.text();
      return { kind: 'answer', status: res.status, text, durationMs: performance.now() - started };
    } catch (err) {
      const durationMs = performance.now() - started;
      if (signal.aborted) return { kind: 'timeout', reason: `no answer within ${timeoutMs} ms`, durationMs };
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
