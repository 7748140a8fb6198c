// The sink as a separate process for the kill -9 test: config comes as JSON in
// GRIDLAKE_SINK_CHILD; logs go to stderr as JSON lines. GRIDLAKE_SINK_PUT_DELAY_MS
// slows every object write so that random kills often land inside a flush.
import { createLogger } from '../../../src/observe/log.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import type { ObjectStore } from '../../../src/lake/object-store.js';
import { startSink, type SinkConfig } from '../../../src/lake/sink-runtime.js';

const config = JSON.parse(process.env['GRIDLAKE_SINK_CHILD']!) as SinkConfig;
const delayMs = Number(process.env['GRIDLAKE_SINK_PUT_DELAY_MS'] ?? 0);
const log = createLogger({
  name: 'sink-child',
  level: process.env['GRIDLAKE_LOG_LEVEL'] ?? 'info',
  destination: process.stderr,
});

function slowPuts(store: ObjectStore): ObjectStore {
  const pause = (): Promise<void> => new Promise((r) => setTimeout(r, delayMs));
  return {
    location: store.location,
    putIfAbsent: async (key, body) => {
      await pause();
      return store.putIfAbsent(key, body);
    },
    put: async (key, body) => {
      await pause();
      return store.put(key, body);
    },
    get: (key) => store.get(key),
    head: (key) => store.head(key),
    list: (prefix) => store.list(prefix),
    delete: (key) => store.delete(key),
  };
}

const runtime = await startSink(config, {
  log,
  registry: createRegistry({ defaultMetrics: false }),
  ...(delayMs > 0 ? { wrapStore: slowPuts } : {}),
});
process.stdout.write('started\n');
process.once('SIGTERM', () => {
  void runtime.stop().then(() => process.exit(0));
});
