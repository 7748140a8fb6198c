import type { Command } from 'commander';
import { DEFAULT_S3_REGION, FLUSH_DEFAULTS, POWER_TOPIC, WEATHER_TOPIC } from '../api/defaults.js';
import type { Env } from '../config.js';

/** `gridlake sink`: Kafka (or the local log) to Parquet on S3 (or a folder). */
export function registerSinkCommand(program: Command, env: Env): Command {
  return program
    .command('sink')
    .description('consume topics and write them to the lake as Parquet (raw zone)')
    .option(
      '--config <file>',
      'a LakeSink resource (YAML or JSON) giving topics, lake and flush policy; flags on the command line win',
    )
    .option('--sink <namespace/name>', 'the LakeSink this process serves (its name in metrics and logs)')
    .option('--name <name>', 'sink name (metrics, dead letters; default: lake)')
    .option('--group <id>', 'consumer group (default: gridlake-sink)')
    .option('--topics <list>', `comma-separated topics (default: ${POWER_TOPIC},${WEATHER_TOPIC})`)
    .option('--brokers <list>', 'Kafka bootstrap brokers, comma-separated')
    .option('--local-log <dir>', 'use the local durable log in this folder instead of Kafka')
    .option('--bucket <name>', 'S3 bucket (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)')
    .option('--lake-dir <dir>', 'write the lake to this folder instead of S3')
    .option('--prefix <prefix>', 'key prefix inside the bucket (default: none)')
    .option('--endpoint <url>', 'S3 endpoint (MinIO etc.; path-style)')
    .option('--region <region>', `S3 region (default: ${DEFAULT_S3_REGION}, as a LakeSink)`)
    .option('--create-bucket', 'create the bucket when missing')
    .option('--max-records <n>', `flush a partition at this many records (default: ${FLUSH_DEFAULTS.maxRecords})`)
    .option('--max-bytes <n>', `flush a partition at this many bytes (default: ${FLUSH_DEFAULTS.maxBytes})`)
    .option(
      '--max-age-ms <n>',
      `flush a partition this long after its oldest record arrived (default: ${FLUSH_DEFAULTS.maxAgeSeconds * 1000})`,
    )
    .option('--max-buffered-bytes <n>', 'global buffer cap (default: 16 MiB)')
    .option('--metrics-port <port>', 'port for /metrics, /healthz, /readyz (default: 9464)')
    .option(
      '--report-status',
      "write the sink's progress into its LakeSink's status.progress (needs --sink; in-cluster credentials, or --kubeconfig)",
    )
    .option('--kubeconfig <file>', 'kubeconfig for --report-status (default: KUBECONFIG or in-cluster)')
    .action(async (flags: Record<string, unknown>) => {
      // The sink's libraries (Kafka, S3, Parquet, the Kubernetes client) load only when it runs: every process
      // declares every command.
      const [{ sinkCommandConfig }, { readSinkResource, runSink }] = await Promise.all([
        import('../config.js'),
        import('./run-sink.js'),
      ]);
      const fromFile = typeof flags['config'] === 'string' ? readSinkResource(flags['config']) : {};
      await runSink(sinkCommandConfig(flags, env, fromFile));
    });
}
