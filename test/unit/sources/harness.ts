import { Writable } from 'node:stream';
import { createLogger } from '../../../src/observe/log.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import { buildSourceTasks, type SourceConfig } from '../../../src/sources/source-tasks.js';
import { CallBudget, type Operation } from '../../../src/sources/common/budget.js';
import { ManualClock } from '../../../src/clock.js';
import { seededRng } from '../../../src/random.js';
import type { CollectorDeps } from '../../../src/sources/common/collector-core.js';
import { MemorySink } from '../../../src/sources/common/reading-sink.js';
import { runTasks } from '../../../src/sources/common/run-loop.js';
import { createSourceMetrics } from '../../../src/sources/common/source-metrics.js';
import type { Transport } from '../../../src/sources/common/transport.js';
import { injectTransport } from '../../../src/sources/simulator/inject-transport.js';
import { createSimulator } from '../../../src/sources/simulator/simulator-server.js';

/** A collector world on a fake clock: simulator in-process, memory sink, captured logs. */
export function world(options: { start: number; sim?: unknown; limits?: Partial<Record<Operation, number>> }) {
  const clock = new ManualClock(options.start, { autoAdvance: true });
  const sim = createSimulator({ clock, config: options.sim, sleep: async () => {} });
  const sink = new MemorySink();
  const registry = createRegistry({ defaultMetrics: false });
  const metrics = createSourceMetrics(registry);
  const logs: string[] = [];
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk: Buffer, _enc, cb) {
        logs.push(chunk.toString());
        cb();
      },
    }),
  });
  const budget = new CallBudget(options.limits ?? {});
  const calls: string[] = [];
  const callTimes: number[] = [];
  const inner = injectTransport(sim.app);
  const transport: Transport = async (url) => {
    calls.push(url);
    callTimes.push(clock.now());
    return inner(url);
  };
  const deps: CollectorDeps = { clock, rng: seededRng(7), transport, sink, budget, metrics, logger };
  return {
    clock,
    sim,
    sink,
    registry,
    logs,
    budget,
    calls,
    callTimes,
    deps,
    /** Builds collectors for `configs` and runs them until `until` on the fake clock. */
    async run(configs: readonly SourceConfig[], until: number) {
      const built = buildSourceTasks(configs, deps);
      await runTasks(built.tasks, { clock, until });
      return built;
    },
    /** Runs already-built tasks further. */
    async resume(built: ReturnType<typeof buildSourceTasks>, until: number) {
      await runTasks(built.tasks, { clock, until });
    },
    keys(topic: string): string[] {
      return sink.records(topic).map((r) => r.key);
    },
    async close() {
      await sim.app.close();
    },
  };
}

/** Counts of each element. */
export function duplicates(list: readonly string[]): string[] {
  const seen = new Set<string>();
  const dup: string[] = [];
  for (const x of list) {
    if (seen.has(x)) dup.push(x);
    seen.add(x);
  }
  return dup;
}

export const HOUR = 3_600_000;

/** Slots (yyyyMMddHHmmss keys) missing between the first and last key. */
export function missingSlots(keys: readonly string[]): string[] {
  const ms = (k: string) =>
    Date.parse(`${k.slice(0, 4)}-${k.slice(4, 6)}-${k.slice(6, 8)}T${k.slice(8, 10)}:${k.slice(10, 12)}:00+09:00`);
  const have = new Set(keys.map(ms));
  const sorted = [...have].sort((a, b) => a - b);
  const missing: string[] = [];
  const first = sorted[0];
  const last = sorted.at(-1);
  if (first === undefined || last === undefined) return missing;
  for (let t = first; t <= last; t += 300_000) if (!have.has(t)) missing.push(new Date(t).toISOString());
  return missing;
}
