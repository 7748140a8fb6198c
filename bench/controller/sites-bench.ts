// Benchmark (not a test): N simulated site agents renew their heartbeat
// Leases every R seconds for D seconds against one `gridlake controller`
// process (RemoteSite controller only) on the test kube-apiserver. Each
// renewal moves the spool counts; each agent's watermark moves every 5
// minutes (the KPX poll interval). Prints the controller's status writes per
// site per minute (counted from the RemoteSites' watch: every status write is
// one update event), its API requests, CPU and RSS.
// Run: node bench/controller/sites.mjs [sites=100] [seconds=300] [renewSeconds=10]
// Goal (issue 13): at most 1 status write per site per minute.
//
// Measured on the 2-core dev machine (shared), Node 20, chart NODE_OPTIONS,
// `node bench/controller/sites.mjs 100 300 10`: 2,999 renewals in 310 s,
// 500 status writes = 0.968 per site per minute (every site 5: one a minute,
// the 5-minute watermark move riding on one of them), 654 controller API
// writes in all (with its own leader Lease), 7.4 s CPU = 2.4 % of one core,
// peak RSS 103 MiB; 100 sites registered in 10.6 s.
import { readFileSync } from 'node:fs';
import { LEASES, REMOTE_SITES, SERVICE_ACCOUNTS } from '../../controllers/resources.js';
import { AGENT_NAME } from '../../controllers/remote-site-plan.js';
import { encodeAgentLease, sourceKey } from '../../src/api/agent-lease.js';
import { siteNamespace } from '../../src/api/remote-site.js';
import { isConflict } from '../../src/k8s/api-errors.js';
import { Informer } from '../../src/k8s/informer.js';
import type { KubeObject } from '../../src/k8s/object-cache.js';
import { kube, stopServers } from '../../test/infra/index.js';
import { startController, stopController } from '../../test/integration/controllers/controller-process.js';
import { create, ensureCrds, get, IMAGE } from '../../test/integration/controllers/helpers.js';
import { client as makeClient, createNamespace, deleteNamespace } from '../../test/integration/k8s/helpers.js';

const SITES = Number(process.argv[2] ?? 100);
const SECONDS = Number(process.argv[3] ?? 300);
const RENEW_S = Number(process.argv[4] ?? 10);
const WATERMARK_EVERY_MS = 5 * 60_000;
const cli = process.env['GRIDLAKE_BENCH_CLI'];
if (!cli) throw new Error('run through bench/controller/sites.mjs (it bundles the CLI and sets GRIDLAKE_BENCH_CLI)');

const procStatus = (pid: number, field: string): number => {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
};
/** user + system CPU seconds of a process (clock ticks of /proc/<pid>/stat, 100 per second on Linux). */
const cpuSeconds = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
// One time base for every agent's watermark, so it moves every 5 minutes of the bench and not when an agent restarts its loop.
const BENCH_START = Date.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const condition = (o: KubeObject | undefined, type: string) =>
  ((o?.['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).find(
    (c) => c.type === type,
  );

const info = await kube();
const c = makeClient(info);
await ensureCrds(info, c);
const run = `bs${Date.now() % 1_000_000}`;
const ns = await createNamespace(c, `bench-sites-${run}`);
const names = Array.from({ length: SITES }, (_, i) => `${run}-${i}`);
const ctl = await startController(
  cli,
  [
    '--kubeconfig',
    info.kubeconfig,
    '--controllers',
    'RemoteSite',
    '--lease-namespace',
    ns,
    '--identity',
    'bench',
    '--image',
    IMAGE,
  ],
  process.env['GRIDLAKE_BENCH_CONTROLLER_NODE_OPTIONS']
    ? { NODE_OPTIONS: process.env['GRIDLAKE_BENCH_CONTROLLER_NODE_OPTIONS'] }
    : {},
);
const pid = ctl.proc.pid ?? 0;

// Every status write of a bench site is one update event of the RemoteSite (its spec never changes here).
const ours = new Set(names);
const sites = new Informer({ client: c, resource: REMOTE_SITES });
let counting = false;
const writes = new Map<string, number>();
sites.on((ev) => {
  const n = ev.object.metadata.name ?? '';
  if (counting && ev.type === 'updated' && ours.has(n)) writes.set(n, (writes.get(n) ?? 0) + 1);
});
sites.start();
await sites.waitForSync(30_000);

const t0 = performance.now();
for (const n of names)
  await create(c, REMOTE_SITES, undefined, {
    apiVersion: 'gridlake.io/v1alpha1',
    kind: 'RemoteSite',
    metadata: { name: n },
    spec: { leaseDurationSeconds: RENEW_S * 4 },
  });
const registered = async () => {
  while (!names.every((n) => condition(sites.get(n), 'Registered')?.status === 'True')) {
    if (performance.now() - t0 > 300_000) throw new Error('sites not registered within 5 minutes');
    await sleep(200);
  }
};
await registered();
const registeredSec = (performance.now() - t0) / 1000;

/** One simulated agent: renews the controller's Lease every RENEW_S with a moving spool and a 5-minute watermark. */
async function agent(name: string, index: number, until: number, stats: { renewals: number; conflicts: number }) {
  const sns = siteNamespace(name);
  const uid = (await get(c, SERVICE_ACCOUNTS, sns, AGENT_NAME))?.metadata.uid ?? '';
  const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${sns}/leases/${AGENT_NAME}`;
  await sleep(((index % 100) / 100) * RENEW_S * 1000); // spread like independent agents
  let lease = (await get(c, LEASES, sns, AGENT_NAME))!;
  let n = 0;
  const start = Date.now();
  // At least one renewal (the warm-up is one), then until the end.
  for (let first = true; first || Date.now() < until; first = false) {
    n++;
    const now = Date.now();
    const mark = BENCH_START - 3_600_000 + Math.floor((now - BENCH_START) / WATERMARK_EVERY_MS) * WATERMARK_EVERY_MS;
    const annotations = {
      ...lease.metadata.annotations,
      ...encodeAgentLease({
        version: 'bench',
        serviceAccountUID: uid,
        tokenExpiry: start + 7 * 86_400_000,
        spoolRecords: n % 7,
        spoolBytes: (n % 7) * 512,
        spoolLimitBytes: 1 << 30,
        forwardedWatermarks: { [sourceKey('PowerSource', 'kpx')]: mark },
      }),
    };
    const body = (l: KubeObject) => ({
      ...l,
      metadata: { ...l.metadata, annotations },
      spec: {
        ...(l['spec'] as object),
        holderIdentity: `${name}/agent-0`,
        renewTime: new Date(now).toISOString().replace(/Z$/, '000Z'),
      },
    });
    try {
      lease = await c.request<KubeObject>({ method: 'PUT', path: leasePath, body: body(lease) });
    } catch (err) {
      if (!isConflict(err)) throw err;
      // The controller re-applied its fields: read again and renew on top.
      stats.conflicts++;
      lease = (await get(c, LEASES, sns, AGENT_NAME))!;
      lease = await c.request<KubeObject>({ method: 'PUT', path: leasePath, body: body(lease) });
    }
    stats.renewals++;
    await sleep(RENEW_S * 1000 - (Date.now() - now));
  }
}

// Warm-up: every agent connects once, so the measurement sees steady renewals, not the first writes.
const warm = { renewals: 0, conflicts: 0 };
await Promise.all(names.map((n, i) => agent(n, i, Date.now() + 1, warm)));
while (!names.every((n) => condition(sites.get(n), 'AgentConnected')?.status === 'True')) {
  if (performance.now() - t0 > 600_000) throw new Error('agents not connected within 10 minutes');
  await sleep(200);
}
console.error(`${SITES} sites registered in ${registeredSec.toFixed(1)} s, agents connected; measuring ${SECONDS} s`);
await sleep(2000);

const apiWrites = async (): Promise<number> =>
  (
    await Promise.all(
      ['POST', 'PUT', 'PATCH', 'DELETE'].map((method) => ctl.metric('rest_client_requests_total', { method })),
    )
  ).reduce((a, b) => a + b, 0);
const w0 = await apiWrites();
const g0 = await ctl.metric('rest_client_requests_total', { method: 'GET' });
const cpu0 = cpuSeconds(pid);
const m0 = performance.now();
counting = true;
const stats = { renewals: 0, conflicts: 0 };
const until = Date.now() + SECONDS * 1000;
let rssMax = 0;
const sampler = setInterval(() => (rssMax = Math.max(rssMax, procStatus(pid, 'VmRSS'))), 1000);
await Promise.all(names.map((n, i) => agent(n, i, until, stats)));
counting = false;
clearInterval(sampler);
const wallSec = (performance.now() - m0) / 1000;
const cpuSec = cpuSeconds(pid) - cpu0;
const apiW = (await apiWrites()) - w0;
const apiG = (await ctl.metric('rest_client_requests_total', { method: 'GET' })) - g0;
const total = [...writes.values()].reduce((a, b) => a + b, 0);
const perSiteMinute = total / SITES / (wallSec / 60);
const worst = Math.max(0, ...names.map((n) => writes.get(n) ?? 0)) / (wallSec / 60);
const connected = await ctl.metric('gridlake_site_agent_connected');

console.log(
  JSON.stringify(
    {
      sites: SITES,
      renewSeconds: RENEW_S,
      measuredSeconds: Number(wallSec.toFixed(1)),
      registeredSeconds: Number(registeredSec.toFixed(1)),
      renewals: stats.renewals,
      renewalConflicts: stats.conflicts,
      statusWrites: total,
      statusWritesPerSitePerMinute: Number(perSiteMinute.toFixed(3)),
      worstSiteWritesPerMinute: Number(worst.toFixed(3)),
      // includes the leader Lease renewals (one PUT per 2 s retry period)
      controllerApiWrites: apiW,
      controllerApiReads: apiG,
      controllerCpuSeconds: Number(cpuSec.toFixed(2)),
      controllerCpuPercentOfOneCore: Number(((cpuSec / wallSec) * 100).toFixed(1)),
      controllerPeakRssMiB: Number((procStatus(pid, 'VmHWM') / 2 ** 20).toFixed(1)),
      controllerMaxRssDuringRunMiB: Number((rssMax / 2 ** 20).toFixed(1)),
      sitesConnectedAtEnd: connected,
    },
    null,
    2,
  ),
);
console.log(`goal: <= 1 status write per site per minute: ${perSiteMinute <= 1 ? 'met' : 'MISSED'}`);
await sites.stop();
await stopController(ctl, 60_000);
for (const n of names)
  await c.request({ method: 'DELETE', path: `/apis/gridlake.io/v1alpha1/remotesites/${n}` }).catch(() => undefined);
await deleteNamespace(c, ns);
await stopServers();
