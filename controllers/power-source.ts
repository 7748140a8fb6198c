import type { ControllerOptions } from '../src/k8s/controller.js';
import { controllerOwnerKeys } from '../src/k8s/controller.js';
import { specOrProgressChanged, type ControllerDeps } from './deps.js';
import { sourceReconciler, sourcesReferencingSecret, type SourceInformers } from './source.js';

/**
 * CRD: PowerSource (gridlake.io/v1alpha1, powersources).
 * Children (hub namespace): ConfigMap `<name>-collector` (rendered config) and
 * Deployment `<name>-collector` running `gridlake collect --kind power …`, both
 * owned by the source. In a site namespace (gridlake-site-<site>): none; the
 * site's agent runs it.
 * Conditions: Ready, Collecting (from status.progress, written by the collector),
 * SecretMissing (service-key Secret or key absent), InvalidSpec.
 * Planning: source-plan.ts; apply and status: source.ts.
 */
export function powerSourceController(deps: ControllerDeps, inf: SourceInformers): ControllerOptions {
  const owned = controllerOwnerKeys('PowerSource');
  return {
    name: 'powersource',
    for: inf.sources,
    watches: [
      { informer: inf.configMaps, keys: owned },
      { informer: inf.deployments, keys: owned },
      { informer: inf.secrets, keys: sourcesReferencingSecret(inf.sources) },
      // A site's agent connecting or leaving changes Ready of every source in its namespace.
      {
        informer: inf.sites,
        keys: (site) =>
          inf.sources
            .list(`gridlake-site-${site.metadata.name ?? ''}`)
            .map((s) => `${s.metadata.namespace}/${s.metadata.name}`),
      },
    ],
    reconcile: sourceReconciler('PowerSource', deps, inf),
    maxConcurrency: 4,
    filter: specOrProgressChanged,
  };
}
