import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort, runCommand, startProcess, waitUntil } from '../../infra/process.js';

describe('test-server process helpers', () => {
  it('fails a readiness wait as soon as the server exits, quoting its log', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'proc-'));
    const proc = startProcess({
      name: 'broken',
      command: 'sh',
      args: ['-c', 'echo "bind: address already in use" >&2; exit 3'],
      logFile: path.join(dir, 'broken.log'),
    });
    await expect(waitUntil('broken-server', async () => false, { timeoutMs: 10_000, proc })).rejects.toThrow(
      /broken-server: process exited with code 3 before it was ready[\s\S]*address already in use/,
    );
  });

  it('gives up after the timeout with the reason', async () => {
    await expect(waitUntil('never', async () => false, { timeoutMs: 200, intervalMs: 50 })).rejects.toThrow(
      'never: not ready after 200 ms',
    );
  });

  it('stops a server that ignores SIGTERM with SIGKILL after the grace period', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'proc-'));
    const proc = startProcess({
      name: 'stubborn',
      command: 'sh',
      args: ['-c', 'trap "" TERM; while true; do sleep 0.1; done'],
      logFile: path.join(dir, 'stubborn.log'),
    });
    await new Promise((r) => setTimeout(r, 200));
    await proc.stop(300);
    expect(proc.exited()).toBe('exited with SIGKILL');
  });

  it('reports a failing command with its output', async () => {
    await expect(runCommand('sh', ['-c', 'echo boom >&2; exit 4'])).rejects.toThrow(/exited with 4:\nboom/);
  });

  it('hands out a port that can be bound', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(1024);
  });
});
