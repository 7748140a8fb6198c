import { Option, type Command } from 'commander';
import { CONTROLLER_KINDS, type ControllerKind } from '../../controllers/operator.js';
import type { Env } from '../config.js';
import { glError } from '../errors.js';

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

/** `gridlake controller`: registers the command on the CLI (program.ts). */
export function registerControllerCommand(program: Command, env: Env): Command {
  return program
    .command('controller')
    .description('run the operator: reconcile gridlake.io resources on a cluster')
    .addOption(
      new Option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, or in-cluster)'),
    )
    .addOption(new Option('--namespace <ns>', 'watch only this namespace (default: all)'))
    .addOption(new Option('--controllers <kinds>', `comma-separated subset of ${CONTROLLER_KINDS.join(',')}`))
    .addOption(
      new Option(
        '--image <image>',
        'gridlake image for collectors, sinks and join Jobs (default: $GRIDLAKE_IMAGE, else ghcr.io/gridlake/gridlake:0.1.0)',
      ),
    )
    .addOption(
      new Option('--image-pull-policy <policy>', 'pull policy of those pods').choices([
        'Always',
        'IfNotPresent',
        'Never',
      ]),
    )
    .addOption(
      new Option(
        '--brokers <list>',
        'Kafka bootstrap servers passed to collectors and sinks (default: $GRIDLAKE_BROKERS)',
      ),
    )
    .addOption(
      new Option('--metrics-port <port>', 'port for /metrics, /healthz, /readyz (0: any free port; default: 8080)'),
    )
    .addOption(new Option('--metrics-host <host>', 'address for the metrics server (default: 0.0.0.0)'))
    .addOption(new Option('--no-leader-elect', 'reconcile without a Lease (one replica only)'))
    .addOption(new Option('--lease-namespace <ns>', 'namespace of the leader Lease (default: POD_NAMESPACE)'))
    .addOption(new Option('--lease-name <name>', 'name of the leader Lease (default: gridlake-controller)'))
    .addOption(new Option('--identity <id>', 'leader-election identity (default: POD_NAME, else the host name)'))
    .addOption(
      new Option(
        '--lease-duration-seconds <s>',
        'how long a standby waits before taking an unrenewed Lease (default: 15)',
      ),
    )
    .addOption(
      new Option(
        '--renew-deadline-seconds <s>',
        'how long the leader keeps trying to renew before it stops (default: 10)',
      ),
    )
    .addOption(new Option('--retry-period-seconds <s>', 'time between Lease acquire and renew attempts (default: 2)'))
    .action(async (flags: Record<string, unknown>) => {
      try {
        // The operator's libraries load only when it runs, not for `--help` or another command.
        const [{ controllerConfig }, { runController }] = await Promise.all([
          import('../config.js'),
          import('./run-controller.js'),
        ]);
        await runController(controllerConfig(flags, env));
      } catch (err) {
        process.stderr.write(`gridlake controller: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 2;
      }
    });
}
