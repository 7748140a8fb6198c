import http from 'node:http';
import type { TestProject } from 'vitest/node';
import { ServerRegistry, SERVER_NAMES } from './registry.js';
import type { ServerName } from './types.js';

/**
 * Vitest global setup for the integration project. It starts no server by
 * itself: it serves a tiny loopback broker that test files (in their own
 * worker processes) ask for a server; the first ask starts it, later asks get
 * the same one, and teardown stops them all.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const registry = new ServerRegistry((msg) => process.stderr.write(`[test-infra] ${msg}\n`));
  let failed = false;
  const broker = http.createServer((req, res) => {
    const name = (req.url ?? '').replace(/^\//, '') as ServerName;
    if (!SERVER_NAMES.includes(name)) {
      res.writeHead(404).end(JSON.stringify({ error: `unknown server ${name}; known: ${SERVER_NAMES.join(', ')}` }));
      return;
    }
    registry.get(name).then(
      (info) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(info)),
      (err: Error) => {
        failed = true;
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: err.message }));
      },
    );
  });
  await new Promise<void>((resolve) => broker.listen(0, '127.0.0.1', resolve));
  const addr = broker.address();
  const url = typeof addr === 'object' && addr ? `http://127.0.0.1:${addr.port}` : '';
  project.provide('gridlakeInfraBroker', url);
  process.env['GRIDLAKE_INFRA_BROKER'] = url;

  return async () => {
    broker.close();
    // Keep logs of a failed start for the person reading the CI output.
    await registry.stopAll({ keep: failed || process.env['GRIDLAKE_KEEP_TEST_DATA'] === '1' });
    if (failed)
      process.stderr.write(`[test-infra] a server failed to start; its logs are in ${await registry.runDir}\n`);
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    gridlakeInfraBroker: string;
  }
}
