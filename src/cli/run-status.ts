import { summarizeStatus } from '../api/status-summary.js';
import type { StatusView } from '../api/status-view.js';
import type { StatusConfig } from '../config.js';
import { glError } from '../errors.js';
import { isNotFound } from '../k8s/api-errors.js';
import type { StatusCommandDeps } from './status-command.js';
import { formatStatusTable } from './status-table.js';

/**
 * `gridlake status`'s body (status-command.ts declares it): reads the status
 * shape (src/api/status-view.ts) from a running standalone's /status.json or
 * from a cluster's API server, and prints it as a table or as JSON.
 */
export async function runStatusCommand(config: StatusConfig, deps: StatusCommandDeps = {}): Promise<void> {
  const stdout = deps.stdout ?? process.stdout;
  const now = deps.now ?? Date.now;
  const view = config.mode === 'cluster' ? await clusterView(config, now()) : await localView(config.url, deps.fetch);
  const filtered =
    config.namespace === undefined || config.mode === 'cluster'
      ? view
      : { ...view, resources: view.resources.filter((r) => r.namespace === config.namespace) };
  const output = config.output ?? (stdout.isTTY === true ? 'table' : 'json');
  if (output === 'json') {
    stdout.write(`${JSON.stringify(filtered, null, 2)}\n`);
    return;
  }
  // Ages are measured on the snapshot's own clock: a simulated standalone runs ahead of this machine.
  const at = Date.parse(filtered.generatedAt);
  const nowMs = Number.isNaN(at) ? now() : at;
  stdout.write(formatStatusTable(summarizeStatus(filtered, nowMs), nowMs));
}

const HOW_TO_START =
  'start one with `npm start` (or `gridlake standalone`), give --url, or read a cluster with --cluster';

/** The snapshot a running standalone serves at /status.json. */
async function localView(base: string, fetchImpl: typeof fetch = fetch): Promise<StatusView> {
  const url = new URL('/status.json', base).toString();
  let res: Response;
  try {
    res = await fetchImpl(url, { signal: AbortSignal.timeout(5000) });
  } catch (cause) {
    throw glError('GL_STATUS_UNAVAILABLE', `no gridlake standalone answers at ${base}: ${HOW_TO_START}`, {
      cause,
      context: { url },
    });
  }
  if (res.status === 404)
    throw glError(
      'GL_STATUS_UNAVAILABLE',
      `the process at ${base} does not serve /status.json (a worker, or an older gridlake): point --url at a gridlake standalone`,
      { context: { url, status: res.status } },
    );
  if (!res.ok)
    throw glError('GL_STATUS_UNAVAILABLE', `${url} answered ${res.status}: ${HOW_TO_START}`, {
      context: { url, status: res.status },
    });
  const body = (await res.json()) as Partial<StatusView>;
  if (body.version !== 1 || !Array.isArray(body.resources))
    throw glError('GL_STATUS_UNAVAILABLE', `${url} did not answer with a gridlake status (version 1)`, {
      context: { url },
    });
  return body as StatusView;
}

/** The resources as the cluster's API server has them. */
async function clusterView(config: StatusConfig, nowMs: number): Promise<StatusView> {
  // The Kubernetes client loads only for a cluster.
  const [{ loadKubeConfig }, { createKubeClient }, { readClusterStatus }] = await Promise.all([
    import('../k8s/kubeconfig.js'),
    import('../k8s/kube-client.js'),
    import('../k8s/cluster-status.js'),
  ]);
  const kc = await loadKubeConfig({ file: config.kubeconfig, env: config.env });
  const client = createKubeClient(kc);
  const context = kc.getCurrentContext?.();
  try {
    return await readClusterStatus(client, {
      namespace: config.namespace,
      nowMs,
      ...(context === undefined ? {} : { context }),
    });
  } catch (err) {
    if (isNotFound(err))
      throw glError(
        'GL_STATUS_UNAVAILABLE',
        "gridlake's custom resources are not installed in this cluster: install the chart (or `gridlake crds | kubectl apply -f -`)",
        { cause: err, context: { context } },
      );
    throw err;
  }
}
