import { hostname } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { addControllers, CONTROLLER_KINDS, type ControllerKind } from '../../controllers/operator.js';
import { EventRecorder } from '../k8s/events.js';
import { createKubeClient } from '../k8s/kube-client.js';
import { Manager } from '../k8s/manager.js';
import { countRequests, runtimeMetrics } from '../k8s/runtime-metrics.js';
import { serveManager, type ServedManager } from '../k8s/serve-manager.js';
import { createLogger } from '../observe/log.js';
import { createRegistry } from '../observe/metrics.js';

/** Options of `gridlake controller` (flags; defaults from the environment a Deployment sets). */
export interface ControllerCommandOptions {
  readonly kubeconfig?: string;
  readonly namespace?: string;
  readonly controllers?: string;
  readonly image: string;
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  readonly brokers?: string;
  readonly metricsPort: number;
  readonly metricsHost: string;
  readonly leaderElect: boolean;
  readonly leaseNamespace?: string;
  readonly leaseName: string;
  readonly identity?: string;
  /** Lease timing in seconds (controller-runtime's defaults 15/10/2) */
  readonly leaseDurationSeconds: number;
  readonly renewDeadlineSeconds: number;
  readonly retryPeriodSeconds: number;
}

/** Parses `--controllers a,b` into kinds; unknown names are an error. */
export function parseControllerKinds(list: string | undefined): ControllerKind[] {
  if (list === undefined || list.trim() === '') return [...CONTROLLER_KINDS];
  const kinds = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const k of kinds)
    if (!(CONTROLLER_KINDS as readonly string[]).includes(k))
      throw new Error(`unknown controller ${k} (known: ${CONTROLLER_KINDS.join(', ')})`);
  return kinds as ControllerKind[];
}

/** A TCP port number (0 picks a free one). */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number 0-65535');
  return n;
}

/** A positive number of seconds (fractions allowed). */
export function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  return n;
}

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
  const kc = new KubeConfig();
  // --kubeconfig, else KUBECONFIG / ~/.kube/config / the in-cluster service account (loadFromDefault's order).
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromDefault();
  const registry = createRegistry();
  const metrics = runtimeMetrics(registry);
  const client = createKubeClient(kc, { onRequest: countRequests(metrics) });
  const identity = opts.identity ?? env['POD_NAME'] ?? hostname();
  const leaseNamespace = opts.leaseNamespace ?? env['POD_NAMESPACE'];
  if (opts.leaderElect && !leaseNamespace)
    throw new Error(
      'leader election needs a Lease namespace: --lease-namespace or POD_NAMESPACE (or --no-leader-elect)',
    );
  if (!(opts.retryPeriodSeconds < opts.renewDeadlineSeconds && opts.renewDeadlineSeconds < opts.leaseDurationSeconds))
    throw new Error(
      `lease timing must satisfy retry period < renew deadline < lease duration (got ${opts.retryPeriodSeconds}/${opts.renewDeadlineSeconds}/${opts.leaseDurationSeconds} s)`,
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

/** `gridlake controller`: registers the command on the CLI (src/cli/program.ts). */
export function registerControllerCommand(program: Command, env: NodeJS.ProcessEnv = process.env): Command {
  return program
    .command('controller')
    .description('run the operator: reconcile gridlake.io resources on a cluster')
    .addOption(
      new Option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, or in-cluster)'),
    )
    .addOption(new Option('--namespace <ns>', 'watch only this namespace (default: all)'))
    .addOption(new Option('--controllers <kinds>', `comma-separated subset of ${CONTROLLER_KINDS.join(',')}`))
    .addOption(
      new Option('--image <image>', 'gridlake image for collectors, sinks and join Jobs')
        .env('GRIDLAKE_IMAGE')
        .default(env['GRIDLAKE_IMAGE'] ?? 'ghcr.io/gridlake/gridlake:0.1.0'),
    )
    .addOption(
      new Option('--image-pull-policy <policy>', 'pull policy of those pods').choices([
        'Always',
        'IfNotPresent',
        'Never',
      ]),
    )
    .addOption(
      new Option('--brokers <list>', 'Kafka bootstrap servers passed to collectors and sinks').env('GRIDLAKE_BROKERS'),
    )
    .addOption(
      new Option('--metrics-port <port>', 'port for /metrics, /healthz, /readyz (0: any free port)')
        .default(8080)
        .argParser(parsePort),
    )
    .addOption(new Option('--metrics-host <host>', 'address for the metrics server').default('0.0.0.0'))
    .addOption(new Option('--no-leader-elect', 'reconcile without a Lease (one replica only)'))
    .addOption(new Option('--lease-namespace <ns>', 'namespace of the leader Lease (default: POD_NAMESPACE)'))
    .addOption(new Option('--lease-name <name>', 'name of the leader Lease').default('gridlake-controller'))
    .addOption(new Option('--identity <id>', 'leader-election identity (default: POD_NAME, else the host name)'))
    .addOption(
      new Option('--lease-duration-seconds <s>', 'how long a standby waits before taking an unrenewed Lease')
        .default(15)
        .argParser(parseSeconds),
    )
    .addOption(
      new Option('--renew-deadline-seconds <s>', 'how long the leader keeps trying to renew before it stops')
        .default(10)
        .argParser(parseSeconds),
    )
    .addOption(
      new Option('--retry-period-seconds <s>', 'time between Lease acquire and renew attempts')
        .default(2)
        .argParser(parseSeconds),
    )
    .action(async (opts: ControllerCommandOptions) => {
      try {
        await runController(opts, env);
      } catch (err) {
        process.stderr.write(`gridlake controller: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 2;
      }
    });
}
