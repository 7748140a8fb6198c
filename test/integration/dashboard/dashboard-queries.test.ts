import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gridlakeDashboard } from '../../../scripts/dashboard/gridlake-dashboard.js';
import { runStandalone } from '../../../src/cli/run-standalone.js';
import { eventually } from '../../eventually.js';
import { encodeAgentLease, sourceKey } from '../../../src/api/agent-lease.js';
import { siteNamespace } from '../../../src/api/remote-site.js';
import { panelQueries, substitute, variableQueries, type PanelQuery } from '../../fixtures/dashboard-queries.js';
import { memoryLogger, waitForLine } from '../../fixtures/memory-logger.js';
import { prometheus, type PrometheusInfo } from '../../infra/index.js';
import {
  buildCli,
  startController,
  stopController,
  type ControllerProcess,
} from '../controllers/controller-process.js';
import { setup, type Env } from '../controllers/helpers.js';

/**
 * Every panel's query returns data: a real Prometheus scrapes a running
 * embedded pipeline (the standalone command's body on the simulator, with a
 * fast simulated clock) and a `gridlake controller` process against the test
 * API server, then each panel's expression, with the dashboard's variables
 * substituted, is evaluated through /api/v1/query_range over the scraped
 * range. A query that errors or returns no series fails, naming its panel.
 */

/** Panels built but not proven here (none: every panel's query must return series). */
const NOT_YET_PROVEN: Readonly<Record<string, string>> = {};

const ROOT = path.resolve(import.meta.dirname, '../../..');
/** 00:20 KST: the catch-up joins yesterday, and at ×600 the 01:30 schedule fires ~7 s later. */
const START = Date.parse('2026-11-03T00:20:00+09:00');
const SCRAPES_WANTED = 20;

let prom: PrometheusInfo;
let env: Env;
let cli: string;
let controller: ControllerProcess | undefined;
let dataDir: string;
let stop: (signal: string) => void = () => undefined;
let standalone: Promise<number> | undefined;
let targets: object[] = [];

/** Adds our targets to the shared file_sd file, keeping whatever other tests put there. */
async function ensureTargets(): Promise<void> {
  const current = JSON.parse((await readFile(prom.targetsFile, 'utf8')) || '[]') as object[];
  const missing = targets.filter((t) => !current.some((c) => JSON.stringify(c) === JSON.stringify(t)));
  if (missing.length > 0) await writeFile(prom.targetsFile, JSON.stringify([...current, ...missing]));
}

async function removeTargets(): Promise<void> {
  const current = JSON.parse((await readFile(prom.targetsFile, 'utf8')) || '[]') as object[];
  const mine = new Set(targets.map((t) => JSON.stringify(t)));
  await writeFile(prom.targetsFile, JSON.stringify(current.filter((c) => !mine.has(JSON.stringify(c)))));
}

interface PromResponse<T> {
  readonly status: 'success' | 'error';
  readonly error?: string;
  readonly data: T;
}
type Matrix = { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] };

async function api<T>(pathAndQuery: string, params: Record<string, string>): Promise<PromResponse<T>> {
  const res = await fetch(`${prom.url}${pathAndQuery}?${new URLSearchParams(params).toString()}`);
  return (await res.json()) as PromResponse<T>;
}

/** What is wrong with a panel's query over [start, end], or undefined when it returns series. */
async function problem(q: PanelQuery, values: Record<string, string>, start: number, end: number) {
  const expr = substitute(q.expr, values);
  const r = await api<Matrix>('/api/v1/query_range', {
    query: expr,
    start: String(start),
    end: String(end),
    step: '1',
  });
  if (r.status !== 'success') return `${q.panel} [${q.refId}]: ${r.error ?? 'error'} (${expr})`;
  if (r.data.result.length === 0) return `${q.panel} [${q.refId}]: no series (${expr})`;
  return undefined;
}

beforeAll(async () => {
  prom = await prometheus();
  env = await setup('dashboard');
  [cli, dataDir] = await Promise.all([buildCli(), mkdtemp(path.join(tmpdir(), 'gridlake-dashboard-'))]);

  const { logger, lines } = memoryLogger();
  standalone = runStandalone({
    resources: path.join(ROOT, 'examples/embedded'),
    dataDir,
    port: 0,
    host: '127.0.0.1',
    logger,
    env: {},
    stopSignal: new Promise<string>((resolve) => (stop = resolve)),
    pipeline: { simulatedClock: { startMs: START, speed: 600 }, catchUpWaitMs: 20_000 },
  });
  const listening = await waitForLine(
    lines,
    (l) => l['msg'] === 'observe server listening',
    'standalone listening',
    30_000,
  );
  controller = await startController(cli, ['--kubeconfig', env.k.kubeconfig, '--namespace', env.ns], {
    POD_NAMESPACE: env.ns,
  });
  // On a cluster the ServiceMonitor/PodMonitor puts namespace and pod on every series; here the target does.
  const hostPort = (address: string) => new URL(address).host;
  targets = [
    { targets: [hostPort(String(listening['address']))], labels: { namespace: env.ns, pod: 'gridlake-standalone' } },
    { targets: [hostPort(controller.address)], labels: { namespace: env.ns, pod: 'gridlake-controller' } },
  ];
  await ensureTargets();
  await playAgent();
  await waitForLine(lines, (l) => l['msg'] === 'start-up catch-up finished', 'start-up catch-up', 90_000);
}, 180_000);

/**
 * The site panels read what the controller learns from an agent's Lease: a
 * RemoteSite whose Lease this test renews every 2 s with the annotations an
 * agent writes (the agent itself is proven in test/integration/agent/).
 */
const site = `dash${Math.random().toString(36).slice(2, 8)}`;
let renewing: NodeJS.Timeout | undefined;
async function playAgent(): Promise<void> {
  await env.client.request({
    method: 'POST',
    path: '/apis/gridlake.io/v1alpha1/remotesites',
    body: { apiVersion: 'gridlake.io/v1alpha1', kind: 'RemoteSite', metadata: { name: site }, spec: {} },
  });
  const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${siteNamespace(site)}/leases/gridlake-agent`;
  await eventually(
    'the site Lease',
    () => env.client.request({ method: 'GET', path: leasePath }).catch(() => undefined),
    {
      timeoutMs: 30_000,
    },
  );
  const renew = async (): Promise<void> => {
    const now = Date.now();
    const annotations = encodeAgentLease({
      version: 'test',
      spoolRecords: 3,
      spoolBytes: 900,
      spoolLimitBytes: 1 << 20,
      forwardedWatermarks: { [sourceKey('PowerSource', 'kpx')]: now - 300_000 },
    });
    await env.client.request({
      method: 'PATCH',
      path: leasePath,
      contentType: 'application/merge-patch+json',
      body: {
        metadata: { annotations },
        spec: { holderIdentity: 'agent-0/test', renewTime: new Date(now).toISOString().replace('Z', '000Z') },
      },
    });
  };
  await renew();
  renewing = setInterval(() => void renew().catch(() => undefined), 2000);
}

afterAll(async () => {
  if (renewing) clearInterval(renewing);
  await env?.client
    .request({ method: 'DELETE', path: `/apis/gridlake.io/v1alpha1/remotesites/${site}` })
    .catch(() => undefined);
  if (prom && targets.length > 0) await removeTargets();
  stop('SIGTERM');
  await standalone;
  if (controller) await stopController(controller).catch(() => controller?.proc.kill('SIGKILL'));
  await env?.teardown();
  if (cli) await rm(cli, { force: true });
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('the Grafana dashboard', () => {
  it("every panel's query returns series from a scraped pipeline and controller", async () => {
    const dashboard = gridlakeDashboard();
    const ns = env.ns;
    // Enough scrapes of both targets after the catch-up (joins, lake files, sink lag) to fill the rate windows.
    const scraped = `count_over_time(up{namespace="${ns}"}[10m])`;
    await eventually(
      `${SCRAPES_WANTED} scrapes of both targets`,
      async () => {
        await ensureTargets(); // another test may have rewritten the shared file
        const r = await api<{ result: { value: [number, string] }[] }>('/api/v1/query', { query: scraped });
        const counts = r.data.result.map((s) => Number(s.value[1]));
        return counts.length === 2 && counts.every((c) => c >= SCRAPES_WANTED);
      },
      { timeoutMs: 90_000, intervalMs: 1_000 },
    );
    const end = Date.now() / 1000;
    const first = await api<{ result: { value: [number, string] }[] }>('/api/v1/query', {
      query: `min(timestamp(up{namespace="${ns}"} offset ${SCRAPES_WANTED}s))`,
    });
    const start = Number(first.data.result[0]?.value[1] ?? end - SCRAPES_WANTED);

    // Grafana's values for the variables: the test's namespace, every source, a 10 s rate window (1 s scrapes).
    const values = { namespace: ns, source: '.*', __rate_interval: '10s', datasource: 'prometheus' };
    const queries = panelQueries(dashboard);
    const titles = new Set(queries.map((q) => q.panel));
    expect(Object.keys(NOT_YET_PROVEN).filter((t) => !titles.has(t))).toEqual([]);
    const proven = queries.filter((q) => !(q.panel in NOT_YET_PROVEN));
    expect(new Set(proven.map((q) => q.panel)).size).toBeGreaterThanOrEqual(17);

    const problems = (await Promise.all(proven.map((q) => problem(q, values, start, end)))).filter(
      (p): p is string => p !== undefined,
    );
    expect(problems).toEqual([]);

    // The check itself can fail: a misspelled metric is reported with its panel's name.
    const planted = await problem(
      { panel: 'Planted', refId: 'A', expr: 'gridlake_power_demand_megawatt{namespace=~"$namespace"}' },
      values,
      start,
      end,
    );
    expect(planted).toMatch(/^Planted \[A\]: no series/);
    expect(await problem({ panel: 'Broken', refId: 'B', expr: 'sum by (' }, values, start, end)).toMatch(
      /^Broken \[B\]: /,
    );

    // The variables' label_values() queries find the namespace and the sources.
    for (const v of variableQueries(dashboard)) {
      const r = await api<string[]>(`/api/v1/label/${v.label}/values`, {
        'match[]': substitute(v.selector, values),
        start: String(start),
        end: String(end),
      });
      expect(r.status, v.name).toBe('success');
      expect(r.data.length, `variable ${v.name} has no values`).toBeGreaterThan(0);
      if (v.name === 'namespace') expect(r.data).toContain(ns);
      if (v.name === 'source') expect(r.data).toEqual(expect.arrayContaining(['default/kpx-national']));
    }
  }, 150_000);
});
