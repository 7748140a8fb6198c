/** The fields of any Kubernetes object the runtime reads. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    finalizers?: string[];
    ownerReferences?: {
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
      blockOwnerDeletion?: boolean;
    }[];
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

/** What changed in an informer's cache. `resync` replays an unchanged object. */
export type CacheEvent<T extends KubeObject> =
  | { readonly type: 'added'; readonly object: T }
  | { readonly type: 'updated'; readonly object: T; readonly old: T }
  | { readonly type: 'deleted'; readonly object: T }
  | { readonly type: 'resync'; readonly object: T };

/** `namespace/name` for namespaced objects, `name` for cluster-scoped ones (client-go's key format). */
export function objectKey(obj: Pick<KubeObject, 'metadata'>): string {
  const { namespace, name } = obj.metadata;
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
}

/** Splits a key made by `objectKey`. */
export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: undefined, name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/**
 * The informer's store: objects by key. `upsert` and `remove` apply one watch
 * event; `replace` applies a full list and synthesises the deletes of objects
 * that vanished while the watch was down (after a 410 Gone the events in
 * between are gone, only the diff of two lists tells what was deleted).
 */
export class ObjectCache<T extends KubeObject> {
  private readonly objects = new Map<string, T>();

  get(key: string): T | undefined {
    return this.objects.get(key);
  }

  list(): T[] {
    return [...this.objects.values()];
  }

  keys(): string[] {
    return [...this.objects.keys()];
  }

  get size(): number {
    return this.objects.size;
  }

  /** Applies ADDED/MODIFIED; returns the event, or undefined when the resourceVersion is unchanged. */
  upsert(obj: T): CacheEvent<T> | undefined {
    const key = objectKey(obj);
    const old = this.objects.get(key);
    this.objects.set(key, obj);
    if (!old) return { type: 'added', object: obj };
    if (old.metadata.resourceVersion !== undefined && old.metadata.resourceVersion === obj.metadata.resourceVersion)
      return undefined;
    return { type: 'updated', object: obj, old };
  }

  /** Applies DELETED; returns the event, or undefined when the object was not cached. */
  remove(obj: T): CacheEvent<T> | undefined {
    const key = objectKey(obj);
    if (!this.objects.delete(key)) return undefined;
    return { type: 'deleted', object: obj };
  }

  /** Makes the cache equal `items` and returns the events that got it there (deletes first). */
  replace(items: readonly T[]): CacheEvent<T>[] {
    const next = new Map(items.map((o) => [objectKey(o), o] as const));
    const events: CacheEvent<T>[] = [];
    for (const [key, old] of this.objects) {
      if (!next.has(key)) {
        this.objects.delete(key);
        events.push({ type: 'deleted', object: old });
      }
    }
    for (const obj of items) {
      const ev = this.upsert(obj);
      if (ev) events.push(ev);
    }
    return events;
  }
}
