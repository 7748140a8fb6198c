// A child process for the kill -9 test: appends numbered records forever and
// prints each acknowledged (fsynced) offset on stdout.
import { LocalLogBus } from '../../../src/bus/local-log/local-log-bus.js';

const dir = process.argv[2]!;
const bus = new LocalLogBus({ dir, fsync: 'always', segmentBytes: 64 * 1024 });
await bus.ensureTopic('t', 1);
let n = Number(process.argv[3] ?? '0');
for (;;) {
  const batch = Array.from({ length: 1 + (n % 7) }, (_, i) => ({
    key: `k${n + i}`,
    value: `value-${n + i}-${'x'.repeat((n + i) % 300)}`,
  }));
  const res = await bus.send('t', batch);
  n += batch.length;
  process.stdout.write(`${res.at(-1)!.offset}\n`);
}
