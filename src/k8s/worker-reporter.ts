import { hostname } from 'node:os';
import { GROUP, VERSION } from '../api/common.js';
import { glError } from '../errors.js';
import type { Logger } from '../observe/log.js';
import { createKubeClient } from './kube-client.js';
import { loadKubeConfig } from './kubeconfig.js';
import { ProgressReporter } from './progress-reporter.js';

/**
 * The progress reporter of a worker process (`--report-status`): it writes
 * `status.progress` of the gridlake resource `target` (namespace/name) with
 * the pod's own credentials (in-cluster: the ServiceAccount the operator gave
 * it, allowed to patch only that resource's status) or `kubeconfig`.
 */
export async function workerProgressReporter(o: {
  readonly plural: string;
  /** `namespace/name` of the resource */
  readonly target: string;
  readonly kubeconfig?: string | undefined;
  readonly snapshot: () => Record<string, unknown> | null;
  readonly logger: Logger;
  /** the option naming the target, for the error message */
  readonly flag: string;
  /** who writes (the pod name); default the host name */
  readonly reporter?: string | undefined;
  /** the environment the kubeconfig loader reads (KUBECONFIG, HOME, the in-cluster variables) */
  readonly env: Readonly<Record<string, string | undefined>>;
}): Promise<ProgressReporter> {
  const [namespace, name, ...rest] = o.target.split('/');
  if (!namespace || !name || rest.length > 0)
    throw glError('GL_CONFIG_INVALID', `--report-status needs ${o.flag} as namespace/name, got ${o.target}`);
  // The light loader (no client-node in the worker's memory); in a pod: the mounted ServiceAccount token.
  const kc = await loadKubeConfig({ file: o.kubeconfig, env: o.env });
  return new ProgressReporter({
    client: createKubeClient(kc),
    target: { resource: { group: GROUP, version: VERSION, plural: o.plural }, namespace, name },
    reporter: o.reporter ?? hostname(),
    snapshot: o.snapshot,
    logger: o.logger,
  });
}
