// Benchmark (not a test): N DailyJoins and M sources (half PowerSource, half
// WeatherSource) created at once on the test kube-apiserver, reconciled by
// `gridlake controller` in its own process. Prints the time until every
// object's status.observedGeneration is current, the controller's API
// requests (its rest_client_requests_total), and its peak RSS.
// Run: node bench/controller/run.mjs [joins=1000] [sources=200]
// The controller runs with the chart's NODE_OPTIONS (charts/gridlake/values.yaml
// controller.nodeOptions), as deployed; GRIDLAKE_BENCH_CONTROLLER_NODE_OPTIONS=
// replaces them. Peak RSS is the controller's VmHWM.
//
// Measured on the 2-core dev machine, Node 20.20, 1,000 DailyJoins + 200
// sources (each source: 5 children, so 2.68 writes/object):
//   before (main e52c98d, Node defaults): peak RSS 376 MiB, converged 19.8 s (load 0.7)
//   after (helper-rss, --max-semi-space-size=4): peak RSS 125 / 128 / 135 MiB,
//     converged 26.6 / 15.6 / 23.0 s (load 1.8 / 3.4 / 1.3); 148 MiB with Node's defaults.
// Where the 250 MiB went: every command's libraries loaded by the one CLI
// (`gridlake --help` 150 -> 66 MiB, client-node alone ~75 MiB), ~85 MiB of
// malloc heap kept after a new Intl.DateTimeFormat per DailyJoin check, and
// ~25 MiB of young generation. What remains at the peak: the node binary's
// mapped pages (~45 MiB), the V8 heap (~50 MiB: ~30 MiB live, caches ~5 MiB of
// it) and the malloc heap (~12 MiB).
import { readFileSync } from 'node:fs';
import { DAILY_JOINS, POWER_SOURCES, SECRETS, WEATHER_SOURCES } from '../../controllers/resources.js';
import { todayIn } from '../../src/api/daily-join-semantics.js';
import { Informer, type ResourceRef } from '../../src/k8s/informer.js';
import type { KubeObject } from '../../src/k8s/object-cache.js';
import { kube, stopServers } from '../../test/infra/index.js';
import { startController, stopController } from '../../test/integration/controllers/controller-process.js';
import { IMAGE, create, ensureCrds } from '../../test/integration/controllers/helpers.js';
import { dailyJoin } from '../../test/integration/controllers/runs.js';
import { client as makeClient, createNamespace, deleteNamespace } from '../../test/integration/k8s/helpers.js';

const JOINS = Number(process.argv[2] ?? 1000);
const SOURCES = Number(process.argv[3] ?? 200);
const IN_FLIGHT = 32; // creates the bench keeps open at once
const cli = process.env['GRIDLAKE_BENCH_CLI'];
if (!cli) throw new Error('run through bench/controller/run.mjs (it bundles the CLI and sets GRIDLAKE_BENCH_CLI)');

function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const current = (o: KubeObject): boolean =>
  (o['status'] as { observedGeneration?: number } | undefined)?.observedGeneration === o.metadata.generation;

const info = await kube();
const c = makeClient(info);
await ensureCrds(info, c);
const ns = await createNamespace(c, `bench-ctl-${Date.now() % 1_000_000}`);
await create(c, SECRETS, ns, { metadata: { name: 'key' }, stringData: { serviceKey: 'k' } });
// NODE_OPTIONS of the controller alone: the chart's (run.mjs passes them), or V8 flags to try; a heap snapshot.
const controllerNodeOptions = [
  process.env['GRIDLAKE_BENCH_CONTROLLER_NODE_OPTIONS'],
  process.env['GRIDLAKE_BENCH_HEAP_DIR'] &&
    `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${process.env['GRIDLAKE_BENCH_HEAP_DIR']}`,
]
  .filter(Boolean)
  .join(' ');
const ctl = await startController(
  cli,
  [
    '--kubeconfig',
    info.kubeconfig,
    '--namespace',
    ns,
    '--lease-namespace',
    ns,
    '--identity',
    'bench',
    '--image',
    IMAGE,
    '--brokers',
    'kafka.invalid:9092',
  ],
  controllerNodeOptions ? { NODE_OPTIONS: controllerNodeOptions } : {},
);
await new Promise((r) => setTimeout(r, 3000)); // lead and sync the (empty) caches first
const writes = async (): Promise<number> =>
  (
    await Promise.all(
      ['POST', 'PUT', 'PATCH', 'DELETE'].map((method) => ctl.metric('rest_client_requests_total', { method })),
    )
  ).reduce((a, b) => a + b, 0);
const reads = (): Promise<number> => ctl.metric('rest_client_requests_total', { method: 'GET' });
const writes0 = await writes();
const reads0 = await reads();

// Started today with catch-up None: nothing is due, so each join is one status to write (no runs, no Jobs).
const today = todayIn('Asia/Seoul', new Date());
const ref = { serviceKeySecretRef: { name: 'key', key: 'serviceKey' } };
const bodies: [ResourceRef, Record<string, unknown>][] = [];
for (let i = 0; i < JOINS; i++)
  bodies.push([DAILY_JOINS, dailyJoin(`j${i}`, { startDate: today, catchUp: { policy: 'None' } })]);
for (let i = 0; i < SOURCES; i++)
  bodies.push(
    i % 2 === 0
      ? [
          POWER_SOURCES,
          { apiVersion: 'gridlake.io/v1alpha1', kind: 'PowerSource', metadata: { name: `p${i}` }, spec: ref },
        ]
      : [
          WEATHER_SOURCES,
          {
            apiVersion: 'gridlake.io/v1alpha1',
            kind: 'WeatherSource',
            metadata: { name: `w${i}` },
            spec: { ...ref, locations: [{ name: 'seoul', nx: 60, ny: 127 }] },
          },
        ],
  );

const informers = [DAILY_JOINS, POWER_SOURCES, WEATHER_SOURCES].map(
  (resource) => new Informer({ client: c, resource: { ...resource, namespace: ns } }),
);
for (const i of informers) i.start();
await Promise.all(informers.map((i) => i.waitForSync(30_000)));

const t0 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: IN_FLIGHT }, async () => {
    while (next < bodies.length) {
      const [r, b] = bodies[next++]!;
      await create(c, r, ns, b);
    }
  }),
);
const createdSec = (performance.now() - t0) / 1000;
// Watch, not poll: repeated lists of 1,200 objects would load the API server the controller shares.
let reconciledSec = 0;
while (reconciledSec === 0) {
  const all = informers.flatMap((i) => i.list());
  if (all.length === JOINS + SOURCES && all.every(current)) reconciledSec = (performance.now() - t0) / 1000;
  else if (performance.now() - t0 > 600_000) throw new Error('not reconciled within 10 minutes');
  else await new Promise((r) => setTimeout(r, 100));
}
const w = (await writes()) - writes0;
const g = (await reads()) - reads0;
await new Promise((r) => setTimeout(r, 10_000));
const idleWrites = (await writes()) - writes0 - w;
const rss = peakRss(ctl.proc.pid ?? 0);
if (process.env['GRIDLAKE_BENCH_HEAP_DIR']) {
  // A heap snapshot of the converged controller, for finding what holds memory.
  ctl.proc.kill('SIGUSR2');
  await new Promise((r) => setTimeout(r, 20_000));
}
const heapMiB = (await ctl.metric('nodejs_heap_size_used_bytes')) / 2 ** 20;
const rssNowMiB = (await ctl.metric('process_resident_memory_bytes')) / 2 ** 20;
await Promise.all(informers.map((i) => i.stop()));
const objects = JOINS + SOURCES;

console.log(
  JSON.stringify(
    {
      objects: { dailyJoins: JOINS, sources: SOURCES },
      controllerNodeOptions: process.env['GRIDLAKE_BENCH_CONTROLLER_NODE_OPTIONS'] ?? '',
      createSeconds: Number(createdSec.toFixed(2)),
      reconciledSeconds: Number(reconciledSec.toFixed(2)),
      // includes the leader Lease renewals (one PUT per 2 s retry period)
      controllerApiWrites: w,
      writesPerObject: Number((w / objects).toFixed(2)),
      controllerApiReads: g,
      writesInNext10s: idleWrites,
      controllerPeakRssMiB: Number((rss / 2 ** 20).toFixed(1)),
      controllerRssMiBAfter: Number(rssNowMiB.toFixed(1)),
      controllerHeapUsedMiBAfter: Number(heapMiB.toFixed(1)),
    },
    null,
    2,
  ),
);
console.log(
  `goals: reconciled < 30 s: ${reconciledSec < 30 ? 'met' : 'MISSED'}; < 5 writes/object: ${w / objects < 5 ? 'met' : 'MISSED'}; RSS <= 150 MiB: ${rss <= 150 * 2 ** 20 ? 'met' : 'MISSED'}`,
);
await stopController(ctl, 60_000);
await deleteNamespace(c, ns);
await stopServers();
