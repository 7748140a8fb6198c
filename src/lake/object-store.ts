/**
 * The ObjectStore port: the few calls the lake needs. Keys are `/`-separated
 * paths relative to the store's root (bucket + prefix, or a folder).
 */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
}

/** Outcome of a create-only write. */
export type CreateOutcome = 'created' | 'exists';

export interface ObjectStore {
  /** Writes the object only if no object has that key; visible whole or not at all. */
  putIfAbsent(key: string, body: Uint8Array): Promise<CreateOutcome>;
  /** Writes or replaces the object atomically. */
  put(key: string, body: Uint8Array): Promise<void>;
  /** Reads an object; GL_LAKE_OBJECT_NOT_FOUND when missing. */
  get(key: string): Promise<Buffer>;
  /** Size of an object, or null when missing. */
  head(key: string): Promise<ObjectInfo | null>;
  /** Every object whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Deletes an object; missing is fine. */
  delete(key: string): Promise<void>;
  /** A human-readable location for logs (`s3://bucket/prefix`, a folder path). */
  readonly location: string;
}

/** `s3://bucket/prefix/`, the location an S3 store reports. */
export function s3Location(bucket: string, prefix: string | undefined): string {
  return `s3://${bucket}/${prefix ? `${prefix.replace(/\/+$/, '')}/` : ''}`;
}

/**
 * A store still being built, e.g. while its client library loads: every call
 * waits for it. Lets a worker start its slow network set-up (joining a
 * consumer group) before the store's library is loaded, as long as the first
 * store call comes later.
 */
export function deferredStore(location: string, ready: Promise<ObjectStore>): ObjectStore {
  // A failed build surfaces at the first call, not as an unhandled rejection before it.
  ready.catch(() => undefined);
  return {
    location,
    putIfAbsent: async (key, body) => (await ready).putIfAbsent(key, body),
    put: async (key, body) => (await ready).put(key, body),
    get: async (key) => (await ready).get(key),
    head: async (key) => (await ready).head(key),
    list: async (prefix) => (await ready).list(prefix),
    delete: async (key) => (await ready).delete(key),
  };
}
