import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Counter } from 'prom-client';
import { prometheus } from '../../infra/index.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import { createObserveServer } from '../../../src/observe/http-server.js';
import { createLogger } from '../../../src/observe/log.js';

const run = promisify(execFile);

describe('test Prometheus and promtool', () => {
  it('promtool finds nothing to fix in our /metrics, and Prometheus scrapes it', async () => {
    const prom = await prometheus();
    const registry = createRegistry();
    const counter = new Counter({
      name: 'gridlake_infra_probe_total',
      help: 'Probe counter for the infra test.',
      registers: [registry],
    });
    counter.inc(5);
    const server = createObserveServer({ registry, logger: createLogger({ level: 'silent' }) });
    await server.listen({ port: 0, host: '127.0.0.1' });
    const addr = server.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    try {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const check = await new Promise<{ code: number; out: string }>((resolve) => {
        const child = execFile(prom.promtool, ['check', 'metrics'], (err, stdout, stderr) =>
          resolve({ code: err ? 1 : 0, out: stdout + stderr }),
        );
        child.stdin!.end(text);
      });
      expect(check.out).toBe('');
      expect(check.code).toBe(0);

      await writeFile(
        prom.targetsFile,
        JSON.stringify([{ targets: [`127.0.0.1:${port}`], labels: { test: 'infra' } }]),
      );
      const deadline = Date.now() + 30_000;
      let value: string | undefined;
      while (Date.now() < deadline && value !== '5') {
        const res = await fetch(
          `${prom.url}/api/v1/query?query=${encodeURIComponent('gridlake_infra_probe_total{test="infra"}')}`,
        );
        const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
        value = body.data.result[0]?.value[1];
        if (value !== '5') await new Promise((r) => setTimeout(r, 250));
      }
      expect(value).toBe('5');
      const { stdout } = await run(prom.promtool, ['--version']);
      expect(stdout).toContain('promtool');
    } finally {
      await server.close();
      await writeFile(prom.targetsFile, '[]');
    }
  });
});
