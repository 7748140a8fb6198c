import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eventually } from '../eventually.js';
import { toolPath } from './tools.js';
import type { KubeInfo } from './types.js';

const exec = promisify(execFile);

/** The kinds whose CRDs this installs, as `kubectl get` names them. */
export const MONITORING_KINDS = [
  'servicemonitors.monitoring.coreos.com',
  'podmonitors.monitoring.coreos.com',
  'prometheusrules.monitoring.coreos.com',
] as const;

/**
 * Installs kube-prometheus-stack's ServiceMonitor, PodMonitor and
 * PrometheusRule CRDs (from the prometheus-operator Go module that
 * ensure-tools.sh caches) into the shared test API server and waits until
 * they are served, so a chart's monitoring objects meet the real schema
 * under `--dry-run=server` instead of being skipped. Idempotent
 * (server-side apply): every test file that needs them may call it.
 */
export async function ensureMonitoringCrds(k: KubeInfo): Promise<void> {
  const dir = toolPath('monitoring-crds');
  const kubectl = (...args: string[]) => exec(k.kubectl, ['--kubeconfig', k.kubeconfig, ...args]);
  await kubectl('apply', '--server-side', '--force-conflicts', '--field-manager=gridlake-test-infra', '-f', dir);
  await kubectl('wait', '--for=condition=Established', '--timeout=60s', '-f', dir);
  // Established comes a moment before discovery lists the kinds; kubectl resolves kinds through discovery.
  await eventually(
    'every monitoring kind listed by kubectl',
    async () => {
      for (const kind of MONITORING_KINDS) await kubectl('get', kind, '-A', '-o', 'name');
      return true;
    },
    { timeoutMs: 30_000, intervalMs: 250 },
  );
}
