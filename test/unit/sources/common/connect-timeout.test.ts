import { afterEach, describe, expect, it } from 'vitest';
import { ServiceKey } from '../../../../src/sources/common/service-key.js';
import { buildSourceTasks, type SourceConfig } from '../../../../src/sources/source-tasks.js';
import { runTasks } from '../../../../src/sources/common/run-loop.js';
import type { HttpNoAnswer, Transport } from '../../../../src/sources/common/transport.js';
import { world } from '../harness.js';

const START = Date.parse('2026-11-23T12:00:00+09:00');
const key = new ServiceKey('power+key/secret==');
const SOURCES: readonly SourceConfig[] = [
  { kind: 'power', source: 'grid/kpx', api: 'gateway', endpoint: 'http://sim', key },
  { kind: 'weather', source: 'grid/kma', endpoint: 'http://sim', key, locations: [{ name: 'seoul', nx: 60, ny: 127 }] },
];

let w: ReturnType<typeof world> | null = null;
afterEach(async () => {
  await w?.close();
  w = null;
});

/** Runs both collectors for 10 minutes against a transport that never gets an answer of `kind`. */
async function progressWith(kind: HttpNoAnswer['kind']) {
  w = world({ start: START });
  const transport: Transport = async () => ({ kind, reason: `${kind} from the test`, durationMs: 10 });
  const built = buildSourceTasks(SOURCES, { ...w.deps, transport });
  await runTasks(built.tasks, { clock: w.clock, until: START + 10 * 60_000 });
  return built.progress(w.clock.now());
}

describe('a TCP connection that is never answered', () => {
  it('is the outcome timeout with the error class ConnectTimeout, for power and weather alike', async () => {
    const progress = await progressWith('connect_timeout');
    expect(progress.map((p) => p.kind).sort()).toEqual(['power', 'weather']);
    for (const p of progress) {
      expect(p.progress.lastOutcome).toBe('timeout');
      expect(p.progress.lastError).toMatchObject({ class: 'ConnectTimeout', message: 'connect_timeout from the test' });
    }
  });

  it('is kept apart from a timeout after connecting and from a failed connection', async () => {
    for (const kind of ['timeout', 'network'] as const) {
      const progress = await progressWith(kind);
      await w?.close();
      w = null;
      for (const p of progress) expect(p.progress.lastError).toMatchObject({ class: 'timeout' });
    }
  });
});
