import { hostname } from 'node:os';
import { addControllers } from '../../controllers/operator.js';
import { glError } from '../errors.js';
import { EventRecorder } from '../k8s/events.js';
import { createKubeClient } from '../k8s/kube-client.js';
import { loadKubeConfig } from '../k8s/kubeconfig.js';
import { Manager } from '../k8s/manager.js';
import { countRequests, runtimeMetrics } from '../k8s/runtime-metrics.js';
import { serveManager, type ServedManager } from '../k8s/serve-manager.js';
import { createLogger } from '../observe/log.js';
import { createRegistry } from '../observe/metrics.js';
import { parseControllerKinds, type ControllerCommandOptions } from './controller-command.js';

/**
 * Runs the operator: every controller in one Manager, leader-elected on a
 * Lease (so two replicas never both reconcile), /metrics /healthz /readyz on
 * the metrics port, orderly shutdown on SIGTERM.
 */
export async function runController(
  opts: ControllerCommandOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServedManager> {
  const logger = createLogger({ name: 'gridlake-controller' });
  // --kubeconfig, else KUBECONFIG / ~/.kube/config / the in-cluster service account (client-node's loadFromDefault order).
  const kc = await loadKubeConfig({ file: opts.kubeconfig, env });
  const registry = createRegistry();
  const metrics = runtimeMetrics(registry);
  const client = createKubeClient(kc, { onRequest: countRequests(metrics) });
  const identity = opts.identity ?? env['POD_NAME'] ?? hostname();
  const leaseNamespace = opts.leaseNamespace ?? env['POD_NAMESPACE'];
  if (opts.leaderElect && !leaseNamespace)
    throw glError(
      'GL_CONFIG_INVALID',
      'leader election needs a Lease namespace: --lease-namespace or POD_NAMESPACE (or --no-leader-elect)',
      { context: { flag: '--lease-namespace', env: 'POD_NAMESPACE' } },
    );
  if (!(opts.retryPeriodSeconds < opts.renewDeadlineSeconds && opts.renewDeadlineSeconds < opts.leaseDurationSeconds))
    throw glError(
      'GL_CONFIG_INVALID',
      `lease timing must satisfy retry period < renew deadline < lease duration (got ${opts.retryPeriodSeconds}/${opts.renewDeadlineSeconds}/${opts.leaseDurationSeconds} s)`,
      { context: { flags: ['--retry-period-seconds', '--renew-deadline-seconds', '--lease-duration-seconds'] } },
    );
  const manager = new Manager({
    client,
    metrics,
    logger,
    ...(opts.leaderElect && leaseNamespace
      ? {
          leaderElection: {
            namespace: leaseNamespace,
            name: opts.leaseName,
            identity,
            releaseOnStop: true,
            leaseDurationMs: opts.leaseDurationSeconds * 1000,
            renewDeadlineMs: opts.renewDeadlineSeconds * 1000,
            retryPeriodMs: opts.retryPeriodSeconds * 1000,
          },
        }
      : {}),
  });
  addControllers(
    manager,
    {
      client,
      clock: { now: () => Date.now() },
      workload: {
        image: opts.image,
        ...(opts.imagePullPolicy ? { imagePullPolicy: opts.imagePullPolicy } : {}),
        ...(opts.brokers ? { brokers: opts.brokers } : {}),
      },
      logger,
      events: new EventRecorder({ client, controller: 'gridlake.io/controller', instance: identity, logger }),
    },
    {
      ...(opts.namespace ? { namespace: opts.namespace } : {}),
      kinds: parseControllerKinds(opts.controllers),
      metrics,
    },
  );
  const served = await serveManager({ manager, registry, logger, port: opts.metricsPort, host: opts.metricsHost });
  logger.info({ address: served.address, identity, leaderElection: opts.leaderElect }, 'controller started');
  return served;
}
