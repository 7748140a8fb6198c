import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where ensure-tools.sh caches what it builds, and the pinned versions. */
const here = path.dirname(fileURLToPath(import.meta.url));

export const TOOLS_DIR = process.env['GRIDLAKE_TOOLS'] ?? path.join(os.homedir(), '.cache', 'gridlake-test', 'tools');

function readVersions(): Record<string, string> {
  const text = readFileSync(path.join(here, 'tools', 'versions.env'), 'utf8');
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

export const VERSIONS = readVersions();

function version(name: string): string {
  const v = VERSIONS[name];
  if (!v) throw new Error(`test/infra/tools/versions.env has no ${name}`);
  return v;
}

/** Path of a cached tool binary; throws with the fix when it is missing. */
export function toolPath(
  tool:
    | 'kafka-libs'
    | 'etcd'
    | 'minio'
    | 'helm'
    | 'kube-apiserver'
    | 'kube-controller-manager'
    | 'kubectl'
    | 'k3s-helmchart-crds'
    | 'monitoring-crds',
): string {
  const p = (() => {
    switch (tool) {
      case 'kafka-libs':
        return path.join(TOOLS_DIR, `kafka-${version('KAFKA_VERSION')}`, 'libs');
      case 'etcd':
        return path.join(TOOLS_DIR, `etcd-${version('ETCD_VERSION')}`, 'bin', 'etcd');
      case 'minio':
        return path.join(TOOLS_DIR, `minio-${version('MINIO_VERSION')}`, 'bin', 'minio');
      case 'helm':
        return path.join(TOOLS_DIR, `helm-${version('HELM_VERSION')}`, 'bin', 'helm');
      case 'k3s-helmchart-crds':
        return path.join(
          TOOLS_DIR,
          `k3s-helm-controller-${version('K3S_HELM_CONTROLLER_VERSION')}`,
          'helmchart-crds.yaml',
        );
      // the folder of kube-prometheus-stack's ServiceMonitor, PodMonitor and PrometheusRule CRDs
      case 'monitoring-crds':
        return path.join(TOOLS_DIR, `prometheus-operator-crds-${version('PROMETHEUS_OPERATOR_VERSION')}`, 'crds');
      default:
        return path.join(TOOLS_DIR, `kubernetes-${version('K8S_VERSION')}`, 'bin', tool);
    }
  })();
  if (!existsSync(p)) {
    throw new Error(`${tool} is not built (${p} missing): run \`npm run tools\` (test/infra/tools/ensure-tools.sh)`);
  }
  return p;
}

/** A Debian-installed binary, searched in the usual places. */
export function systemBinary(name: string, extraDirs: readonly string[] = []): string {
  const dirs = [...extraDirs, '/usr/sbin', '/usr/bin', '/usr/local/bin', '/usr/local/sbin'];
  for (const d of dirs) {
    const p = path.join(d, name);
    if (existsSync(p)) return p;
  }
  throw new Error(`${name} not found in ${dirs.join(', ')}: run \`npm run tools\` (it installs Debian packages)`);
}

/** Newest PostgreSQL server bin folder from Debian's postgresql-NN packages. */
export function postgresBinDir(): string {
  const base = '/usr/lib/postgresql';
  const majors = existsSync(base)
    ? readdirSync(base).filter((d) => existsSync(path.join(base, d, 'bin', 'initdb')))
    : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) throw new Error('PostgreSQL server not installed: run `npm run tools` (apt postgresql)');
  return path.join(base, newest, 'bin');
}
