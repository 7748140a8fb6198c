import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaBus } from '../../../src/bus/kafka/kafka-bus.js';
import { LocalLogBus } from '../../../src/bus/local-log/local-log-bus.js';
import { registerCollectCommand } from '../../../src/cli/collect-command.js';
import { collectBus } from '../../../src/cli/run-collect.js';
import { registerSimulateCommand } from '../../../src/cli/simulate-command.js';
import { parseLocationArg } from '../../../src/sources/location-arg.js';
import { parseClockOption } from '../../../src/sources/simulator/sim-clock.js';

describe('CLI helpers', () => {
  it.each([
    ['seoul=60,127', { name: 'seoul', nx: 60, ny: 127 }],
    ['busan=35.1798,129.075', { name: 'busan', lat: 35.1798, lon: 129.075 }],
  ])('parses the location %s', (text, spec) => {
    expect(parseLocationArg(text)).toEqual(spec);
  });

  it('refuses a location it cannot read, saying what it wants', () => {
    expect(() => parseLocationArg('seoul')).toThrow(/name=nx,ny or name=lat,lon/);
  });

  it.each([
    ['shanghai=31.23,121.47', 'lat 31.23, lon 121.47 is grid cell nx -43, ny -10'],
    ['east=60,300', 'grid cell nx 60, ny 300'],
  ])("refuses %s, off KMA's grid, naming the cell", (text, cell) => {
    expect(() => parseLocationArg(text)).toThrow(`${cell}, outside KMA's 5 km grid (nx 1..149, ny 1..253`);
  });

  it('parses --clock start,speed', () => {
    expect(parseClockOption('2026-11-23T14:00:00+09:00,60', 0)).toEqual({
      startMs: Date.parse('2026-11-23T05:00:00Z'),
      speed: 60,
    });
    expect(parseClockOption('now', 1234)).toEqual({ startMs: 1234, speed: 1 });
    expect(() => parseClockOption('yesterday,fast', 0)).toThrow(/--clock/);
  });

  it('registers simulate and collect on a program', () => {
    const program = new Command('gridlake');
    registerSimulateCommand(program, {});
    registerCollectCommand(program, {});
    const names = program.commands.map((c) => c.name());
    expect(names).toEqual(['simulate', 'collect']);
    const collect = program.commands[1];
    expect(collect?.options.map((o) => o.long)).toEqual(
      expect.arrayContaining([
        '--kind',
        '--source',
        '--service-key-env',
        '--location',
        '--brokers',
        '--spool-dir',
        '--state-file',
      ]),
    );
  });

  it('picks the bus collect produces to: Kafka, the local spool, or none (stdout)', async () => {
    expect(collectBus({ source: 'ns/a' })).toBeNull();
    const kafka = collectBus({ source: 'ns/a', brokers: 'localhost:9092, localhost:9093' });
    expect(kafka).toBeInstanceOf(KafkaBus);
    await kafka?.close();
    const dir = mkdtempSync(join(tmpdir(), 'gl-src-cli-'));
    const spool = collectBus({ source: 'ns/a', spoolDir: dir });
    expect(spool).toBeInstanceOf(LocalLogBus);
    await spool?.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
