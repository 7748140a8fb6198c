import { isConflict, isNotFound } from './api-errors.js';
import { objectPath, type KubeClient } from './kube-client.js';
import type { KubeObject } from './object-cache.js';
import type { ResourceRef } from './informer.js';

/** The outcome of a status write; `conflict` and `gone` mean: requeue and read again. */
export type StatusWriteResult =
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'written'; readonly object: KubeObject }
  | { readonly kind: 'conflict' }
  | { readonly kind: 'gone' };

/**
 * Writes `status` to the `/status` subresource only when it differs from the
 * object's current status (every write is a watch event, and a
 * controller that writes unconditionally wakes itself forever). The write is a
 * PUT carrying the resourceVersion the controller read, so a concurrent change
 * answers 409 Conflict (optimistic concurrency) and the caller requeues to recompute from fresh state
 * instead of overwriting it.
 */
export async function writeStatus(
  client: KubeClient,
  resource: Pick<ResourceRef, 'group' | 'version' | 'plural'>,
  object: KubeObject,
  status: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<StatusWriteResult> {
  if (deepEqual(object['status'] ?? {}, status)) return { kind: 'unchanged' };
  const { name, namespace } = object.metadata;
  if (!name) throw new Error('writeStatus: object has no name');
  try {
    const written = await client.request<KubeObject>({
      method: 'PUT',
      path: `${objectPath({ ...resource, namespace }, name)}/status`,
      body: { ...object, status },
      ...(signal ? { signal } : {}),
    });
    return { kind: 'written', object: written };
  } catch (err) {
    if (isConflict(err)) return { kind: 'conflict' };
    if (isNotFound(err)) return { kind: 'gone' };
    throw err;
  }
}

/** Structural equality of JSON values (key order does not matter; `undefined` members count as absent). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
