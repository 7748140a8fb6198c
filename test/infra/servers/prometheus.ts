import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PrometheusInfo } from '../types.js';
import { freePort, httpOk, startProcess, waitUntil, type ManagedProcess } from '../process.js';
import { systemBinary } from '../tools.js';

/**
 * Prometheus from Debian, scraping every second whatever targets a test writes
 * to `targetsFile` (file-based service discovery, so tests add targets without
 * a restart).
 */
export async function startPrometheus(runDir: string): Promise<{ info: PrometheusInfo; procs: ManagedProcess[] }> {
  const dir = path.join(runDir, 'prometheus');
  await mkdir(dir, { recursive: true });
  const port = await freePort();
  const targetsFile = path.join(dir, 'targets.json');
  await writeFile(targetsFile, '[]\n');
  const config = path.join(dir, 'prometheus.yml');
  await writeFile(
    config,
    `global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: gridlake
    file_sd_configs: [ { files: ['${targetsFile}'], refresh_interval: 1s } ]
`,
  );
  const proc = startProcess({
    name: 'prometheus',
    command: systemBinary('prometheus'),
    args: [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    logFile: path.join(dir, 'prometheus.log'),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil('prometheus', () => httpOk(`${url}/-/ready`), { timeoutMs: 30_000, proc });
  return { info: { url, promtool: systemBinary('promtool'), targetsFile }, procs: [proc] };
}
