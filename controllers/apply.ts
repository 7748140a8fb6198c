import { createHash } from 'node:crypto';
import { assertNever } from '../src/errors.js';
import { isAlreadyExists, isNotFound } from '../src/k8s/api-errors.js';
import type { ResourceRef } from '../src/k8s/informer.js';
import { objectPath, resourcePath, type KubeClient } from '../src/k8s/kube-client.js';
import type { EventRecorder } from '../src/k8s/events.js';
import type { KubeObject } from '../src/k8s/object-cache.js';
import { APPLIED_HASH, FIELD_MANAGER } from './resources.js';

/** Which object an action touches. */
export interface ObjectRef {
  readonly resource: Pick<ResourceRef, 'group' | 'version' | 'plural' | 'kind'>;
  readonly name: string;
  /** absent for cluster-scoped objects */
  readonly namespace?: string;
}

/**
 * What a pure plan asks the apply step to do.
 * - `apply`: server-side apply of the whole desired body (creates or updates; owned fields only).
 * - `create`: POST; AlreadyExists counts as done, so a deterministic name is never made twice.
 * - `delete`: DELETE with a uid precondition (never deletes a newer object of the same name); NotFound is done.
 */
export type Action =
  | { readonly op: 'apply'; readonly ref: ObjectRef; readonly body: KubeObject }
  | { readonly op: 'create'; readonly ref: ObjectRef; readonly body: KubeObject }
  | { readonly op: 'delete'; readonly ref: ObjectRef; readonly uid?: string };

/** Short stable hash of a JSON value (object keys sorted), e.g. for APPLIED_HASH and CONFIG_HASH. */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 16);
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stableJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Stamps `body` with the hash of its own content, and returns an `apply`
 * action only when the observed child carries a different hash (or is absent):
 * an unchanged world makes no write (a write would wake the controller again: a hot loop).
 */
export function applyIfChanged(ref: ObjectRef, body: KubeObject, observed: KubeObject | undefined): Action[] {
  const hash = hashOf(body);
  const stamped: KubeObject = {
    ...body,
    metadata: { ...body.metadata, annotations: { ...body.metadata.annotations, [APPLIED_HASH]: hash } },
  };
  return observed?.metadata.annotations?.[APPLIED_HASH] === hash ? [] : [{ op: 'apply', ref, body: stamped }];
}

/** Runs the actions in order; the first failure throws (the reconcile retries with backoff). */
export async function applyActions(
  client: KubeClient,
  actions: readonly Action[],
  signal?: AbortSignal,
): Promise<void> {
  for (const a of actions) {
    const where = { ...a.ref.resource, ...(a.ref.namespace ? { namespace: a.ref.namespace } : {}) };
    const sig = signal ? { signal } : {};
    switch (a.op) {
      case 'apply':
        await client.request({
          method: 'PATCH',
          path: objectPath(where, a.ref.name),
          query: { fieldManager: FIELD_MANAGER, force: true },
          contentType: 'application/apply-patch+yaml',
          body: a.body,
          ...sig,
        });
        break;
      case 'create':
        try {
          await client.request({ method: 'POST', path: resourcePath(where), body: a.body, ...sig });
        } catch (err) {
          // Someone (another replica, an earlier attempt) made it already: the name is deterministic.
          if (!isAlreadyExists(err)) throw err;
        }
        break;
      case 'delete':
        try {
          await client.request({
            method: 'DELETE',
            path: objectPath(where, a.ref.name),
            body: {
              apiVersion: 'v1',
              kind: 'DeleteOptions',
              propagationPolicy: 'Background',
              ...(a.uid ? { preconditions: { uid: a.uid } } : {}),
            },
            ...sig,
          });
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        break;
      default:
        assertNever(a);
    }
  }
}

const VERBS = {
  apply: { reason: 'Applied', action: 'Apply' },
  create: { reason: 'Created', action: 'Create' },
  delete: { reason: 'Deleted', action: 'Delete' },
} as const;

/**
 * One Event per action taken, regarding the object that asked for it, so
 * `kubectl describe` tells what the controller did (reason e.g.
 * `CreatedDailyJoinRun`). Best effort and not awaited by reconcilers: the
 * recorder logs a failed Event and never throws; repeats are deduplicated.
 */
export async function recordActions(
  events: EventRecorder | undefined,
  owner: KubeObject,
  actions: readonly Action[],
): Promise<void> {
  if (!events) return;
  for (const a of actions) {
    const verb = VERBS[a.op];
    const where = a.ref.namespace ? `${a.ref.namespace}/${a.ref.name}` : a.ref.name;
    await events.record(owner, {
      type: 'Normal',
      reason: `${verb.reason}${a.ref.resource.kind}`,
      action: verb.action,
      note: `${verb.reason.toLowerCase()} ${a.ref.resource.kind} ${where}`,
    });
  }
}
