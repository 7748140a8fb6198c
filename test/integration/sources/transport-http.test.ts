import { afterEach, describe, expect, it } from 'vitest';
import { parseKmaAnswer } from '../../../src/sources/kma/kma-parser.js';
import { kmaNcstUrl } from '../../../src/sources/kma/kma-endpoints.js';
import { ManualClock } from '../../../src/clock.js';
import { ServiceKey } from '../../../src/sources/common/service-key.js';
import { createFetchTransport } from '../../../src/sources/common/transport.js';
import { createSimulator } from '../../../src/sources/simulator/simulator-server.js';

const NOW = Date.parse('2026-11-23T14:30:00+09:00');
const HOUR_14 = Date.parse('2026-11-23T14:00:00+09:00');
const key = new ServiceKey('Ab1+Cd2/Ef3==');

let stop: (() => Promise<unknown>) | null = null;
afterEach(async () => {
  await stop?.();
  stop = null;
});

async function listen(config?: unknown) {
  const { app, state } = createSimulator({ clock: new ManualClock(NOW), config });
  let connections = 0;
  app.server.on('connection', () => connections++);
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  stop = () => app.close();
  return { base, state, connections: () => connections };
}

describe('fetch transport against the simulator over HTTP', () => {
  it('reuses keep-alive connections for consecutive requests and sends the key encoded once', async () => {
    const { base, connections } = await listen({ keys: ['Ab1+Cd2/Ef3=='] });
    const transport = createFetchTransport({ timeoutMs: 5_000 });
    for (let i = 0; i < 20; i++) {
      const res = await transport(kmaNcstUrl(base, key, HOUR_14, 60, 127));
      expect(res.kind).toBe('answer');
      if (res.kind === 'answer')
        expect(parseKmaAnswer(res.status, res.text, { source: 's', location: 'l', ingestedAt: NOW }).outcome).toBe(
          'ok',
        );
    }
    // undici may open a second socket early on; what matters is that requests do not each open one.
    expect(connections()).toBeLessThanOrEqual(2);
  });

  it('times out a slow answer at the per-request timeout', async () => {
    const { base } = await listen({ faults: [{ api: 'kma', kind: 'slow', delayMs: 1_500, remaining: 1 }] });
    const transport = createFetchTransport({ timeoutMs: 300 });
    const res = await transport(kmaNcstUrl(base, key, HOUR_14, 60, 127));
    expect(res).toMatchObject({ kind: 'timeout' });
    expect(res.durationMs).toBeLessThan(1_400);
  });

  it('reports a dropped connection (allow-list) without the key in the reason', async () => {
    const { base } = await listen({ allowClients: ['10.1.2.3'] });
    const transport = createFetchTransport({ timeoutMs: 2_000 });
    const res = await transport(kmaNcstUrl(base, key, HOUR_14, 60, 127));
    expect(res.kind === 'network' || res.kind === 'timeout').toBe(true);
    if (res.kind !== 'answer') expect(key.occursIn(res.reason)).toBe(false);
  });
});
