import { Option, type Command } from 'commander';
import type { Env } from '../config.js';

/** Repeatable option: each occurrence appends. */
export const collectList = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `gridlake collect`: run one PowerSource or WeatherSource collector. */
export function registerCollectCommand(program: Command, env: Env): Command {
  return program
    .command('collect')
    .description('run one collector (PowerSource or WeatherSource) and produce readings to the bus')
    .addOption(
      new Option('--kind <kind>', 'power (KPX) or weather (KMA)').choices(['power', 'weather']).makeOptionMandatory(),
    )
    .addOption(new Option('--source <namespace/name>', 'the resource this collector serves').makeOptionMandatory())
    .addOption(new Option('--api <api>', 'KPX endpoint kind (default: gateway)').choices(['gateway', 'legacy']))
    .addOption(
      new Option('--endpoint <url>', 'API base URL (default: data.go.kr; KPX host for legacy; or the simulator)'),
    )
    .addOption(
      new Option(
        '--service-key-env <name>',
        'environment variable holding the service key (Encoding or Decoding form; default: GRIDLAKE_SERVICE_KEY)',
      ),
    )
    .addOption(
      new Option('--location <name=nx,ny|name=lat,lon>', 'weather location (repeatable)').argParser(collectList),
    )
    .addOption(
      new Option(
        '--brokers <list>',
        'Kafka bootstrap servers, comma-separated (default: JSON lines on stdout)',
      ).conflicts('spoolDir'),
    )
    .addOption(
      new Option(
        '--spool-dir <dir>',
        "produce to a local durable log in this folder instead of Kafka (the remote agent's disk spool)",
      ),
    )
    .addOption(new Option('--topic <topic>', 'topic for readings'))
    .addOption(new Option('--deadletter-topic <topic>', 'topic for dead letters'))
    .addOption(new Option('--poll-interval <minutes>', 'power poll interval the resource declares, in minutes'))
    .addOption(
      new Option('--budget-kpx-latest <n>', 'calls per KST day on the KPX latest/legacy operation (default 100)'),
    )
    .addOption(new Option('--budget-kpx-history <n>', 'calls per KST day on the KPX history operation (default 100)'))
    .addOption(new Option('--budget-kma <n>', 'calls per KST day on the KMA nowcast (default 10000)'))
    .addOption(
      new Option(
        '--clock <start,speed>',
        'run on a simulated clock (same syntax as simulate --clock), for use with the simulator',
      ),
    )
    .addOption(new Option('--state-file <path>', 'checkpoint file: a restart resumes there and backfills the downtime'))
    .addOption(new Option('--timeout-ms <ms>', 'per-request timeout (default: 10000)'))
    .addOption(new Option('--metrics-port <port>', 'port for /metrics, /healthz, /readyz (default: 9464)'))
    .addOption(new Option('--metrics-host <host>', 'address for the metrics server (default: 0.0.0.0)'))
    .addOption(
      new Option(
        '--report-status',
        "write the collector's progress into its resource's status.progress (in-cluster credentials, or --kubeconfig)",
      ),
    )
    .addOption(new Option('--kubeconfig <file>', 'kubeconfig for --report-status (default: KUBECONFIG or in-cluster)'))
    .action(async (flags: Record<string, unknown>) => {
      // The KPX and KMA clients and Kafka load only when a collector runs.
      const [{ collectConfig }, { runCollect }] = await Promise.all([
        import('../config.js'),
        import('./run-collect.js'),
      ]);
      await runCollect(collectConfig(flags, env));
    });
}
