import { readFile } from 'node:fs/promises';
import https from 'node:https';
import type { KubeInfo } from '../types.js';
import { startProcess, waitUntil, type ManagedProcess } from '../process.js';

/**
 * Restarts the kube-apiserver of a private control plane (from `startKube`)
 * on the same port, with the same arguments plus `extraArgs`, so clients keep
 * their address. `procs[1]` is replaced by the new process so the caller's
 * cleanup stops the right one. Never use it on the shared test server.
 */
export async function restartApiServer(
  info: KubeInfo,
  procs: ManagedProcess[],
  options: { downMs?: number; extraArgs?: readonly string[]; whileDown?: () => Promise<void> } = {},
): Promise<ManagedProcess> {
  const old = procs[1];
  if (!old || old.name !== 'kube-apiserver') throw new Error('procs[1] is not the kube-apiserver');
  const [command, ...args] = old.child.spawnargs;
  if (!command) throw new Error('kube-apiserver has no command line');
  await old.stop();
  await options.whileDown?.();
  if (options.downMs) await new Promise((r) => setTimeout(r, options.downMs));
  const extra = options.extraArgs ?? [];
  const names = new Set(extra.map((a) => a.split('=')[0]));
  const next = startProcess({
    name: 'kube-apiserver',
    command,
    args: [...args.filter((a) => !names.has(a.split('=')[0])), ...extra],
    logFile: old.logFile,
  });
  procs[1] = next;
  const ca = await readFile(info.caFile);
  await waitUntil('kube-apiserver', () => readyz(`${info.server}/readyz`, ca), {
    timeoutMs: 90_000,
    proc: next,
    intervalMs: 250,
  });
  return next;
}

function readyz(url: string, ca: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const req = https.get(url, { ca, timeout: 2000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 300);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}
