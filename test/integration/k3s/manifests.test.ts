import { execFile, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_TOPIC, POWER_TOPIC, WEATHER_TOPIC } from '../../../src/api/defaults.js';
import { helm, kube, type KubeInfo } from '../../infra/index.js';
import { systemBinary, toolPath } from '../../infra/tools.js';

/**
 * k3s/: the hub on EC2 and a remote site, as cloud-init, shell and manifests.
 * No k3s runs here, so each file is checked by the tool that would consume it:
 * shellcheck for the scripts, `nft -c` for the site firewall, the real API
 * server (`kubectl apply --dry-run=server`, with k3s' HelmChart CRD built from
 * its Go module) for the manifests, helm with the chart's schema for the
 * values they carry. Strimzi publishes its CRDs in no registry we can reach
 * (only its GitHub releases): its resources are checked here for what gridlake
 * depends on (topic names, the site user's ACLs), not by the API server.
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const K3S = path.join(ROOT, 'k3s');
const exec = promisify(execFile);
const HUB_PUBLIC_IP = '203.0.113.10';

/** What install.sh does to a manifest: ${NAME} placeholders replaced. */
function render(file: string, chartTgzBase64 = ''): string {
  return readFileSync(file, 'utf8')
    .replaceAll('${HUB_PUBLIC_IP}', HUB_PUBLIC_IP)
    .replaceAll('${HUB_PRIVATE_IP}', '10.0.1.10')
    .replaceAll('${GRIDLAKE_CHART_TGZ_BASE64}', chartTgzBase64);
}

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
}
const docsOf = (text: string): Doc[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as Doc)
    .filter(Boolean);
const manifestFiles = (): string[] =>
  readdirSync(path.join(K3S, 'ec2/manifests'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => path.join(K3S, 'ec2/manifests', f));
const shellScripts = (): string[] => {
  const found = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.sh', '.ci/run'], {
    cwd: ROOT,
    encoding: 'utf8',
  }).stdout;
  return found.split('\n').filter((f) => f !== '');
};

let k: KubeInfo;
const kubectl = (args: readonly string[], input?: string) => {
  const child = exec(k.kubectl, ['--kubeconfig', k.kubeconfig, ...args]);
  if (input !== undefined) child.child.stdin!.end(input);
  return child;
};

beforeAll(async () => {
  k = await kube();
  // k3s makes these CRDs at start-up; the test infra builds them from the Helm controller's module.
  await kubectl(['apply', '--server-side', '-f', toolPath('k3s-helmchart-crds')]);
  await kubectl(['wait', '--for=condition=Established', 'crd/helmcharts.helm.cattle.io', '--timeout=60s']);
}, 120_000);

describe('k3s/', () => {
  it('every shell script passes shellcheck', async () => {
    const scripts = shellScripts();
    expect(scripts).toEqual(expect.arrayContaining(['k3s/ec2/install.sh', 'k3s/naver/install.sh']));
    const r = spawnSync(systemBinary('shellcheck'), ['-x', ...scripts], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it("the site's firewall is valid nftables and admits no inbound connection but SSH", () => {
    const file = path.join(K3S, 'naver/nftables.conf');
    const r = spawnSync(systemBinary('nft'), ['-c', '-f', file], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/chain input \{\s*type filter hook input priority filter; policy drop;/);
    expect(text).not.toMatch(/^\s*flush ruleset/m);
    const dports = [...text.matchAll(/dport (\S+) accept/g)].map((m) => m[1]);
    expect(dports).toEqual(['22']);
  });

  it('cloud-init user data is #cloud-config YAML whose commands run scripts that exist', () => {
    for (const site of ['ec2', 'naver']) {
      const text = readFileSync(path.join(K3S, site, 'cloud-init.yaml'), 'utf8');
      expect(text.startsWith('#cloud-config\n'), site).toBe(true);
      const data = parse(text) as { runcmd: string[][] };
      const scripts = data.runcmd.flatMap((c) =>
        [...c.join(' ').matchAll(/\/opt\/gridlake\/(\S+\.sh)/g)].map((m) => m[1]!),
      );
      expect(scripts, site).toEqual([`k3s/${site}/install.sh`]);
    }
  });

  it("the hub's k3s config parses and carries the hardening", () => {
    const config = parse(render(path.join(K3S, 'ec2/config.yaml'))) as Record<string, unknown>;
    expect(config['secrets-encryption']).toBe(true);
    expect(config['tls-san']).toEqual([HUB_PUBLIC_IP]);
    expect(config['node-external-ip']).toBe(HUB_PUBLIC_IP);
    expect(config['kube-apiserver-arg']).toEqual(
      expect.arrayContaining([
        'audit-policy-file=/etc/rancher/k3s/audit-policy.yaml',
        'audit-log-path=/var/log/k3s/audit.log',
      ]),
    );
    const policy = parse(readFileSync(path.join(K3S, 'ec2/audit-policy.yaml'), 'utf8')) as {
      kind: string;
      rules: unknown[];
    };
    expect(policy.kind).toBe('Policy');
    expect(policy.rules.length).toBeGreaterThan(0);
  });

  it('every manifest the API server knows is accepted by it (dry-run=server)', async () => {
    const h = await helm();
    const { stdout } = await exec(h.helm, ['package', path.join(ROOT, 'charts/gridlake'), '--destination', '/tmp'], {
      env: { ...process.env, ...h.env },
    });
    const tgz = /saved it to: (\S+)/.exec(stdout)?.[1];
    expect(tgz).toBeDefined();
    const chart = readFileSync(tgz!).toString('base64');
    const known = new Set(['v1/Namespace', 'helm.cattle.io/v1/HelmChart']);
    const checked: string[] = [];
    for (const file of manifestFiles()) {
      const docs = docsOf(render(file, chart));
      const applicable = docs.filter((d) => known.has(`${d.apiVersion}/${d.kind}`));
      if (applicable.length === 0) continue;
      const text = applicable.map((d) => JSON.stringify(d)).join('\n');
      // Namespaces first, in their own call: a dry-run does not create them for the objects after.
      const { stdout: out } = await kubectl(['apply', '--dry-run=server', '-f', '-'], text);
      checked.push(...out.trim().split('\n'));
    }
    expect(checked).toEqual(
      expect.arrayContaining([
        'helmchart.helm.cattle.io/strimzi created (server dry run)',
        'helmchart.helm.cattle.io/minio created (server dry run)',
        'helmchart.helm.cattle.io/kube-prometheus-stack created (server dry run)',
        'helmchart.helm.cattle.io/gridlake created (server dry run)',
      ]),
    );
  }, 120_000);

  it('the check can fail: the HelmChart schema refuses a wrong type', async () => {
    const bad = {
      apiVersion: 'helm.cattle.io/v1',
      kind: 'HelmChart',
      metadata: { name: 'bad', namespace: 'kube-system' },
      spec: { chart: 5 },
    };
    const refused = await kubectl(['apply', '--dry-run=server', '-f', '-'], JSON.stringify(bad)).then(
      () => '',
      (err: { stderr?: string }) => err.stderr ?? '',
    );
    expect(refused).toMatch(/spec\.chart: Invalid value: "integer": spec\.chart in body must be of type string/);
  });

  it("the gridlake HelmChart's values pass the chart's schema and render", async () => {
    const docs = manifestFiles().flatMap((f) => docsOf(render(f)));
    const gridlake = docs.find((d) => d.kind === 'HelmChart' && d.metadata.name === 'gridlake');
    const values = gridlake?.spec?.['valuesContent'];
    expect(typeof values).toBe('string');
    const h = await helm();
    const child = exec(h.helm, ['template', 'gridlake', path.join(ROOT, 'charts/gridlake'), '-f', '-'], {
      env: { ...process.env, ...h.env },
    });
    child.child.stdin!.end(values as string);
    const { stdout } = await child;
    const kinds = docsOf(stdout).map((d) => d.kind);
    expect(kinds).toEqual(expect.arrayContaining(['Deployment', 'PrometheusRule', 'ServiceMonitor', 'PodMonitor']));
    expect(stdout).toContain('hub-kafka-bootstrap.kafka.svc:9092');
  });

  it("Strimzi's topics and the site user's ACLs name gridlake's topics, write only", () => {
    const docs = docsOf(render(path.join(K3S, 'ec2/manifests/20-kafka.yaml')));
    const topics = docs.filter((d) => d.kind === 'KafkaTopic').map((d) => d.metadata.name);
    expect(topics.sort()).toEqual([DEAD_LETTER_TOPIC, POWER_TOPIC, WEATHER_TOPIC].sort());
    const user = docs.find((d) => d.kind === 'KafkaUser');
    const spec = user?.spec as {
      authentication: { type: string };
      authorization: {
        acls: { resource: { type: string; name: string; patternType: string }; operations: string[] }[];
      };
    };
    expect(spec.authentication.type).toBe('scram-sha-512');
    expect(spec.authorization.acls.map((a) => a.resource.name).sort()).toEqual(topics.sort());
    for (const acl of spec.authorization.acls) {
      expect(acl.resource).toMatchObject({ type: 'topic', patternType: 'literal' });
      expect(acl.operations.sort()).toEqual(['Describe', 'Write']);
    }
    const kafka = docs.find((d) => d.kind === 'Kafka')?.spec as {
      kafka: { listeners: { name: string; type: string; tls: boolean; authentication?: { type: string } }[] };
    };
    const external = kafka.kafka.listeners.filter((l) => l.type !== 'internal');
    expect(external).toEqual([expect.objectContaining({ tls: true, authentication: { type: 'scram-sha-512' } })]);
  });
});
