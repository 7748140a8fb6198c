import type { ControllerOptions } from '../src/k8s/controller.js';
import type { ControllerDeps } from './deps.js';
import { sourceController, type SourceInformers } from './source.js';

/**
 * CRD: PowerSource (gridlake.io/v1alpha1, powersources).
 * Children (hub namespace): ConfigMap `<name>-collector` (rendered config),
 * Deployment `<name>-collector` running `gridlake collect --kind power …
 * --report-status`, and the collector's identity (ServiceAccount, Role allowed
 * only `patch` on this source's `powersources/status`, RoleBinding), all
 * owned by the source. In a site namespace (gridlake-site-<site>): none; the
 * site's agent runs it.
 * Conditions: Ready, Collecting (from status.progress, written by the collector),
 * SecretMissing (service-key Secret or key absent), InvalidSpec.
 * Planning: source-plan.ts; apply and status: source.ts.
 */
export function powerSourceController(deps: ControllerDeps, inf: SourceInformers): ControllerOptions {
  return sourceController('PowerSource', deps, inf);
}
