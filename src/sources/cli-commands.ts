import { Option, type Command } from 'commander';
import { glError } from '../errors.js';
import type { CollectOpts, SimulateOpts } from './cli-actions.js';
import type { LocationSpec } from './kma/kma-grid.js';

const collectList = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Parses `name=nx,ny` (integers: a grid cell) or `name=lat,lon` (decimals: converted with KMA's LCC grid). */
export function parseLocationArg(text: string): LocationSpec {
  const m = /^([A-Za-z0-9_.-]+)=(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)$/.exec(text.trim());
  if (m === null) {
    throw glError(
      'GL_SOURCES_CONFIG_INVALID',
      `location ${JSON.stringify(text)} is not name=nx,ny or name=lat,lon (e.g. seoul=60,127 or seoul=37.5665,126.978)`,
    );
  }
  const [, name = '', a = '', b = ''] = m;
  if (!a.includes('.') && !b.includes('.')) return { name, nx: Number(a), ny: Number(b) };
  return { name, lat: Number(a), lon: Number(b) };
}

/** `gridlake simulate`: serve the simulated KPX and KMA APIs. */
export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description(
      'serve simulated KPX and KMA APIs (real formats, quotas, faults) for tests and users without service keys',
    )
    .addOption(new Option('--host <host>', 'address to listen on').default('127.0.0.1'))
    .addOption(new Option('--port <port>', 'port').default(8089).argParser(Number))
    .addOption(
      new Option('--clock <start,speed>', 'simulated start (ISO-8601 or now) and speed factor').default('now,1'),
    )
    .addOption(
      new Option('--config <file>', 'simulator config (JSON or YAML; see src/sources/simulator/sim-config.ts)'),
    )
    .addOption(
      new Option(
        '--fault <json>',
        'a fault, e.g. {"api":"kma","kind":"http","code":"503","probability":0.1} (repeatable)',
      ).argParser(collectList),
    )
    .addOption(new Option('--quota-kpx <n>', 'calls per key per KPX operation per KST day').argParser(Number))
    .addOption(new Option('--quota-kma <n>', 'calls per key per KST day on the nowcast').argParser(Number))
    .addOption(
      new Option('--allow-client <ip>', 'serve only these client addresses (repeatable)').argParser(collectList),
    )
    .addOption(
      new Option('--key <key>', 'accept only these service keys, decoded form (repeatable)').argParser(collectList),
    )
    .addOption(new Option('--legacy-open', 'serve data on the legacy KPX operation instead of code 20'))
    .action(async (opts: SimulateOpts) => {
      // The simulator's server loads only when it runs: every process declares every command.
      const { runSimulate } = await import('./cli-actions.js');
      await runSimulate(opts);
    });
}

/** `gridlake collect`: run one PowerSource or WeatherSource collector. */
export function registerCollectCommand(program: Command): void {
  program
    .command('collect')
    .description('run one collector (PowerSource or WeatherSource) and produce readings to the bus')
    .addOption(
      new Option('--kind <kind>', 'power (KPX) or weather (KMA)').choices(['power', 'weather']).makeOptionMandatory(),
    )
    .addOption(new Option('--source <namespace/name>', 'the resource this collector serves').makeOptionMandatory())
    .addOption(new Option('--api <api>', 'KPX endpoint kind').choices(['gateway', 'legacy']).default('gateway'))
    .addOption(
      new Option('--endpoint <url>', 'API base URL (default: data.go.kr; KPX host for legacy; or the simulator)'),
    )
    .addOption(
      new Option(
        '--service-key-env <name>',
        'environment variable holding the service key (Encoding or Decoding form)',
      ).default('GRIDLAKE_SERVICE_KEY'),
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
    .addOption(new Option('--poll-interval <minutes>', 'power poll interval the resource declares').argParser(Number))
    .addOption(
      new Option(
        '--budget-kpx-latest <n>',
        'calls per KST day on the KPX latest/legacy operation (default 100)',
      ).argParser(Number),
    )
    .addOption(
      new Option('--budget-kpx-history <n>', 'calls per KST day on the KPX history operation (default 100)').argParser(
        Number,
      ),
    )
    .addOption(new Option('--budget-kma <n>', 'calls per KST day on the KMA nowcast (default 10000)').argParser(Number))
    .addOption(
      new Option(
        '--clock <start,speed>',
        'run on a simulated clock (same syntax as simulate --clock), for use with the simulator',
      ),
    )
    .addOption(new Option('--state-file <path>', 'checkpoint file: a restart resumes there and backfills the downtime'))
    .addOption(new Option('--timeout-ms <ms>', 'per-request timeout').default(10_000).argParser(Number))
    .addOption(
      new Option('--metrics-port <port>', 'port for /metrics, /healthz, /readyz').default(9464).argParser(Number),
    )
    .addOption(new Option('--metrics-host <host>', 'address for the metrics server').default('0.0.0.0'))
    .addOption(
      new Option(
        '--report-status',
        "write the collector's progress into its resource's status.progress (in-cluster credentials, or --kubeconfig)",
      ),
    )
    .addOption(new Option('--kubeconfig <file>', 'kubeconfig for --report-status (default: KUBECONFIG or in-cluster)'))
    .action(async (opts: CollectOpts) => {
      // The KPX and KMA clients and Kafka load only when a collector runs.
      const { runCollect } = await import('./cli-actions.js');
      await runCollect(opts);
    });
}
