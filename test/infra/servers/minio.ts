import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { S3Info } from '../types.js';
import { freePort, httpOk, startProcess, waitUntil, type ManagedProcess } from '../process.js';
import { toolPath } from '../tools.js';

const ACCESS_KEY = 'gridlake-test';
const SECRET_KEY = 'gridlake-test-secret';

/** MinIO (built with go install) on loopback with a fresh data folder. */
export async function startMinio(runDir: string): Promise<{ info: S3Info; procs: ManagedProcess[] }> {
  const dir = path.join(runDir, 'minio');
  await mkdir(path.join(dir, 'data'), { recursive: true });
  const [port, consolePort] = [await freePort(), await freePort()];
  const proc = startProcess({
    name: 'minio',
    command: toolPath('minio'),
    args: [
      'server',
      '--quiet',
      '--address',
      `127.0.0.1:${port}`,
      '--console-address',
      `127.0.0.1:${consolePort}`,
      path.join(dir, 'data'),
    ],
    logFile: path.join(dir, 'minio.log'),
    env: {
      MINIO_ROOT_USER: ACCESS_KEY,
      MINIO_ROOT_PASSWORD: SECRET_KEY,
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
      HOME: dir,
    },
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitUntil('minio', () => httpOk(`${endpoint}/minio/health/ready`), { timeoutMs: 30_000, proc });
  return {
    info: { endpoint, region: 'us-east-1', accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY, pid: proc.pid },
    procs: [proc],
  };
}
