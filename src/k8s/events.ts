import type { Logger } from '../observe/log.js';
import type { KubeClient } from './kube-client.js';
import { microTime } from './leader-election.js';
import type { KubeObject } from './object-cache.js';
import { withDefaults, type RuntimeDeps } from './runtime-deps.js';

export interface EventRecorderOptions {
  readonly client: KubeClient;
  /** `reportingController`, e.g. `gridlake.io/operator` */
  readonly controller: string;
  /** `reportingInstance`, e.g. the pod name */
  readonly instance: string;
  /** the same event (object, type, reason, note) is not sent again within this window; default 10 min */
  readonly dedupeWindowMs?: number;
  readonly logger?: Logger;
  readonly deps?: Partial<RuntimeDeps>;
}

export interface EventInput {
  readonly type: 'Normal' | 'Warning';
  /** CamelCase, e.g. `Created`, `SecretMissing` */
  readonly reason: string;
  /** what the controller did or failed to do, e.g. `Create` */
  readonly action: string;
  /** a sentence for `kubectl describe` */
  readonly note: string;
}

/**
 * Records Kubernetes Events (events.k8s.io/v1) for state changes, for people
 * reading `kubectl describe`; conditions stay the machine contract. Repeats of
 * the same event within the window are dropped in memory (client-go's
 * broadcaster aggregates the same way), so a controller that reports on every
 * reconcile cannot flood the API. Best effort: a failed event is logged, never
 * thrown, so it cannot fail a reconcile.
 */
export class EventRecorder {
  private readonly deps: RuntimeDeps;
  private readonly recent = new Map<string, number>();
  private seq = 0;

  constructor(private readonly options: EventRecorderOptions) {
    this.deps = withDefaults(options.deps);
  }

  /** Sends the event unless an identical one went out within the window; resolves true when sent. */
  async record(regarding: KubeObject, event: EventInput): Promise<boolean> {
    const now = this.deps.clock.now();
    const window = this.options.dedupeWindowMs ?? 600_000;
    const m = regarding.metadata;
    const key = [m.uid ?? `${m.namespace}/${m.name}`, event.type, event.reason, event.note].join('\u0000');
    const last = this.recent.get(key);
    if (last !== undefined && now - last < window) return false;
    this.recent.set(key, now);
    if (this.recent.size > 4096) this.prune(now, window);
    const namespace = m.namespace ?? 'default';
    const body = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: `${m.name ?? 'object'}.${now.toString(16)}${(this.seq++ % 4096).toString(16)}`, namespace },
      eventTime: microTime(now),
      reportingController: this.options.controller,
      reportingInstance: this.options.instance,
      action: event.action,
      reason: event.reason,
      type: event.type,
      note: event.note.slice(0, 1024),
      regarding: {
        apiVersion: regarding.apiVersion,
        kind: regarding.kind,
        name: m.name,
        namespace: m.namespace,
        uid: m.uid,
        resourceVersion: m.resourceVersion,
      },
    };
    try {
      await this.options.client.request({
        method: 'POST',
        path: `/apis/events.k8s.io/v1/namespaces/${namespace}/events`,
        body,
      });
      return true;
    } catch (err) {
      this.recent.delete(key);
      this.options.logger?.warn({ reason: event.reason, name: m.name, namespace, err }, 'event not recorded');
      return false;
    }
  }

  private prune(now: number, window: number): void {
    for (const [k, at] of this.recent) if (now - at >= window) this.recent.delete(k);
  }
}
