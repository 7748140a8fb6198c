// The sink as a separate process for the kill -9 test: config comes as JSON in
// GRIDLAKE_SINK_CHILD; logs go to stderr as JSON lines. GRIDLAKE_SINK_PUT_DELAY_MS
// slows every object write so that random kills often land inside a flush.
// GRIDLAKE_SINK_TIMING=1 (bench) prints, at SIGTERM, the wall time spent in each
// store call and in flushes, to show where a run waits.
// GRIDLAKE_SINK_CHILD_STOP_AFTER=N (bench) stops the sink, which flushes what it
// buffered, as soon as it has taken N offsets, then exits: a backlog drained
// without waiting for the last buffers' maxAgeMs.
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

const timing = new Map<string, { calls: number; ms: number }>();
function timedStore(store: ObjectStore): ObjectStore {
  const timed =
    <A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const t = performance.now();
      try {
        return await fn(...args);
      } finally {
        const e = timing.get(name) ?? { calls: 0, ms: 0 };
        e.calls++;
        e.ms += performance.now() - t;
        timing.set(name, e);
      }
    };
  return {
    location: store.location,
    putIfAbsent: timed('putIfAbsent', (k: string, b: Uint8Array) => store.putIfAbsent(k, b)),
    put: timed('put', (k: string, b: Uint8Array) => store.put(k, b)),
    get: timed('get', (k: string) => store.get(k)),
    head: timed('head', (k: string) => store.head(k)),
    list: timed('list', (p: string) => store.list(p)),
    delete: timed('delete', (k: string) => store.delete(k)),
  };
}

const registry = createRegistry({ defaultMetrics: false });
const wrap = delayMs > 0 ? slowPuts : process.env['GRIDLAKE_SINK_TIMING'] === '1' ? timedStore : undefined;
const runtime = await startSink(config, { log, registry, ...(wrap ? { wrapStore: wrap } : {}) });
process.stdout.write('started\n');
const stopAfter = Number(process.env['GRIDLAKE_SINK_CHILD_STOP_AFTER'] ?? 0);
if (stopAfter > 0) {
  const poll = setInterval(() => {
    const taken = runtime.sink.positions().reduce((n, p) => n + p.offset, 0);
    if (taken < stopAfter) return;
    clearInterval(poll);
    const takenAt = performance.now();
    void runtime.stop().then(() => {
      const cpu = process.cpuUsage();
      const usage = {
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        peakRss: process.resourceUsage().maxRSS * 1024,
        // from process start: when every offset was taken, and how long the stop (final flushes, leaving the group) took
        takenSeconds: takenAt / 1000,
        stopSeconds: (performance.now() - takenAt) / 1000,
      };
      process.stdout.write(`drained ${JSON.stringify(usage)}\n`, () => process.exit(0));
    });
  }, 5);
}
process.once('SIGTERM', () => {
  if (timing.size > 0) {
    const flush = runtime.sink.metrics.flushDuration;
    void flush.get().then((m) => {
      const sum = m.values.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0;
      const count = m.values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
      const store = Object.fromEntries([...timing].map(([k, v]) => [k, { calls: v.calls, ms: Math.round(v.ms) }]));
      process.stderr.write(
        `[sink-timing] ${JSON.stringify({ flushes: count, flushMs: Math.round(sum * 1000), store })}\n`,
      );
    });
  }
  void runtime.stop().then(() => process.exit(0));
});
