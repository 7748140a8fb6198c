import { API_VERSION } from '../../../src/api/common.js';
import { validateResource } from '../../../src/api/validate.js';
import type { Condition } from '../../../src/k8s/conditions.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import type { Action } from '../../../controllers/apply.js';
import type { WorkloadOptions } from '../../../controllers/workload-plan.js';

/** Workload options every plan test renders with. */
export const OPTS: WorkloadOptions = { image: 'registry.test/gridlake:1', brokers: 'kafka:9092' };

export const NS = 'hub';

/**
 * A gridlake object as the API server would return it: the spec defaulted by
 * the same schemas the CRDs are generated from, plus uid and generation.
 */
export function resource(
  kind: string,
  name: string,
  spec: Record<string, unknown>,
  meta: { namespace?: string | null; generation?: number; uid?: string; creationTimestamp?: string } = {},
  status?: Record<string, unknown>,
): KubeObject {
  const namespace = meta.namespace === null ? undefined : (meta.namespace ?? NS);
  const doc = {
    apiVersion: API_VERSION,
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
    spec,
  };
  const r = validateResource(doc, { semantic: false });
  if (!r.ok) throw new Error(`fixture ${kind}/${name} is invalid: ${JSON.stringify(r.errors)}`);
  return {
    apiVersion: API_VERSION,
    kind,
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      uid: meta.uid ?? `uid-${name}`,
      generation: meta.generation ?? 1,
      ...(meta.creationTimestamp ? { creationTimestamp: meta.creationTimestamp } : {}),
    },
    spec: r.resource.spec,
    ...(status ? { status } : {}),
  };
}

type Cond = Pick<Condition, 'type' | 'status' | 'reason' | 'observedGeneration'> & { message: string };

/** The condition of `type` in a planned status. */
export function condOf(status: Record<string, unknown>, type: string): Cond | undefined {
  return (status['conditions'] as Cond[] | undefined)?.find((c) => c.type === type);
}

/** Every condition's observedGeneration (they must all equal the object's generation). */
export function generationsOf(status: Record<string, unknown>): number[] {
  return ((status['conditions'] as Cond[] | undefined) ?? []).map((c) => c.observedGeneration ?? -1);
}

/** A Secret as the informer caches it. */
export function secret(name: string, keys: readonly string[], namespace = NS): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace, uid: `uid-secret-${name}` },
    data: Object.fromEntries(keys.map((k) => [k, Buffer.from('x').toString('base64')])),
  };
}

export const at = (iso: string): number => Date.parse(iso);

/** The body an apply or create action sends (a delete has none: that is a test failure). */
export function bodyOf<T extends KubeObject = KubeObject>(action: Action | undefined): T {
  if (!action || action.op === 'delete') throw new Error(`expected an apply or create, got ${JSON.stringify(action)}`);
  return action.body as T;
}
