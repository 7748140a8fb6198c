// The forwarder as a process of its own, for the kill -9 test and the drain
// benchmark: config as JSON in GRIDLAKE_FORWARDER_CHILD, logs as JSON lines on
// stderr. SIGTERM stops it cleanly. With `exitWhenDrained` it stops as soon as
// the spool is empty and prints one JSON line of figures on stdout (wall time
// from the first record forwarded, CPU, peak RSS from the kernel).
import { startForwarder } from '../../../src/agent/forwarder.js';
import { openSpool } from '../../../src/agent/spool.js';
import { KafkaBus } from '../../../src/bus/kafka/kafka-bus.js';
import { createLogger } from '../../../src/observe/log.js';

export interface ForwarderChildConfig {
  readonly dir: string;
  readonly limitBytes: number;
  readonly brokers: readonly string[];
  readonly ca: string;
  readonly user: string;
  readonly password: string;
  readonly batchRecords?: number;
  readonly exitWhenDrained?: boolean;
}

const config = JSON.parse(process.env['GRIDLAKE_FORWARDER_CHILD']!) as ForwarderChildConfig;
const log = createLogger({ name: 'forwarder-child', level: 'info', destination: process.stderr, format: 'json' });
const spool = openSpool({ dir: config.dir, limitBytes: config.limitBytes, site: 'child' });
const hub = new KafkaBus({
  brokers: config.brokers,
  clientId: config.user,
  ssl: { ca: [config.ca] },
  sasl: { mechanism: 'scram-sha-512', username: config.user, password: config.password },
  connection: { retry: { initialRetryTime: 200, retries: 2, maxRetryTime: 2000 } },
});
const t0 = performance.now();
const records0 = spool.usage().records;
const forwarder = startForwarder({
  spool,
  hub,
  kindOfTopic: () => 'PowerSource',
  log,
  site: 'child',
  ...(config.batchRecords === undefined ? {} : { batchRecords: config.batchRecords }),
});
process.stdout.write('started\n');

async function stop(): Promise<void> {
  await forwarder.stop();
  await hub.close();
  await spool.close();
}

process.once('SIGTERM', () => void stop().then(() => process.exit(0)));

if (config.exitWhenDrained) {
  // Where the peak RSS goes, sampled with the drain poll: V8's heap and the memory outside it (Buffers).
  const peak = { heapMiB: 0, externalMiB: 0 };
  const poll = setInterval(() => {
    const m = process.memoryUsage();
    peak.heapMiB = Math.max(peak.heapMiB, m.heapTotal / 2 ** 20);
    peak.externalMiB = Math.max(peak.externalMiB, m.external / 2 ** 20);
    if (spool.usage().records > 0) return;
    clearInterval(poll);
    const seconds = (performance.now() - t0) / 1000;
    void stop().then(() => {
      const cpu = process.cpuUsage();
      process.stdout.write(
        `${JSON.stringify({
          records: records0,
          seconds,
          cpuSeconds: (cpu.user + cpu.system) / 1e6,
          maxRssMiB: process.resourceUsage().maxRSS / 1024,
          ...peak,
          watermarks: forwarder.watermarks(),
        })}\n`,
      );
      process.exit(0);
    });
  }, 20);
}
