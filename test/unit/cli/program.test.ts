import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/program.js';
import { GridlakeError } from '../../../src/errors.js';

function capture(program: Command): { out: string[]; err: string[] } {
  const sink = { out: [] as string[], err: [] as string[] };
  program.exitOverride();
  program.configureOutput({ writeOut: (s) => sink.out.push(s), writeErr: (s) => sink.err.push(s) });
  for (const c of program.commands) {
    c.exitOverride();
    c.configureOutput({ writeOut: (s) => sink.out.push(s), writeErr: (s) => sink.err.push(s) });
  }
  return sink;
}

describe('gridlake CLI', () => {
  it('declares every process (one image, one CLI)', () => {
    const names = buildProgram({})
      .commands.map((c) => c.name())
      .sort();
    expect(names).toEqual([
      'agent',
      'backfill',
      'collect',
      'controller',
      'crds',
      'join',
      'query',
      'simulate',
      'sink',
      'standalone',
      'status',
    ]);
  });

  it('offers the agent in its help beside the other commands', async () => {
    const program = buildProgram({});
    const sink = capture(program);
    await expect(program.parseAsync(['node', 'gridlake', '--help'])).rejects.toMatchObject({ exitCode: 0 });
    const help = sink.out.join('');
    expect(help).toContain('standalone');
    expect(help).toMatch(/^\s+agent\b/m);
  });

  it.each([
    'controller',
    'collect',
    'sink',
    'join',
    'agent',
    'standalone',
    'simulate',
    'crds',
    'query',
    'status',
    'backfill',
  ])('prints help for %s', async (name) => {
    const program = buildProgram({});
    const sink = capture(program);
    await expect(program.parseAsync(['node', 'gridlake', name, '--help'])).rejects.toMatchObject({ exitCode: 0 });
    expect(sink.out.join('')).toContain(`Usage: gridlake ${name}`);
  });

  // Each command loads its libraries only when it runs (src/cli/program.ts), but
  // declares every option up front: `--help` lists them, and so does the
  // command line the operator renders check against (worker-commands.test.ts).
  it.each([
    ['crds', ['--out', '--reference']],
    [
      'simulate',
      ['--host', '--port', '--clock', '--config', '--fault', '--quota-kpx', '--quota-kma', '--allow-client', '--key'],
    ],
    [
      'collect',
      [
        '--kind',
        '--source',
        '--api',
        '--endpoint',
        '--service-key-env',
        '--location',
        '--brokers',
        '--spool-dir',
        '--topic',
        '--deadletter-topic',
        '--poll-interval',
        '--budget-kpx-latest',
        '--budget-kpx-history',
        '--budget-kma',
        '--clock',
        '--state-file',
        '--timeout-ms',
        '--metrics-port',
        '--metrics-host',
        '--report-status',
        '--kubeconfig',
      ],
    ],
    [
      'join',
      [
        '--join',
        '--date',
        '--lake',
        '--bucket',
        '--prefix',
        '--endpoint',
        '--region',
        '--report-file',
        '--locations',
        '--power-topic',
        '--weather-topic',
        '--raw-prefix',
        '--warehouse-prefix',
        '--power-coverage-min',
        '--weather-coverage-min',
        '--sql-mode',
        '--sql-url-env',
        '--sql-hourly-table',
        '--sql-daily-table',
        '--metrics-textfile',
        '--late-data-days',
      ],
    ],
    [
      'sink',
      [
        '--config',
        '--sink',
        '--name',
        '--group',
        '--topics',
        '--brokers',
        '--local-log',
        '--bucket',
        '--lake-dir',
        '--prefix',
        '--endpoint',
        '--region',
        '--create-bucket',
        '--max-records',
        '--max-bytes',
        '--max-age-ms',
        '--max-buffered-bytes',
        '--metrics-port',
        '--report-status',
        '--kubeconfig',
      ],
    ],
    [
      'controller',
      [
        '--kubeconfig',
        '--namespace',
        '--controllers',
        '--image',
        '--image-pull-policy',
        '--brokers',
        '--metrics-port',
        '--metrics-host',
        '--no-leader-elect',
        '--lease-namespace',
        '--lease-name',
        '--identity',
        '--lease-duration-seconds',
        '--renew-deadline-seconds',
        '--retry-period-seconds',
      ],
    ],
    ['standalone', ['--resources', '--data-dir', '--port', '--host']],
    [
      'agent',
      [
        '--site',
        '--bootstrap-kubeconfig',
        '--state-dir',
        '--spool-limit-bytes',
        '--kafka-brokers',
        '--kafka-ca-file',
        '--kafka-username',
        '--kafka-password-file',
        '--heartbeat-seconds',
        '--token-seconds',
        '--metrics-port',
        '--metrics-host',
        '--pod-name',
      ],
    ],
    ['query', ['--output', '--lake', '--bucket', '--prefix', '--endpoint', '--region']],
  ] as const)('lists every option of %s in its --help', async (name, options) => {
    const program = buildProgram({});
    const sink = capture(program);
    await expect(program.parseAsync(['node', 'gridlake', name, '--help'])).rejects.toMatchObject({ exitCode: 0 });
    const help = sink.out.join('');
    for (const option of options) expect(help).toMatch(new RegExp(`${option}\\b`));
  });

  it('refuses an agent without --site before anything starts', async () => {
    const program = buildProgram({});
    const sink = capture(program);
    const err = await program.parseAsync(['node', 'gridlake', 'agent']).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'commander.missingMandatoryOptionValue' });
    expect(sink.err.join('')).toContain('--site');
  });

  it('refuses an agent config without hub Kafka, naming the flag (GL_CONFIG_INVALID)', async () => {
    const program = buildProgram({});
    capture(program);
    const err = await program.parseAsync(['node', 'gridlake', 'agent', '--site', 'naver']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GridlakeError);
    expect(err).toMatchObject({ code: 'GL_CONFIG_INVALID', context: { option: '--kafka-brokers' } });
  });

  it('refuses to start an agent without its bootstrap kubeconfig or its Kafka password, naming the flag', async () => {
    const { agentConfig } = await import('../../../src/config.js');
    const { runAgent } = await import('../../../src/cli/run-agent.js');
    const stateDir = mkdtempSync(path.join(tmpdir(), 'gridlake-agent-config-'));
    const base = { site: 'naver', kafkaBrokers: '127.0.0.1:1', stateDir, logFormat: 'json' };
    try {
      await expect(runAgent(agentConfig(base, {}))).rejects.toMatchObject({
        code: 'GL_CONFIG_INVALID',
        context: { option: '--bootstrap-kubeconfig' },
      });
      await expect(
        runAgent(agentConfig({ ...base, bootstrapKubeconfig: path.join(stateDir, 'missing') }, {})),
      ).rejects.toMatchObject({ code: 'GL_CONFIG_INVALID', context: { option: '--kafka-password-file' } });
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
