import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { HelmInfo } from '../types.js';
import { toolPath } from '../tools.js';

/** helm is a client only: it needs a binary and a private home, no process. */
export async function prepareHelm(runDir: string): Promise<{ info: HelmInfo; procs: [] }> {
  const home = path.join(runDir, 'helm');
  await mkdir(home, { recursive: true });
  return {
    info: {
      helm: toolPath('helm'),
      env: {
        HELM_CACHE_HOME: path.join(home, 'cache'),
        HELM_CONFIG_HOME: path.join(home, 'config'),
        HELM_DATA_HOME: path.join(home, 'data'),
      },
    },
    procs: [],
  };
}
