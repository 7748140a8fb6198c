import type { KubeObject } from './object-cache.js';

/**
 * Informer transforms (InformerOptions.transform): what an informer need not
 * keep of the objects it caches. Each keeps apiVersion, kind and the whole
 * metadata (keys, resourceVersion, generation, owners, labels, annotations
 * such as the applied-hash); they differ in what else stays.
 */
export type Transform = (obj: KubeObject) => KubeObject;

const base = (obj: KubeObject): KubeObject => ({
  ...(obj.apiVersion === undefined ? {} : { apiVersion: obj.apiVersion }),
  ...(obj.kind === undefined ? {} : { kind: obj.kind }),
  metadata: obj.metadata,
});

/** Metadata only: for children compared through an annotation (the rest of their body is never read). */
export const metadataOnly: Transform = base;

/**
 * Metadata, `status`, and of `spec` only the named fields: e.g. a Deployment
 * read for whether its replicas are available, not for its pod template.
 */
export function metadataStatusAndSpec(specFields: readonly string[]): Transform {
  return (obj) => {
    const spec = obj['spec'] as Record<string, unknown> | undefined;
    const kept =
      spec === undefined ? undefined : Object.fromEntries(specFields.filter((f) => f in spec).map((f) => [f, spec[f]]));
    return {
      ...base(obj),
      ...(kept === undefined ? {} : { spec: kept }),
      ...(obj['status'] === undefined ? {} : { status: obj['status'] }),
    };
  };
}

/**
 * A Secret with the names of its keys but not their values (each ''): enough
 * to tell whether a key exists, and no credential sits in the controller's
 * heap (or a heap snapshot of it). With no --namespace the controller caches
 * every Secret of the cluster, Helm releases and TLS certificates included.
 */
export const secretKeysOnly: Transform = (obj) => {
  const data = obj['data'] as Record<string, unknown> | undefined;
  return {
    ...base(obj),
    ...(obj['type'] === undefined ? {} : { type: obj['type'] }),
    ...(data === undefined ? {} : { data: Object.fromEntries(Object.keys(data).map((k) => [k, ''])) }),
  };
};
