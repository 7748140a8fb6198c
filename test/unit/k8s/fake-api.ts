import { apiError } from '../../../src/k8s/api-errors.js';
import type { KubeClient, KubeRequest, WatchEvent } from '../../../src/k8s/kube-client.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';

/** One open watch of the fake API: the test pushes events into it or ends it. */
export interface FakeWatch {
  readonly query: Record<string, unknown>;
  emit(ev: WatchEvent): void;
  end(): void;
  fail(err: unknown): void;
  readonly signal: AbortSignal;
}

/**
 * A scriptable stand-in for the API server's list and watch: `objects` is the
 * server's state, `listFailures`/`watchFailures` are errors the next calls
 * throw, and each watch stays open until the test ends it.
 */
export class FakeApi implements KubeClient {
  objects = new Map<string, KubeObject>();
  rv = 100;
  listFailures: unknown[] = [];
  watchFailures: unknown[] = [];
  lists: Record<string, unknown>[] = [];
  watches: FakeWatch[] = [];
  requests: KubeRequest[] = [];

  put(name: string, extra: Record<string, unknown> = {}, namespace = 'ns'): KubeObject {
    const obj: KubeObject = {
      apiVersion: 'k8stest.gridlake.io/v1',
      kind: 'Widget',
      metadata: { name, namespace, resourceVersion: String(++this.rv) },
      ...extra,
    };
    this.objects.set(`${namespace}/${name}`, obj);
    return obj;
  }

  get openWatch(): FakeWatch | undefined {
    const w = this.watches[this.watches.length - 1];
    return w && !w.signal.aborted ? w : undefined;
  }

  async request<T>(req: KubeRequest): Promise<T> {
    this.requests.push(req);
    if (req.method !== 'GET') throw new Error(`fake api: ${req.method} not scripted`);
    const failure = this.listFailures.shift();
    if (failure !== undefined) throw failure;
    this.lists.push({ ...req.query });
    const all = [...this.objects.values()];
    const limit = Number(req.query?.['limit'] ?? all.length);
    const start = Number(req.query?.['continue'] ?? 0);
    const items = all.slice(start, start + limit);
    const next = start + limit < all.length ? String(start + limit) : undefined;
    return {
      kind: 'WidgetList',
      apiVersion: 'k8stest.gridlake.io/v1',
      metadata: { resourceVersion: String(this.rv), ...(next ? { continue: next } : {}) },
      items,
    } as T;
  }

  watch(
    _path: string,
    query: KubeRequest['query'],
    onEvent: (ev: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const failure = this.watchFailures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    return new Promise<void>((resolve, reject) => {
      let open = true;
      const close = (err?: unknown): void => {
        if (!open) return;
        open = false;
        if (err === undefined) resolve();
        else reject(err);
      };
      signal.addEventListener('abort', () => close(), { once: true });
      this.watches.push({
        query: { ...query },
        signal,
        emit: (ev) => {
          if (!open) return;
          try {
            onEvent(ev);
          } catch (err) {
            close(err);
          }
        },
        end: () => close(),
        fail: (err) => close(err),
      });
    });
  }
}

/** An API error with an HTTP status, as the real client throws it. */
export function httpError(status: number, reason = `HTTP${status}`): Error {
  return apiError(status, { kind: 'Status', code: status, reason }, { method: 'GET', path: '/fake' });
}
