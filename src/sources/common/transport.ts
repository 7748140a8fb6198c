import { performance } from 'node:perf_hooks';
import { connectPendingSince, urlOrigin, watchConnects } from './connect-watch.js';
import { redactServiceKey } from './service-key.js';

/** An HTTP answer, whatever its status. */
export interface HttpAnswer {
  readonly kind: 'answer';
  readonly status: number;
  readonly text: string;
  readonly durationMs: number;
}

/**
 * No answer: the request timed out, the TCP connection itself was never
 * answered (`connect_timeout`: no SYN-ACK and no refusal, the way a service
 * drops a network it does not serve), or the connection failed. All three
 * classify as the outcome `timeout`; `connect_timeout` is kept apart as the
 * error class `ConnectTimeout` (docs/upstream-apis.md).
 */
export interface HttpNoAnswer {
  readonly kind: 'timeout' | 'connect_timeout' | 'network';
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
  watchConnects();
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
      if (timeout.aborted) {
        // Most of the time spent waiting for the connection itself: the SYN was never answered.
        const since = connectPendingSince(urlOrigin(url));
        if (since !== null && since <= started + timeoutMs / 2) return connectTimeout(url, timeoutMs, durationMs);
        return { kind: 'timeout', reason: `no answer within ${timeoutMs} ms`, durationMs };
      }
      if (causeCode(err) === 'UND_ERR_CONNECT_TIMEOUT') return connectTimeout(url, timeoutMs, durationMs);
      return { kind: 'network', reason: redactServiceKey(describe(err)), durationMs };
    }
  };
}

function connectTimeout(url: string, timeoutMs: number, durationMs: number): HttpNoAnswer {
  const { host } = new URL(url);
  return {
    kind: 'connect_timeout',
    reason: `${host} did not answer the TCP connection within ${Math.min(timeoutMs, Math.round(durationMs))} ms (no reply and no refusal): the service may be dropping connections from this network`,
    durationMs,
  };
}

/** undici's own connect timeout (it may fire before ours) names itself in the cause's code. */
function causeCode(err: unknown): string | undefined {
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}
