import { mkdir, readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import type { KubeInfo } from '../types.js';
import { freePort, httpOk, runCommand, startProcess, waitUntil, type ManagedProcess } from '../process.js';
import { makeServerPki } from '../pki.js';
import { toolPath } from '../tools.js';

const ADMIN_TOKEN = 'gridlake-admin-token';
const OPERATOR_TOKEN = 'gridlake-operator-token';

export interface KubeOptions {
  /**
   * Serve on this IPv4 address instead of 127.0.0.1 (its own folder, certificates with the address
   * in their SANs): the hub address of a site network (test/infra/netns.ts), so an agent in another
   * namespace can reach it. The shared server of the test run never sets it.
   */
  readonly address?: string;
}

/**
 * A real control plane the way kubebuilder's envtest runs one: etcd,
 * kube-apiserver with serving certs, service-account keys and static tokens,
 * plus kube-controller-manager so garbage collection and the Deployment and
 * Job controllers are real. There is no kubelet or scheduler: pods stay Pending.
 */
export async function startKube(
  runDir: string,
  options: KubeOptions = {},
): Promise<{ info: KubeInfo; procs: ManagedProcess[] }> {
  const host = options.address ?? '127.0.0.1';
  const dir = path.join(runDir, options.address === undefined ? 'kube' : `kube-${options.address}`);
  const pki = path.join(dir, 'pki');
  await mkdir(pki, { recursive: true });
  await makeCertificates(pki, options.address === undefined ? [] : [options.address]);
  const [etcdClient, etcdPeer, apiPort, kcmPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const procs: ManagedProcess[] = [];
  try {
    const etcd = startProcess({
      name: 'etcd',
      command: toolPath('etcd'),
      args: [
        '--name=t',
        `--data-dir=${path.join(dir, 'etcd-data')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
        `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
        `--initial-cluster=t=http://127.0.0.1:${etcdPeer}`,
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      logFile: path.join(dir, 'etcd.log'),
    });
    procs.push(etcd);
    const etcdEndpoint = `http://127.0.0.1:${etcdClient}`;
    await waitUntil('etcd', () => httpOk(`${etcdEndpoint}/health`), { timeoutMs: 30_000, proc: etcd });

    const server = `https://${host}:${apiPort}`;
    const apiserver = startProcess({
      name: 'kube-apiserver',
      command: toolPath('kube-apiserver'),
      args: [
        `--etcd-servers=${etcdEndpoint}`,
        `--bind-address=${host}`,
        `--advertise-address=${host}`,
        `--secure-port=${apiPort}`,
        `--tls-cert-file=${pki}/apiserver.crt`,
        `--tls-private-key-file=${pki}/apiserver.key`,
        `--client-ca-file=${pki}/ca.crt`,
        '--service-cluster-ip-range=10.0.0.0/24',
        `--service-account-issuer=${server}/`,
        `--service-account-key-file=${pki}/sa.pub`,
        `--service-account-signing-key-file=${pki}/sa.key`,
        '--authorization-mode=RBAC',
        `--token-auth-file=${pki}/tokens.csv`,
        // No kubelet will ever mount a token, and this lets pods be created without waiting for default ServiceAccounts.
        '--disable-admission-plugins=ServiceAccount',
        '--allow-privileged=true',
        `--cert-dir=${path.join(dir, 'certs')}`,
        '--v=1',
      ],
      logFile: path.join(dir, 'kube-apiserver.log'),
    });
    procs.push(apiserver);
    const ca = path.join(pki, 'ca.crt');
    await waitUntil('kube-apiserver', () => curlOk(`${server}/readyz`, ca), {
      timeoutMs: 90_000,
      proc: apiserver,
      intervalMs: 250,
    });

    const kubeconfig = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfig, kubeconfigYaml(server, ca, pki));
    const kcm = startProcess({
      name: 'kube-controller-manager',
      command: toolPath('kube-controller-manager'),
      args: [
        `--kubeconfig=${kubeconfig}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        `--service-account-private-key-file=${pki}/sa.key`,
        `--root-ca-file=${ca}`,
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        `--secure-port=${kcmPort}`,
        '--controllers=*',
        '--concurrent-gc-syncs=5',
        '--v=1',
      ],
      logFile: path.join(dir, 'kube-controller-manager.log'),
    });
    procs.push(kcm);
    await waitUntil('kube-controller-manager', () => curlOk(`https://127.0.0.1:${kcmPort}/healthz`), {
      timeoutMs: 60_000,
      proc: kcm,
      intervalMs: 250,
    });
    return {
      info: {
        server,
        kubeconfig,
        caFile: ca,
        adminToken: ADMIN_TOKEN,
        operatorToken: OPERATOR_TOKEN,
        kubectl: toolPath('kubectl'),
        etcdEndpoint,
      },
      procs,
    };
  } catch (err) {
    for (const p of procs.reverse()) await p.stop();
    throw err;
  }
}

/** GET over TLS trusting our CA (or any certificate, for components with self-signed serving certs). */
async function curlOk(url: string, caFile?: string): Promise<boolean> {
  const ca = caFile ? await readFile(caFile) : undefined;
  return new Promise((resolve) => {
    const req = https.get(url, { ca, rejectUnauthorized: ca !== undefined, timeout: 2000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 300);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

async function makeCertificates(pki: string, extraIps: readonly string[]): Promise<void> {
  const o = (args: string[]) => runCommand('openssl', args, { cwd: pki });
  const sans = ['IP:127.0.0.1', ...extraIps.map((ip) => `IP:${ip}`), 'DNS:localhost', 'DNS:kubernetes'];
  sans.push('DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'IP:10.0.0.1');
  await makeServerPki(pki, { caName: 'gridlake-test-ca', name: 'apiserver', sans, days: 3650 });
  await o(['genrsa', '-out', 'sa.key', '2048']);
  await o(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
  await writeFile(
    path.join(pki, 'tokens.csv'),
    `${ADMIN_TOKEN},admin,admin-uid,"system:masters"\n${OPERATOR_TOKEN},operator,operator-uid,"gridlake-operators"\n`,
  );
}

function kubeconfigYaml(server: string, ca: string, _pki: string): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: ${server}
    certificate-authority: ${ca}
users:
- name: admin
  user:
    token: ${ADMIN_TOKEN}
- name: operator
  user:
    token: ${OPERATOR_TOKEN}
contexts:
- name: admin
  context: { cluster: test, user: admin }
- name: operator
  context: { cluster: test, user: operator }
current-context: admin
`;
}
