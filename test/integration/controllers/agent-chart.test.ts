import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { helm, kube, type HelmInfo, type KubeInfo } from '../../infra/index.js';

const exec = promisify(execFile);
const CHART = path.resolve(import.meta.dirname, '../../../charts/gridlake-agent');
const EXAMPLE = path.join(CHART, 'ci/example-values.yaml');
/** The smallest install: required values only, credentials from Secrets made beforehand. */
const MINIMAL = [
  '--set',
  'site=naver',
  '--set',
  'bootstrap.existingSecret=agent-bootstrap',
  '--set',
  'kafka.existingSecret=agent-kafka',
  '--set',
  'kafka.brokers[0]=kafka.hub.example.com:9094',
];

let h: HelmInfo;
let k: KubeInfo;
let ns: string;

const helmRun = (...args: string[]) => exec(h.helm, args, { env: { ...process.env, ...h.env } });
const template = async (...args: string[]) => (await helmRun('template', 'site', CHART, '-n', ns, ...args)).stdout;

/** `helm template` refused: its error text. */
async function refusal(...args: string[]): Promise<string> {
  try {
    await template(...args);
  } catch (err) {
    return (err as { stderr?: string }).stderr ?? String(err);
  }
  throw new Error(`helm template accepted ${args.join(' ')}`);
}

/** `kubectl apply --dry-run=server`: the real API server validates every object (schemas, defaults, admission). */
function dryRunApply(manifests: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(k.kubectl, ['--kubeconfig', k.kubeconfig, 'apply', '--dry-run=server', '-n', ns, '-f', '-']);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`kubectl apply exited ${code}: ${out}`))));
    child.stdin.end(manifests);
  });
}

type Obj = { kind: string; metadata: { name: string }; spec: Record<string, unknown> };
const objects = (text: string) =>
  parseAllDocuments(text)
    .map((d) => d.toJSON() as Obj | null)
    .filter((o): o is Obj => o !== null);

beforeAll(async () => {
  [h, k] = await Promise.all([helm(), kube()]);
  ns = `agent-chart-${randomUUID().slice(0, 8)}`;
  await exec(k.kubectl, ['--kubeconfig', k.kubeconfig, 'create', 'namespace', ns]);
}, 120_000);

describe('charts/gridlake-agent', () => {
  it('lints strictly', async () => {
    const { stdout } = await helmRun('lint', '--strict', CHART, '--values', EXAMPLE);
    expect(stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it('renders what the real API server accepts, with the example values and with the minimal install', async () => {
    const example = await dryRunApply(await template('--values', EXAMPLE));
    for (const o of ['secret/site-gridlake-agent-bootstrap', 'secret/site-gridlake-agent-kafka'])
      expect(example).toContain(`${o} created (server dry run)`);
    expect(example).toContain('persistentvolumeclaim/site-gridlake-agent-spool created (server dry run)');
    expect(example).toContain('deployment.apps/site-gridlake-agent created (server dry run)');
    const minimal = await dryRunApply(await template(...MINIMAL));
    expect(minimal).toContain('deployment.apps/site-gridlake-agent created (server dry run)');
    expect(minimal).not.toContain('secret/'); // the credentials come from the Secrets named
  });

  it('runs one agent, locked down, with the spool on the PVC and the agent flags', async () => {
    const deploy = objects(await template('--values', EXAMPLE)).find((o) => o.kind === 'Deployment')!;
    const spec = deploy.spec as {
      replicas: number;
      strategy: { type: string };
      template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } };
    };
    expect(spec.replicas).toBe(1);
    expect(spec.strategy.type).toBe('Recreate');
    const pod = spec.template.spec;
    expect(pod['automountServiceAccountToken']).toBe(false);
    expect(pod['securityContext']).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const c = pod.containers[0] as {
      args: string[];
      securityContext: Record<string, unknown>;
      volumeMounts: { name: string; mountPath: string }[];
      livenessProbe: unknown;
      readinessProbe: unknown;
    };
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.args).toEqual([
      'agent',
      '--site=naver',
      '--bootstrap-kubeconfig=/etc/gridlake/bootstrap/kubeconfig',
      '--state-dir=/var/lib/gridlake',
      '--spool-limit-bytes=4294967296',
      '--kafka-brokers=kafka.hub.example.com:9094',
      '--kafka-ca-file=/etc/gridlake/kafka/ca.crt',
      '--kafka-username=$(GRIDLAKE_KAFKA_USERNAME)',
      '--kafka-password-file=/etc/gridlake/kafka/password',
      '--heartbeat-seconds=10',
      '--metrics-port=9464',
    ]);
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/healthz' } });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/readyz' } });
    expect(c.volumeMounts).toContainEqual({ name: 'state', mountPath: '/var/lib/gridlake' });
    expect(pod['volumes']).toContainEqual({
      name: 'state',
      persistentVolumeClaim: { claimName: 'site-gridlake-agent-spool' },
    });
  });

  it.each([
    ['no site (the defaults alone)', [], "at '/site'"],
    ['a negative spool bound', ['--set', 'spool.limitBytes=-5'], "at '/spool/limitBytes'"],
    ['a spool bound that is not a number', ['--set-string', 'spool.limitBytes=lots'], "at '/spool/limitBytes'"],
    ['a negative PVC size', ['--set', 'spool.size=-1Gi'], "at '/spool/size'"],
    ['a heartbeat that is not a number', ['--set-string', 'heartbeatSeconds=ten'], "at '/heartbeatSeconds'"],
    ['a privileged metrics port', ['--set', 'metrics.port=80'], "at '/metrics/port'"],
    ['a misspelt value', ['--set', 'spool.limtBytes=1'], "'limtBytes' not allowed"],
    ['a broker without a port', ['--set', 'kafka.brokers[0]=kafka.hub'], "at '/kafka/brokers/0'"],
    ['two bootstrap credentials', ['--set', 'bootstrap.existingSecret=x'], 'exactly one of bootstrap.existingSecret'],
  ])('refuses %s, naming the value', async (_, args, message) => {
    const base = args.length === 0 ? [] : ['--values', EXAMPLE];
    expect(await refusal(...base, ...args)).toContain(message);
  });
});
