import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import { glError } from '../errors.js';
import { apiError } from './api-errors.js';
import { tlsAgentOptions, type KubeCredentials } from './kubeconfig.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface KubeRequest {
  readonly method: HttpMethod;
  /** absolute API path, e.g. `/apis/gridlake.io/v1alpha1/namespaces/ns/powersources` */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: unknown;
  /** default `application/json`; merge patches need `application/merge-patch+json` */
  readonly contentType?: string;
  readonly signal?: AbortSignal;
  /** default 30 s */
  readonly timeoutMs?: number;
}

/** One event from a watch stream. */
export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: Record<string, unknown>;
}

/** Called once per API request with its outcome (status undefined for network errors). */
export type RequestObserver = (info: { method: HttpMethod; path: string; status: number | undefined }) => void;

/** The small JSON client the runtime needs: requests, and watches that resolve when the stream ends. */
export interface KubeClient {
  request<T = unknown>(req: KubeRequest): Promise<T>;
  /**
   * Streams a watch. Resolves when the server ends the stream (or `signal`
   * aborts); rejects with a GL_K8S_API_FAILED error on a non-200 answer, a
   * broken connection or a line that is not JSON.
   */
  watch(
    path: string,
    query: KubeRequest['query'],
    onEvent: (ev: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void>;
}

/**
 * A JSON client over node:http(s) that takes server, TLS and credentials from
 * a kubeconfig (src/k8s/kubeconfig.ts, or client-node's KubeConfig:
 * `applyToHTTPSOptions` runs per request, so exec and token-file credentials
 * refresh). Why not client-node's own `Watch`: in 1.4.0
 * it builds a 30 s timeout signal and then overwrites it (no client-side
 * deadline at all), it only hands back its abort handle after the response
 * headers arrive (a hung connect cannot be cancelled), and it silently drops
 * watch lines that fail to parse (a broken watch then looks like a quiet one).
 * Generated APIs also turn timestamps into Date objects, which breaks "did
 * status change" checks (every status would look changed, so every
 * reconcile would write); this client keeps the server's JSON as is.
 */
export function createKubeClient(kc: KubeCredentials, options: { onRequest?: RequestObserver } = {}): KubeClient {
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    const context = kc.getCurrentContext?.();
    throw glError(
      'GL_K8S_KUBECONFIG_INVALID',
      context
        ? `kubeconfig has no current cluster: context ${context} is not defined or names an undefined cluster`
        : 'kubeconfig has no current cluster: set current-context (kubectl config use-context)',
      { context: { context } },
    );
  }
  const base = new URL(cluster.server);
  const mod = base.protocol === 'http:' ? http : https;
  let pooled: http.Agent | undefined;

  async function requestOptions(keepAlive: boolean): Promise<https.RequestOptions> {
    const opts: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(opts);
    if (keepAlive && !cluster?.proxyUrl) {
      // client-node makes a fresh Agent per call (a TLS handshake per request); share one that keeps sockets.
      pooled ??= new mod.Agent({ keepAlive: true, maxSockets: 32, ...tlsAgentOptions(opts) });
      opts.agent = pooled;
    }
    return opts;
  }

  function url(path: string, query: KubeRequest['query']): URL {
    const u = new URL(base.pathname.replace(/\/$/, '') + path, base);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u;
  }

  function open(req: KubeRequest, keepAlive: boolean, signal: AbortSignal): Promise<http.IncomingMessage> {
    return requestOptions(keepAlive).then(
      (opts) =>
        new Promise<http.IncomingMessage>((resolve, reject) => {
          const body = req.body === undefined ? undefined : JSON.stringify(req.body);
          const headers: http.OutgoingHttpHeaders = {
            ...(opts.headers as http.OutgoingHttpHeaders | undefined),
            accept: 'application/json',
          };
          if (body !== undefined) {
            headers['content-type'] = req.contentType ?? 'application/json';
            headers['content-length'] = Buffer.byteLength(body);
          }
          const r = mod.request(url(req.path, req.query), { ...opts, method: req.method, headers, signal }, resolve);
          r.on('error', reject);
          r.on('socket', (s) => s.setKeepAlive(true, 30_000));
          r.end(body);
        }),
    );
  }

  return {
    async request<T>(req: KubeRequest): Promise<T> {
      const timeout = AbortSignal.timeout(req.timeoutMs ?? 30_000);
      const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
      let status: number | undefined;
      try {
        const res = await open(req, true, signal);
        status = res.statusCode;
        const chunks: Buffer[] = [];
        for await (const c of res) chunks.push(c as Buffer);
        const text = Buffer.concat(chunks).toString('utf8');
        const parsed: unknown =
          text.length > 0 && /json/.test(res.headers['content-type'] ?? '') ? JSON.parse(text) : text;
        if (status === undefined || status < 200 || status > 299) throw apiError(status, parsed, req);
        return parsed as T;
      } catch (err) {
        if (err instanceof Error && err.name === 'GridlakeError') throw err;
        status = undefined;
        throw apiError(undefined, undefined, req, err);
      } finally {
        options.onRequest?.({ method: req.method, path: req.path, status });
      }
    },

    async watch(path, query, onEvent, signal): Promise<void> {
      const req: KubeRequest = { method: 'GET', path, query: { ...query, watch: true } };
      let res: http.IncomingMessage;
      try {
        res = await open(req, false, signal);
      } catch (err) {
        options.onRequest?.({ method: 'GET', path, status: undefined });
        if (signal.aborted) return;
        throw apiError(undefined, undefined, req, err);
      }
      options.onRequest?.({ method: 'GET', path, status: res.statusCode });
      if (res.statusCode !== 200) {
        const chunks: Buffer[] = [];
        for await (const c of res) chunks.push(c as Buffer);
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          body = undefined;
        }
        throw apiError(res.statusCode, body, req);
      }
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      try {
        for await (const line of lines) {
          if (line.trim() === '') continue;
          let ev: WatchEvent;
          try {
            ev = JSON.parse(line) as WatchEvent;
          } catch (err) {
            // client-node drops such lines silently; a garbled stream means lost events, so restart.
            throw apiError(200, { reason: 'MalformedWatchEvent', message: line.slice(0, 200) }, req, err);
          }
          onEvent(ev);
        }
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof Error && err.name === 'GridlakeError') throw err;
        throw apiError(undefined, undefined, req, err);
      } finally {
        res.destroy();
      }
      // The response can end cleanly after a connection reset on some Node versions; `complete` tells them apart.
      if (!res.complete && !signal.aborted) throw apiError(undefined, { reason: 'ConnectionReset' }, req);
    },
  };
}

/** The collection path of a resource, e.g. `/api/v1/namespaces/x/pods` or `/apis/apps/v1/deployments`. */
export function resourcePath(r: {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespace?: string | undefined;
}): string {
  const prefix = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  return r.namespace ? `${prefix}/namespaces/${r.namespace}/${r.plural}` : `${prefix}/${r.plural}`;
}

/** The path of one object, e.g. `/apis/apps/v1/namespaces/x/deployments/web`. */
export function objectPath(
  r: {
    readonly group: string;
    readonly version: string;
    readonly plural: string;
    readonly namespace?: string | undefined;
  },
  name: string,
): string {
  return `${resourcePath(r)}/${encodeURIComponent(name)}`;
}
