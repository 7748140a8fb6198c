import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observe/log.js';
import { createRegistry } from '../../../src/observe/metrics.js';
import { startCollectors } from '../../../src/sources/collect-runner.js';
import { ManualClock } from '../../../src/clock.js';
import { seededRng } from '../../../src/random.js';
import { MemorySink } from '../../../src/sources/common/reading-sink.js';
import { ServiceKey } from '../../../src/sources/common/service-key.js';
import { injectTransport } from '../../../src/sources/simulator/inject-transport.js';
import { createSimulator } from '../../../src/sources/simulator/simulator-server.js';
import { prometheus } from '../../infra/index.js';

const START = Date.parse('2026-11-23T00:00:00+09:00');

describe('collector metrics', () => {
  it('pass promtool check metrics, with default process metrics on', async () => {
    const { promtool } = await prometheus();
    const clock = new ManualClock(START, { autoAdvance: true });
    const { app } = createSimulator({
      clock,
      config: { faults: [{ api: 'all', kind: 'http', code: '503', probability: 0.1 }] },
    });
    const registry = createRegistry();
    const run = startCollectors({
      sources: [
        { kind: 'power', source: 'm/kpx', api: 'gateway', endpoint: 'http://sim', key: new ServiceKey('k1') },
        {
          kind: 'weather',
          source: 'm/kma',
          endpoint: 'http://sim',
          key: new ServiceKey('k2'),
          locations: [{ name: 'seoul', nx: 60, ny: 127 }],
        },
      ],
      sink: new MemorySink(),
      registry,
      logger: createLogger({ level: 'silent' }),
      transport: injectTransport(app),
      clock,
      rng: seededRng(1),
      until: START + 3 * 3_600_000,
    });
    await run.done;
    await app.close();
    const text = await registry.metrics();
    expect(text).toContain('gridlake_source_polls_total');
    const res = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    const problems = `${res.stdout}${res.stderr}`.trim().split('\n').filter(Boolean);
    expect(text).toContain('gridlake_weather_rain_1h_meters');
    expect(problems).toEqual([]);
  });
});
