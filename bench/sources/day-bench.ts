/**
 * Sources benchmark (issue 4): one simulated KST day with 1 power source and
 * 50 weather locations against the simulator over real HTTP (127.0.0.1, port
 * 0), on the development quotas. The simulator and the collectors share a
 * fake clock that jumps ahead whenever the collectors sleep, so the day takes
 * seconds. Prints calls per key and operation, slots and hours delivered, and
 * calls per reading.
 *
 *   npx tsc -p bench/sources/tsconfig.json && node dist/bench-sources/bench/sources/day-bench.js [--date 2026-11-23] [--scenario clean|faulty|all]
 */
import { performance } from 'node:perf_hooks';
import { createLogger } from '../../src/observe/log.js';
import { createRegistry } from '../../src/observe/metrics.js';
import { startCollectors } from '../../src/sources/collect-runner.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, kstDay } from '../../src/kst.js';
import { ManualClock } from '../../src/clock.js';
import { seededRng } from '../../src/random.js';
import { MemorySink } from '../../src/sources/common/reading-sink.js';
import { ServiceKey } from '../../src/sources/common/service-key.js';
import { createFetchTransport, type Transport } from '../../src/sources/common/transport.js';
import { createSimulator } from '../../src/sources/simulator/simulator-server.js';
import { TOPICS, type SourceConfig } from '../../src/sources/source-tasks.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/** 50 locations: spread over the peninsula's grid. */
const LOCATIONS = Array.from({ length: 50 }, (_, i) => ({
  name: `loc${String(i).padStart(2, '0')}`,
  nx: 50 + (i % 10) * 6,
  ny: 70 + Math.floor(i / 10) * 12,
}));

const SCENARIOS: Record<string, unknown> = {
  clean: {},
  faulty: {
    kmaPublishOffsetMs: 14 * MINUTE_MS,
    faults: [
      { api: 'all', kind: 'http', code: '503', probability: 0.02 },
      { api: 'all', kind: 'truncate', probability: 0.005 },
      { api: 'kma', kind: 'result', code: '03', probability: 0.02 },
      { api: 'all', kind: 'http', code: '429', probability: 0.005 },
    ],
  },
};

async function runDay(date: string, scenario: string): Promise<void> {
  const dayStart = Date.parse(`${date}T00:00:00+09:00`);
  const clock = new ManualClock(dayStart - 2 * MINUTE_MS, { autoAdvance: true });
  const { app, state } = createSimulator({ clock, config: SCENARIOS[scenario] });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const sink = new MemorySink();
  const kpxKey = new ServiceKey('bench-kpx-key+/=');
  const kmaKey = new ServiceKey('bench-kma-key+/=');
  const calls = new Map<string, number>();
  const callsPerDay = new Map<string, number>();
  const inner = createFetchTransport({ timeoutMs: 5_000 });
  const transport: Transport = async (url) => {
    const u = new URL(url);
    const k = `${u.pathname.includes('B552115') ? 'kpx-key' : 'kma-key'} ${u.pathname.split('/').pop() ?? ''}`;
    calls.set(k, (calls.get(k) ?? 0) + 1);
    const d = `${kstDay(clock.now())} ${k}`;
    callsPerDay.set(d, (callsPerDay.get(d) ?? 0) + 1);
    return inner(url);
  };
  const sources: SourceConfig[] = [
    { kind: 'power', source: 'bench/kpx', api: 'gateway', endpoint: base, key: kpxKey },
    { kind: 'weather', source: 'bench/kma', endpoint: base, key: kmaKey, locations: LOCATIONS },
  ];
  const started = performance.now();
  const run = startCollectors({
    sources,
    sink,
    registry: createRegistry({ defaultMetrics: false }),
    logger: createLogger({ level: 'error' }),
    transport,
    clock,
    rng: seededRng(42),
    // Run past midnight so the day's last slots and hour (published after 00:00) arrive.
    until: dayStart + DAY_MS + 20 * MINUTE_MS,
  });
  await run.done;
  const wallMs = performance.now() - started;
  await app.close();

  const compact = date.replaceAll('-', '');
  const power = new Set(
    sink
      .records(TOPICS.power)
      .map((r) => r.key)
      .filter((k) => k.startsWith(compact)),
  );
  const weather = new Set(
    sink
      .records(TOPICS.weather)
      .map((r) => r.key)
      .filter((k) => k.startsWith(compact)),
  );
  const powerRecords = sink.records(TOPICS.power).length;
  const weatherRecords = sink.records(TOPICS.weather).length;
  const dead = sink.records(TOPICS.deadLetter).length;
  const callsFor = (prefix: string) => [...calls].filter(([k]) => k.startsWith(prefix)).reduce((a, [, n]) => a + n, 0);
  console.log(
    `\n== scenario ${scenario}: ${date} (KST), 1 power source + ${LOCATIONS.length} weather locations, development quotas`,
  );
  console.log(
    `simulated ${((dayStart + DAY_MS + 20 * MINUTE_MS - (dayStart - 2 * MINUTE_MS)) / HOUR_MS).toFixed(2)} h in ${(wallMs / 1000).toFixed(1)} s wall`,
  );
  console.log('calls per key and operation (whole run):');
  for (const [k, n] of [...calls].sort()) console.log(`  ${k.padEnd(40)} ${n}`);
  console.log('calls per KST day, key and operation (quota: 100 per KPX operation, 10,000 for the nowcast):');
  for (const [k, n] of [...callsPerDay].sort()) console.log(`  ${k.padEnd(51)} ${n}`);
  const quota = [...state.totals].map(([op, n]) => `${op} ${n}`).join(', ');
  console.log(`calls the simulator counted: ${quota}`);
  console.log(
    `power slots of ${date} on the bus: ${power.size} / 288 (records emitted in total: ${powerRecords}, duplicates: ${powerRecords - new Set(sink.records(TOPICS.power).map((r) => r.key)).size})`,
  );
  console.log(
    `weather hours of ${date} on the bus: ${weather.size} / ${24 * LOCATIONS.length} (records emitted in total: ${weatherRecords}, duplicates: ${weatherRecords - new Set(sink.records(TOPICS.weather).map((r) => r.key)).size})`,
  );
  console.log(`dead letters: ${dead}`);
  console.log(
    `calls per reading: power ${(callsFor('kpx-key') / Math.max(1, powerRecords)).toFixed(3)} (${callsFor('kpx-key')}/${powerRecords}), weather ${(callsFor('kma-key') / Math.max(1, weatherRecords)).toFixed(3)} (${callsFor('kma-key')}/${weatherRecords})`,
  );
}

const date = arg('date', '2026-11-23');
const scenario = arg('scenario', 'all');
for (const s of scenario === 'all' ? Object.keys(SCENARIOS) : [scenario]) await runDay(date, s);
