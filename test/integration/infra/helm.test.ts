import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { helm, kube } from '../../infra/index.js';

const run = promisify(execFile);
const CHART = 'charts/gridlake';

describe('test helm against the chart', () => {
  it('lints the gridlake chart strictly', async () => {
    const h = await helm();
    const { stdout } = await run(h.helm, ['lint', '--strict', CHART], { env: { ...process.env, ...h.env } });
    expect(stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  it('installs the chart into the real API server (no --wait: there is no kubelet)', async () => {
    const [h, k] = await Promise.all([helm(), kube()]);
    const ns = `helm-${randomUUID().slice(0, 8)}`;
    const env = { ...process.env, ...h.env, KUBECONFIG: k.kubeconfig };
    const { stdout } = await run(h.helm, ['install', 'gl', CHART, '-n', ns, '--create-namespace', '--wait=false'], {
      env,
    });
    expect(stdout).toContain('STATUS: deployed');
    const { stdout: deploy } = await run(k.kubectl, [
      '--kubeconfig',
      k.kubeconfig,
      '-n',
      ns,
      'get',
      'deployment',
      'gl-gridlake-controller',
      '-o',
      'jsonpath={.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem}',
    ]);
    expect(deploy).toBe('true');
    await run(h.helm, ['uninstall', 'gl', '-n', ns], { env });
  });
});
