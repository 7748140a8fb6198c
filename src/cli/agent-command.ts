import { Option, type Command } from 'commander';
import type { Env } from '../config.js';

/**
 * `gridlake agent --site <name>`: the remote-site agent (docs/remote-sites.md).
 * It runs its site's sources into a local spool, forwards the spool to hub
 * Kafka and renews its Lease, with outbound connections only.
 */
export function registerAgentCommand(program: Command, env: Env): Command {
  return program
    .command('agent')
    .description(
      "run a remote site's agent: its sources' collectors, the spool, forwarding to hub Kafka, the heartbeat",
    )
    .addOption(
      new Option(
        '--site <name>',
        'the RemoteSite this agent serves (namespace gridlake-site-<name>)',
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option(
        '--bootstrap-kubeconfig <file>',
        'kubeconfig with the bootstrap token (one hour), used until the agent holds a token of its own',
      ),
    )
    .addOption(
      new Option(
        '--state-dir <dir>',
        'spool, token and checkpoints; a volume that outlives the process (default: .gridlake-agent)',
      ),
    )
    .addOption(
      new Option(
        '--spool-limit-bytes <n>',
        'bound of the spool; collecting pauses when it is reached (default: 1 GiB)',
      ),
    )
    .addOption(new Option('--kafka-brokers <list>', 'hub Kafka bootstrap servers (SASL_SSL listener), comma-separated'))
    .addOption(new Option('--kafka-ca-file <file>', 'CA certificate (PEM) of the hub Kafka listener'))
    .addOption(new Option('--kafka-username <name>', "the site's Kafka user (SCRAM-SHA-512)"))
    .addOption(new Option('--kafka-password-file <file>', "file holding the site's Kafka password"))
    .addOption(new Option('--heartbeat-seconds <s>', 'Lease renewal interval (default: 10)'))
    .addOption(
      new Option(
        '--token-seconds <s>',
        'lifetime of the tokens the agent requests (default: what the hub wrote on the Lease; at least 600)',
      ),
    )
    .addOption(
      new Option(
        '--clock <start,speed>',
        "run the site's collectors on a simulated clock (same syntax as simulate --clock), for use with the simulator",
      ).hideHelp(),
    )
    .addOption(new Option('--metrics-port <port>', 'port for /metrics, /healthz, /readyz (default: 9464)'))
    .addOption(new Option('--metrics-host <host>', 'address for the metrics server (default: 0.0.0.0)'))
    .addOption(
      new Option(
        '--pod-name <name>',
        'who writes status.progress, as <site>/<pod> (default: $POD_NAME, else the host name)',
      ),
    )
    .action(async (flags: Record<string, unknown>) => {
      // Kafka, the Kubernetes client and the collectors load only when the agent runs.
      const [{ agentConfig }, { runAgent }] = await Promise.all([import('../config.js'), import('./run-agent.js')]);
      await runAgent(agentConfig(flags, env));
    });
}
