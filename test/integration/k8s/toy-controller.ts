import { isAlreadyExists } from '../../../src/k8s/api-errors.js';
import { setCondition, type Condition } from '../../../src/k8s/conditions.js';
import { controllerOwnerKeys, type ReconcileResult, type Reconciler } from '../../../src/k8s/controller.js';
import { Informer, type InformerOptions } from '../../../src/k8s/informer.js';
import { objectPath, resourcePath, type KubeClient } from '../../../src/k8s/kube-client.js';
import { Manager, type ManagerOptions } from '../../../src/k8s/manager.js';
import { splitKey, type KubeObject } from '../../../src/k8s/object-cache.js';
import { controllerReference } from '../../../src/k8s/ownership.js';
import { writeStatus } from '../../../src/k8s/status-writer.js';
import { WIDGET } from './helpers.js';

/**
 * A toy controller for the Widget test CRD, written the way gridlake's
 * controllers should use the runtime: Widget `w` owns ConfigMap `w-child`
 * whose `data.size` follows `spec.size`; status carries observedGeneration,
 * the child's name and a Ready condition. Deterministic child names make a
 * repeated create harmless (AlreadyExists), and status is written only when it
 * changed.
 */
export const CHILD_LABEL = 'k8stest.gridlake.io/owner';
const CONFIGMAPS = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap' };

export function toyReconciler(deps: {
  client: KubeClient;
  widgets: Informer;
  children: Informer;
  now: () => number;
}): Reconciler {
  return async (key, ctx): Promise<ReconcileResult> => {
    const w = deps.widgets.get(key);
    if (!w || w.metadata.deletionTimestamp) return { kind: 'done' }; // garbage collection removes the child
    const { namespace, name } = splitKey(key);
    const size = String((w['spec'] as { size?: number } | undefined)?.size ?? 0);
    const childName = `${name}-child`;
    const child = deps.children.get(`${namespace}/${childName}`);
    const generation = w.metadata.generation ?? 0;
    if (!child) {
      try {
        await deps.client.request({
          method: 'POST',
          path: resourcePath({ ...CONFIGMAPS, namespace }),
          signal: ctx.signal,
          body: {
            metadata: {
              name: childName,
              labels: { [CHILD_LABEL]: name },
              ownerReferences: [controllerReference(w, { metadata: { namespace } })],
            },
            data: { size },
          },
        });
      } catch (err) {
        // The cache has not seen our earlier create yet: the name is deterministic, so nothing is duplicated.
        if (!isAlreadyExists(err)) throw err;
      }
    } else if ((child['data'] as Record<string, string> | undefined)?.['size'] !== size) {
      await deps.client.request({
        method: 'PATCH',
        path: objectPath({ ...CONFIGMAPS, namespace }, childName),
        contentType: 'application/merge-patch+json',
        body: { metadata: { resourceVersion: child.metadata.resourceVersion }, data: { size } },
        signal: ctx.signal,
      });
    }
    const prev = (w['status'] as { conditions?: Condition[] } | undefined)?.conditions;
    const status = {
      observedGeneration: generation,
      childName,
      conditions: setCondition(
        prev,
        {
          type: 'Ready',
          status: 'True',
          reason: 'ChildReady',
          message: `${childName} has size ${size}`,
          observedGeneration: generation,
        },
        deps.now(),
      ),
    };
    const written = await writeStatus(deps.client, WIDGET, w, status, ctx.signal);
    // A conflict means the Widget changed under us: read it again soon.
    return written.kind === 'conflict' ? { kind: 'requeue', afterMs: 50 } : { kind: 'done' };
  };
}

/** A Manager running the toy controller for one namespace. */
export function toyManager(
  client: KubeClient,
  namespace: string,
  options: Omit<ManagerOptions, 'client'> & { informer?: Partial<InformerOptions> } = {},
): { manager: Manager; widgets: Informer; children: Informer } {
  const common = { client, ...options.informer, ...(options.metrics ? { metrics: options.metrics } : {}) };
  const widgets = new Informer({ ...common, resource: { ...WIDGET, namespace } });
  const children = new Informer({ ...common, resource: { ...CONFIGMAPS, namespace }, labelSelector: CHILD_LABEL });
  const manager = new Manager({ ...options, client });
  manager.addController({
    name: 'widget',
    for: widgets,
    watches: [{ informer: children, keys: controllerOwnerKeys(WIDGET.kind) }],
    reconcile: toyReconciler({ client, widgets, children, now: () => Date.now() }),
    maxConcurrency: 4,
  });
  return { manager, widgets, children };
}

/** True when every Widget has a matching child and a current status. */
export function converged(widgets: Informer, children: Informer): boolean {
  const all = widgets.list();
  return all.every((w: KubeObject) => {
    const child = children.get(`${w.metadata.namespace}/${w.metadata.name}-child`);
    const size = String((w['spec'] as { size?: number } | undefined)?.size ?? 0);
    const st = w['status'] as { observedGeneration?: number } | undefined;
    return (
      child !== undefined &&
      (child['data'] as Record<string, string> | undefined)?.['size'] === size &&
      st?.observedGeneration === w.metadata.generation
    );
  });
}
