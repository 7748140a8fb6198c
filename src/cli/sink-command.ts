import type { Command } from 'commander';
import type { SinkFlags } from './sink-flags.js';

/** `gridlake sink`: Kafka (or the local log) to Parquet on S3 (or a folder). */
export function registerSinkCommand(program: Command): void {
  program
    .command('sink')
    .description('consume topics and write them to the lake as Parquet (raw zone)')
    .option(
      '--config <file>',
      'a LakeSink resource (YAML or JSON) giving topics, lake and flush policy; flags on the command line win',
    )
    .option('--sink <namespace/name>', 'the LakeSink this process serves (its name in metrics and logs)')
    .option('--name <name>', 'sink name (metrics, dead letters)', 'lake')
    .option('--group <id>', 'consumer group', 'gridlake-sink')
    .option('--topics <list>', 'comma-separated topics', 'gridlake.power.kpx.v1,gridlake.weather.kma.v1')
    .option('--brokers <list>', 'Kafka bootstrap brokers, comma-separated')
    .option('--local-log <dir>', 'use the local durable log in this folder instead of Kafka')
    .option('--bucket <name>', 'S3 bucket (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)')
    .option('--lake-dir <dir>', 'write the lake to this folder instead of S3')
    .option('--prefix <prefix>', 'key prefix inside the bucket', '')
    .option('--endpoint <url>', 'S3 endpoint (MinIO etc.; path-style)')
    .option('--region <region>', 'S3 region', 'us-east-1')
    .option('--create-bucket', 'create the bucket when missing')
    .option('--max-records <n>', 'flush a partition at this many records', '25000')
    .option('--max-bytes <n>', 'flush a partition at this many bytes', String(32 * 1024 * 1024))
    .option('--max-age-ms <n>', 'flush a partition this long after its oldest record arrived', '900000')
    .option('--max-buffered-bytes <n>', 'global buffer cap', String(16 * 1024 * 1024))
    .option('--metrics-port <port>', 'port for /metrics, /healthz, /readyz', '9464')
    .option(
      '--report-status',
      "write the sink's progress into its LakeSink's status.progress (needs --sink; in-cluster credentials, or --kubeconfig)",
    )
    .option('--kubeconfig <file>', 'kubeconfig for --report-status (default: KUBECONFIG or in-cluster)')
    .action(async (given: SinkFlags, cmd: Command) => {
      // The sink's libraries (Kafka, S3, Parquet, the Kubernetes client) load only when it runs: every process
      // declares every command.
      const { runSink } = await import('./run-sink.js');
      await runSink(given, (key) => cmd.getOptionValueSource(key) === 'cli');
    });
}
