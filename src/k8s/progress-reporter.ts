import type { Logger } from '../observe/log.js';
import { errorStatus } from './api-errors.js';
import { objectPath, type KubeClient } from './kube-client.js';
import type { ResourceRef } from './informer.js';
import { deepEqual } from './status-writer.js';

/** The resource a worker reports on. */
export interface ProgressTarget {
  readonly resource: Pick<ResourceRef, 'group' | 'version' | 'plural'>;
  readonly namespace: string;
  readonly name: string;
}

export interface ProgressReporterOptions {
  readonly client: KubeClient;
  readonly target: ProgressTarget;
  /** who writes: the pod name (or `<site>/<pod>` for an agent) */
  readonly reporter: string;
  /** the block to write now, without `reporter` and `updatedAt`; null: nothing to say yet */
  readonly snapshot: () => Record<string, unknown> | null;
  readonly logger: Logger;
  /** how often to look for a change (default 15 s) */
  readonly intervalMs?: number;
  /**
   * Write at least this often even without a change (default 60 s): the
   * controller reads an old `updatedAt` as a worker that stopped.
   */
  readonly heartbeatMs?: number;
  readonly now?: () => number;
}

/**
 * Writes a worker's own `status.progress` block through the status
 * subresource, and nothing else (one writer per field: the controller owns
 * `conditions` and `observedGeneration`). It writes only when the block
 * changed or the heartbeat is due, because every write wakes the controller.
 * The block is replaced whole (a JSON patch `add` replaces a member), so fields
 * a previous pod wrote do not linger; a merge patch would keep them. Failures
 * are logged and retried on the next tick: status is how people watch the
 * worker, never a reason to stop its work.
 */
export class ProgressReporter {
  readonly #o: ProgressReporterOptions;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | null = null;
  #lastBody: Record<string, unknown> | null = null;
  #lastWriteMs = -Infinity;
  #lastFailure: string | null = null;
  #writing: Promise<void> = Promise.resolve();

  constructor(options: ProgressReporterOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  start(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => void this.report(), this.#o.intervalMs ?? 15_000);
    this.#timer.unref();
    void this.report();
  }

  /** Writes the block if it changed or the heartbeat is due; `force` writes regardless. */
  report(force = false): Promise<void> {
    this.#writing = this.#writing.then(() => this.#reportOnce(force));
    return this.#writing;
  }

  /**
   * Stops the timer after a last write, so the final counts are on the
   * resource; `final: false` skips that write (the resource was deleted).
   */
  async stop(final = true): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    if (final) await this.report(true);
    else await this.#writing;
  }

  async #reportOnce(force: boolean): Promise<void> {
    const body = this.#o.snapshot();
    if (body === null) return;
    const now = this.#now();
    const heartbeatDue = now - this.#lastWriteMs >= (this.#o.heartbeatMs ?? 60_000);
    if (!force && !heartbeatDue && this.#lastBody !== null && deepEqual(body, this.#lastBody)) return;
    const progress = { ...body, reporter: this.#o.reporter, updatedAt: new Date(now).toISOString() };
    try {
      await this.#write(progress);
      this.#lastBody = body;
      this.#lastWriteMs = now;
      if (this.#lastFailure !== null)
        this.#o.logger.info({ target: this.#describe() }, 'status.progress written again');
      this.#lastFailure = null;
    } catch (err) {
      this.#failed(err);
    }
  }

  async #write(progress: Record<string, unknown>): Promise<void> {
    const { client, target } = this.#o;
    const path = `${objectPath({ ...target.resource, namespace: target.namespace }, target.name)}/status`;
    try {
      await client.request({
        method: 'PATCH',
        path,
        contentType: 'application/json-patch+json',
        body: [{ op: 'add', path: '/status/progress', value: progress }],
      });
    } catch (err) {
      // A resource the controller has not given a status yet has no /status to
      // add under: the API server answers 422, and a merge patch creates it.
      if (errorStatus(err) !== 422) throw err;
      await client.request({
        method: 'PATCH',
        path,
        contentType: 'application/merge-patch+json',
        body: { status: { progress } },
      });
    }
  }

  #failed(err: unknown): void {
    const status = errorStatus(err);
    const message = err instanceof Error ? err.message : String(err);
    const hint =
      status === 403
        ? `the worker's ServiceAccount may not patch ${this.#o.target.resource.plural}/status`
        : status === 404
          ? 'the resource is gone (deleted?)'
          : 'will retry';
    const key = `${status ?? 'network'}:${hint}`;
    // Once per kind of failure: a worker that cannot report must not flood its log.
    if (key === this.#lastFailure) return;
    this.#lastFailure = key;
    this.#o.logger.warn({ target: this.#describe(), status, err: message, hint }, 'status.progress not written');
  }

  #describe(): string {
    const t = this.#o.target;
    return `${t.resource.plural}/${t.namespace}/${t.name}`;
  }
}
