import { InvalidArgumentError, Option, type Command } from 'commander';
import { CONTROLLER_KINDS, type ControllerKind } from '../../controllers/operator.js';
import { glError } from '../errors.js';

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
      throw glError('GL_CONFIG_INVALID', `unknown controller ${k} (known: ${CONTROLLER_KINDS.join(', ')})`, {
        context: { flag: '--controllers', value: k },
      });
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

/** `gridlake controller`: registers the command on the CLI (program.ts). */
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
        // The operator's libraries load only when it runs, not for `--help` or another command.
        const { runController } = await import('./run-controller.js');
        await runController(opts, env);
      } catch (err) {
        process.stderr.write(`gridlake controller: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 2;
      }
    });
}
