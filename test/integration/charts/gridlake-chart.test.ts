import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEPLOYMENTS, SECRETS } from '../../../controllers/resources.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { eventually } from '../../eventually.js';
import { helm, type HelmInfo } from '../../infra/index.js';
import { ensureMonitoringCrds } from '../../infra/monitoring-crds.js';
import {
  buildCli,
  startController,
  stopController,
  type ControllerProcess,
} from '../controllers/controller-process.js';
import { create, get, rand, serviceAccountKubeConfig, setup, type Env } from '../controllers/helpers.js';

/**
 * The hub chart, proven by the real tools: helm lints and renders it, its
 * schema refuses hostile values by name, the API server (with the CRDs of
 * kube-prometheus-stack installed) accepts every rendered object, helm
 * installs, upgrades and uninstalls it, and the controller's Deployment,
 * run as a process from what was installed, reconciles.
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const CHART = path.join(ROOT, 'charts/gridlake');
const EXAMPLE_VALUES = path.join(ROOT, 'test/fixtures/charts/gridlake-example-values.yaml');
const DASHBOARD_FIXTURES = path.join(ROOT, 'test/fixtures/charts/dashboards');
const exec = promisify(execFile);

/** Every controller but RemoteSite, which is cluster-wide and belongs to remote-site.test.ts. */
const NAMESPACED_CONTROLLERS = 'PowerSource,WeatherSource,LakeSink,DailyJoin,DailyJoinRun';

let h: HelmInfo;
let env: Env;

const runHelm = (...args: string[]) =>
  exec(h.helm, args, { env: { ...process.env, ...h.env, KUBECONFIG: env.k.kubeconfig } });
const kubectl = (...args: string[]) => exec(env.k.kubectl, ['--kubeconfig', env.k.kubeconfig, ...args]);

async function kubectlStdin(input: string, ...args: string[]): Promise<string> {
  const child = exec(env.k.kubectl, ['--kubeconfig', env.k.kubeconfig, ...args]);
  child.child.stdin!.end(input);
  return (await child).stdout;
}

async function render(chart: string, ...args: string[]): Promise<{ text: string; objects: KubeObject[] }> {
  const { stdout } = await runHelm('template', 'gl', chart, '-n', env.ns, ...args);
  const objects = parseAllDocuments(stdout)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null);
  return { text: stdout, objects };
}

/** helm's refusal of `args`, as text ('' when it renders). */
async function refusal(...args: string[]): Promise<string> {
  try {
    await runHelm('template', 'gl', CHART, ...args);
    return '';
  } catch (err) {
    return (err as { stderr?: string }).stderr ?? String(err);
  }
}

interface PodSpec {
  securityContext?: Record<string, unknown>;
  containers: {
    name: string;
    args?: string[];
    env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
    securityContext?: Record<string, unknown>;
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  }[];
}

const podSpecOf = (o: KubeObject): PodSpec | undefined =>
  (o['spec'] as { template?: { spec?: PodSpec } } | undefined)?.template?.spec;

beforeAll(async () => {
  [h, env] = await Promise.all([helm(), setup('chart')]);
  await ensureMonitoringCrds(env.k);
}, 180_000);
afterAll(async () => {
  await env?.teardown();
});

describe('the hub chart, rendered', () => {
  it('lints strictly with the default and the example values', async () => {
    for (const extra of [[], ['-f', EXAMPLE_VALUES]]) {
      const { stdout } = await runHelm('lint', '--strict', CHART, ...extra);
      expect(stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    }
  });

  it('refuses hostile values with a message naming the value', async () => {
    expect(await refusal()).toBe('');
    expect(await refusal('-f', EXAMPLE_VALUES)).toBe('');
    const cases: [string[], RegExp][] = [
      [['--set', 'controller.replicas=two'], /\/controller\/replicas'?: got string, want integer/],
      [['--set', 'controller.replicas=0'], /\/controller\/replicas'?: minimum/],
      [['--set', 'controller.resources.limits.memory=-1Gi'], /\/controller\/resources\/limits\/memory/],
      [['--set', 'controller.resources.limits.cpu=-1'], /\/controller\/resources\/limits\/cpu'?: minimum: got -1/],
      [
        ['--set', 'controller.resources.limits.memory=null'],
        /\/controller\/resources\/limits'?: missing property 'memory'/,
      ],
      [['--set', 'metrics.port=70000'], /\/metrics\/port'?: maximum/],
      [['--set', 'controller.logLevel=loud'], /\/controller\/logLevel/],
      [['--set', 'controller.replica=1'], /additional properties 'replica' not allowed/],
      [['--set', 'kafka.brokers=kafka'], /\/kafka\/brokers/],
    ];
    for (const [args, message] of cases) {
      const text = await refusal(...args);
      expect(text, args.join(' ')).toContain("values don't meet the specifications of the schema");
      expect(text, args.join(' ')).toMatch(message);
    }
  });

  it('makes every pod non-root, read-only, without capabilities, seccomp RuntimeDefault, with requests and a memory limit', async () => {
    for (const extra of [[], ['-f', EXAMPLE_VALUES]]) {
      const { objects } = await render(CHART, ...extra);
      const pods = objects.filter((o) => podSpecOf(o));
      expect(pods.map((o) => o.kind)).toEqual(['Deployment']);
      for (const o of pods) {
        const spec = podSpecOf(o)!;
        expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
        for (const c of spec.containers) {
          expect(c.securityContext, c.name).toMatchObject({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          });
          expect(Object.keys(c.resources?.requests ?? {}).sort(), c.name).toEqual(['cpu', 'memory']);
          expect(c.resources?.limits?.['memory'], c.name).toBeDefined();
        }
      }
    }
  });

  it('renders one ConfigMap per dashboard file, labelled for the Grafana sidecar', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gridlake-chart-'));
    try {
      const chart = path.join(dir, 'gridlake');
      cpSync(CHART, chart, { recursive: true });
      cpSync(DASHBOARD_FIXTURES, path.join(chart, 'files/dashboards'), { recursive: true });
      const files = readdirSync(path.join(chart, 'files/dashboards')).filter((f) => f.endsWith('.json'));
      expect(files).toEqual(expect.arrayContaining(['placeholder-one.json', 'placeholder_two.json']));
      // A file that is not a dashboard is not wrapped.
      writeFileSync(path.join(chart, 'files/dashboards/notes.txt'), 'not a dashboard');

      const off = await render(chart);
      expect(off.objects.filter((o) => o.kind === 'ConfigMap')).toEqual([]);

      const { objects } = await render(chart, '--set', 'dashboards.enabled=true');
      const maps = objects.filter((o) => o.kind === 'ConfigMap');
      expect(maps).toHaveLength(files.length);
      for (const file of files) {
        const map = maps.find((m) => Object.keys((m['data'] as Record<string, string>) ?? {}).includes(file));
        expect(map, file).toBeDefined();
        expect(map!.metadata.labels?.['grafana_dashboard']).toBe('1');
        expect(map!.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
        const json = (map!['data'] as Record<string, string>)[file]!;
        expect(JSON.parse(json)).toEqual(JSON.parse(readFileSync(path.join(chart, 'files/dashboards', file), 'utf8')));
      }
      // The API server takes them as they are.
      await kubectlStdin(
        objects
          .filter((o) => o.kind === 'ConfigMap')
          .map((o) => JSON.stringify(o))
          .join('\n'),
        'apply',
        '--server-side',
        '--dry-run=server',
        '-n',
        env.ns,
        '-f',
        '-',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the monitoring objects meet their real CRDs: a broken ServiceMonitor is refused by the API server', async () => {
    const broken = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'broken' },
      spec: { selector: {}, endpoints: [{ port: 'metrics', interval: 'often' }] },
    };
    await expect(
      kubectlStdin(JSON.stringify(broken), 'apply', '--dry-run=server', '-n', env.ns, '-f', '-'),
    ).rejects.toThrow(/interval/);
  });

  it('the default and the example renderings are accepted by the API server (--dry-run=server)', async () => {
    for (const extra of [[], ['-f', EXAMPLE_VALUES, '--set', `networkPolicy.workerNamespaces={${env.ns}}`]]) {
      const { text, objects } = await render(CHART, ...extra);
      // Server-side apply, as helm writes: no last-applied annotation, whose 256 KiB limit a dashboard could pass.
      const out = await kubectlStdin(text, 'apply', '--server-side', '--dry-run=server', '-n', env.ns, '-f', '-');
      const accepted = out.split('\n').filter((l) => l.includes('(server dry run)'));
      expect(accepted, out).toHaveLength(objects.length);
      if (extra.length > 0) {
        const kinds = new Set(objects.map((o) => o.kind));
        for (const kind of [
          'ServiceMonitor',
          'PodMonitor',
          'PrometheusRule',
          'NetworkPolicy',
          'PodDisruptionBudget',
          'PowerSource',
          'WeatherSource',
          'LakeSink',
          'DailyJoin',
        ])
          expect(kinds, kind).toContain(kind);
      }
    }
  }, 120_000);
});

describe('the hub chart, installed', () => {
  let controller: ControllerProcess | undefined;
  afterAll(async () => {
    if (controller) await stopController(controller).catch(() => undefined);
  });

  it('installs, upgrades (rolling the controller), runs as the installed Deployment says, and uninstalls keeping the CRDs', async () => {
    const { ns } = env;
    const release = `gl-${rand()}`;
    const deployName = `${release}-gridlake-controller`;
    const common = [
      '-n',
      ns,
      '-f',
      EXAMPLE_VALUES,
      '--set',
      `controller.watchNamespace=${ns}`,
      '--set',
      // helm's --set splits on commas unless escaped
      `controller.controllers=${NAMESPACED_CONTROLLERS.replaceAll(',', '\\,')}`,
      '--set',
      `networkPolicy.workerNamespaces={${ns}}`,
      // no kubelet or scheduler here: nothing would ever become ready
      '--wait=false',
    ];
    const installed = await runHelm('install', release, CHART, ...common);
    expect(installed.stdout).toContain('STATUS: deployed');
    for (const next of ['kubectl get gridlake -A', 'gridlake status --cluster', 'grafana_dashboard=1'])
      expect(installed.stdout, next).toContain(next);

    const before = (await get(env.client, DEPLOYMENTS, ns, deployName))!;
    const beforeSpec = podSpecOf(before)!;
    expect(beforeSpec.containers[0]!.env).toContainEqual({ name: 'GRIDLAKE_LOG_LEVEL', value: 'info' });

    // A changed value rolls the controller: a new pod template, so a new generation and ReplicaSet.
    const upgraded = await runHelm('upgrade', release, CHART, ...common, '--set', 'controller.logLevel=debug');
    expect(upgraded.stdout).toContain('STATUS: deployed');
    const after = (await get(env.client, DEPLOYMENTS, ns, deployName))!;
    expect(after.metadata.generation).toBe((before.metadata.generation ?? 0) + 1);
    expect(podSpecOf(after)!.containers[0]!.env).toContainEqual({ name: 'GRIDLAKE_LOG_LEVEL', value: 'debug' });

    // Play the kubelet: run the installed container's command line and environment as a process,
    // with the chart's ServiceAccount's token as its in-cluster identity.
    const container = podSpecOf(after)!.containers[0]!;
    const args = container.args ?? [];
    expect(args[0]).toBe('controller');
    expect(args).toContain('--metrics-port=9464');
    const podName = `${deployName}-0-test`;
    const procEnv: Record<string, string> = {};
    for (const e of container.env ?? []) {
      const field = e.valueFrom?.fieldRef?.fieldPath;
      if (field === 'metadata.name') procEnv[e.name] = podName;
      else if (field === 'metadata.namespace') procEnv[e.name] = ns;
      else if (e.value !== undefined) procEnv[e.name] = e.value;
      else throw new Error(`env ${e.name}: a source this test does not play`);
    }
    const sa = (after['spec'] as { template: { spec: { serviceAccountName: string } } }).template.spec
      .serviceAccountName;
    const kc = await serviceAccountKubeConfig(env, ns, sa);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gridlake-chart-sa-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kc.exportConfig());
    await create(env.client, SECRETS, ns, { metadata: { name: 'data-go-kr' }, stringData: { serviceKey: 'k' } });

    const cli = await buildCli();
    // The metrics port becomes 0 (any free port): 9464 may be taken on a shared test machine.
    controller = await startController(
      cli,
      args.slice(1).filter((a) => !a.startsWith('--metrics-port=')),
      { ...procEnv, KUBECONFIG: kubeconfig },
    );
    // It leads through the chart's Lease, as the pod named by POD_NAME.
    await eventually(
      'the release Lease held by the process',
      async () => {
        const { stdout } = await kubectl('-n', ns, 'get', 'lease', deployName, '-o', 'jsonpath={.spec.holderIdentity}');
        return stdout === podName;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    // It reconciles the chart's example PowerSource into its collector.
    const collector = await eventually(
      'kpx-national-collector',
      () => get(env.client, DEPLOYMENTS, ns, 'kpx-national-collector'),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const readyz = await fetch(`${controller.address}/readyz`);
    expect(readyz.status).toBe(200);
    expect((await fetch(`${controller.address}/healthz`)).status).toBe(200);

    // The chart's PodMonitor selects the pods the operator makes.
    const podMonitor = (await render(CHART, ...common.filter((a) => a !== '--wait=false'))).objects.find(
      (o) => o.kind === 'PodMonitor',
    )!;
    const selector = (
      podMonitor['spec'] as {
        selector: {
          matchLabels: Record<string, string>;
          matchExpressions: { key: string; operator: string; values: string[] }[];
        };
      }
    ).selector;
    const podLabels = (collector['spec'] as { template: { metadata: { labels: Record<string, string> } } }).template
      .metadata.labels;
    expect(podLabels).toMatchObject(selector.matchLabels);
    for (const m of selector.matchExpressions) expect(m.values, m.key).toContain(podLabels[m.key]);
    expect(JSON.stringify(podSpecOf(collector)!.containers[0])).toContain('"name":"metrics"');

    await stopController(controller);
    controller = undefined;
    rmSync(dir, { recursive: true, force: true });

    const removed = await runHelm('uninstall', release, '-n', ns);
    expect(removed.stdout).toContain(`release "${release}" uninstalled`);
    expect(await get(env.client, DEPLOYMENTS, ns, deployName)).toBeUndefined();
    await expect(kubectl('get', 'clusterrole', deployName)).rejects.toThrow(/NotFound/);
    // Helm never deletes what crds/ installed: the CRDs, and so every resource, stay.
    const { stdout: crds } = await kubectl('get', 'crd', '-o', 'name');
    for (const plural of ['powersources', 'weathersources', 'lakesinks', 'dailyjoins', 'dailyjoinruns', 'remotesites'])
      expect(crds).toContain(`${plural}.gridlake.io`);
  }, 240_000);
});
