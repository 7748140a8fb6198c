import type { ObjectStore } from '../lake/object-store.js';
import type { JoinStore } from './join-store.js';

/**
 * Backs the join's JoinStore with the lake's ObjectStore (S3 or local folder),
 * so the join reads and writes wherever the LakeSink does. Whole objects are
 * fetched (no range reads): raw files are bounded by the sink's flush size.
 */
export function joinStoreFromObjectStore(store: ObjectStore): JoinStore {
  return {
    list: async (prefix) =>
      (await store.list(prefix)).map((o) => o.key).filter((k) => !k.split('/').some((p) => p.startsWith('.'))),
    get: async (key) => {
      const b = await store.get(key);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    },
    put: (key, bytes) => store.put(key, bytes),
    delete: (key) => store.delete(key),
  };
}
