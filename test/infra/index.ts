/**
 * The test-side API for real servers. In a vitest integration test:
 *
 *   const { brokers } = await kafka();
 *
 * Each server is started once per test run (on first use) by the global
 * setup's broker and shared by every test file; outside vitest (benchmarks,
 * scripts) the first call starts it in this process and `stopServers()` ends it.
 */
import type { HelmInfo, InfraInfo, KafkaInfo, KubeInfo, PrometheusInfo, S3Info, ServerName, SqlInfo } from './types.js';
import { ServerRegistry } from './registry.js';

export type { HelmInfo, KafkaInfo, KafkaSiteListener, KubeInfo, PrometheusInfo, S3Info, SqlInfo } from './types.js';
export { addSiteUser, startKafka, type KafkaStartOptions, type SiteUser } from './servers/kafka.js';

let local: ServerRegistry | undefined;

async function brokerUrl(): Promise<string | undefined> {
  if (process.env['VITEST']) {
    try {
      const { inject } = await import('vitest');
      const url = inject('gridlakeInfraBroker');
      if (url) return url;
    } catch {
      // not inside a vitest worker with our global setup
    }
  }
  return process.env['GRIDLAKE_INFRA_BROKER'] || undefined;
}

async function server<K extends ServerName>(name: K): Promise<NonNullable<InfraInfo[K]>> {
  const url = await brokerUrl();
  if (url) {
    const res = await fetch(`${url}/${name}`);
    const body = (await res.json()) as NonNullable<InfraInfo[K]> | { error: string };
    if (!res.ok || 'error' in body)
      throw new Error((body as { error: string }).error ?? `test server ${name}: HTTP ${res.status}`);
    return body;
  }
  local ??= new ServerRegistry((msg) => process.stderr.write(`[test-infra] ${msg}\n`));
  return local.get(name);
}

/** Stops servers this process started itself (not those of a vitest run). */
export async function stopServers(): Promise<void> {
  await local?.stopAll();
  local = undefined;
}

export const kafka = (): Promise<KafkaInfo> => server('kafka');
export const s3 = (): Promise<S3Info> => server('s3');
export const kube = (): Promise<KubeInfo> => server('kube');
export const helm = (): Promise<HelmInfo> => server('helm');
export const prometheus = (): Promise<PrometheusInfo> => server('prometheus');
export const postgres = (): Promise<SqlInfo> => server('postgres');
export const mariadb = (): Promise<SqlInfo> => server('mariadb');
