import type { KubeObject } from './object-cache.js';

/** One entry of `metadata.ownerReferences`. */
export type OwnerReference = NonNullable<KubeObject['metadata']['ownerReferences']>[number];

/**
 * The controller owner reference for a child of `owner` (controller-runtime's
 * SetControllerReference): garbage collection deletes the child with its
 * owner, and the child's events wake the owner (see controllerOwnerKeys).
 * Like controller-runtime it refuses an owner in another namespace and a
 * namespaced owner for a cluster-scoped child, which the garbage collector
 * would treat as a missing owner and delete the child.
 */
export function controllerReference(owner: KubeObject, child?: Pick<KubeObject, 'metadata'>): OwnerReference {
  const { apiVersion, kind } = owner;
  const { name, uid, namespace } = owner.metadata;
  if (!apiVersion || !kind || !name || !uid) throw new Error('owner needs apiVersion, kind, name and uid');
  if (child && namespace && child.metadata.namespace !== namespace)
    throw new Error(`owner ${kind} ${namespace}/${name} cannot own an object outside its namespace`);
  return { apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true };
}

/** True when `obj` is controlled by `owner` (same uid). */
export function isControlledBy(obj: Pick<KubeObject, 'metadata'>, owner: KubeObject): boolean {
  return (obj.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === owner.metadata.uid);
}

export function hasFinalizer(obj: Pick<KubeObject, 'metadata'>, finalizer: string): boolean {
  return (obj.metadata.finalizers ?? []).includes(finalizer);
}

/**
 * A merge patch that adds or removes one finalizer. It carries the
 * resourceVersion read, so a concurrent change of the list answers 409
 * instead of silently dropping someone else's finalizer; returns undefined
 * when nothing would change (no write).
 */
export function finalizerPatch(
  obj: Pick<KubeObject, 'metadata'>,
  finalizer: string,
  op: 'add' | 'remove',
): { metadata: { finalizers: string[]; resourceVersion?: string } } | undefined {
  const current = obj.metadata.finalizers ?? [];
  const has = current.includes(finalizer);
  if ((op === 'add') === has) return undefined;
  const finalizers = op === 'add' ? [...current, finalizer] : current.filter((f) => f !== finalizer);
  const rv = obj.metadata.resourceVersion;
  return { metadata: { finalizers, ...(rv ? { resourceVersion: rv } : {}) } };
}
