import { hostname } from 'node:os';
import { addControllers } from '../../controllers/operator.js';
import { joinRunCounter, registerDailyJoinMetrics } from '../../controllers/daily-join-metrics.js';
import { registerSiteMetrics } from '../../controllers/site-metrics.js';
import { EventRecorder } from '../k8s/events.js';
import { createKubeClient } from '../k8s/kube-client.js';
import { loadKubeConfig } from '../k8s/kubeconfig.js';
import { Manager } from '../k8s/manager.js';
import { countRequests, runtimeMetrics } from '../k8s/runtime-metrics.js';
import { serveManager, type ServedManager } from '../k8s/serve-manager.js';
import { commandLogger } from '../observe/log.js';
import { createRegistry } from '../observe/metrics.js';
import type { ControllerConfig } from '../config.js';
import { parseControllerKinds } from './controller-command.js';

/**
 * Runs the operator: every controller in one Manager, leader-elected on a
 * Lease (so two replicas never both reconcile), /metrics /healthz /readyz on
 * the metrics port, orderly shutdown on SIGTERM.
 */
export async function runController(opts: ControllerConfig): Promise<ServedManager> {
  const logger = commandLogger('gridlake-controller', opts);
  // --kubeconfig, else KUBECONFIG / ~/.kube/config / the in-cluster service account (client-node's loadFromDefault order).
  const kc = await loadKubeConfig({ file: opts.kubeconfig, env: opts.env });
  const registry = createRegistry();
  const metrics = runtimeMetrics(registry);
  const client = createKubeClient(kc, { onRequest: countRequests(metrics) });
  const identity = opts.identity ?? hostname();
  const leaseNamespace = opts.leaseNamespace;
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
  const added = addControllers(
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
      joinRunFinished: joinRunCounter(registry),
    },
    {
      ...(opts.namespace ? { namespace: opts.namespace } : {}),
      kinds: parseControllerKinds(opts.controllers),
      metrics,
    },
  );
  if (added.sites) registerSiteMetrics(registry, added.sites);
  if (added.joins) registerDailyJoinMetrics(registry, added.joins);
  const served = await serveManager({ manager, registry, logger, port: opts.metricsPort, host: opts.metricsHost });
  logger.info({ address: served.address, identity, leaderElection: opts.leaderElect }, 'controller started');
  return served;
}
