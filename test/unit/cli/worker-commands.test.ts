import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { renderRunJob } from '../../../controllers/daily-join-run-plan.js';
import { sinkWorker } from '../../../controllers/lake-sink-plan.js';
import { collectorWorker } from '../../../controllers/source-plan.js';
import { renderWorkload, type WorkerSpec } from '../../../controllers/workload-plan.js';
import { loadResourcesFromText } from '../../../src/api/load.js';
import { buildProgram } from '../../../src/cli/program.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { flagsFromLakeSink } from '../../../src/cli/sink-flags.js';

// The operator writes command lines for the gridlake image; the CLI reads
// them. Nothing else checks that the two agree until a pod crash-loops on a
// cluster, so each rendered command is parsed here by the real CLI (actions
// replaced), from the example resources users start with.

const example = (file: string): KubeObject => {
  const loaded = loadResourcesFromText(
    readFileSync(new URL(`../../../examples/cluster/${file}`, import.meta.url), 'utf8'),
    file,
  );
  if (!loaded.ok) throw new Error(`${file}: ${JSON.stringify(loaded.errors)}`);
  const r = loaded.resources[0]?.resource;
  if (!r) throw new Error(`${file}: empty`);
  // as the API server returns it: with a uid (owner references need one)
  return { ...r, metadata: { ...r.metadata, uid: `uid-${file}` } } as unknown as KubeObject;
};

const OPTS = { image: 'ghcr.io/gridlake/gridlake:test', brokers: 'kafka.gridlake.svc:9092' };

/** Parses `args` with the real program; returns the options the subcommand saw. */
async function parse(args: readonly string[]): Promise<Record<string, unknown>> {
  const program = buildProgram({});
  let seen: Record<string, unknown> | null = null;
  const quiet = (c: Command): void => {
    c.exitOverride();
    c.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  };
  quiet(program);
  for (const sub of program.commands) {
    quiet(sub);
    sub.action((opts: Record<string, unknown>) => {
      seen = opts;
    });
  }
  await program.parseAsync(['node', 'gridlake', ...args]);
  if (seen === null) throw new Error(`no subcommand ran for ${args.join(' ')}`);
  return seen;
}

type Container = { args: string[]; env?: { name: string }[] };
const containerOf = (o: KubeObject): Container =>
  (o['spec'] as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!;

function deploymentArgs(owner: KubeObject, worker: WorkerSpec): string[] {
  const { deployment } = renderWorkload(owner, worker, OPTS);
  return containerOf(deployment).args;
}

describe('command lines the operator renders', () => {
  it('collect (PowerSource): accepted, with the key from the env the Deployment sets', async () => {
    const source = example('power-source-naver.yaml');
    const worker = collectorWorker('PowerSource', source);
    const opts = await parse(deploymentArgs(source, worker));
    expect(opts).toMatchObject({ kind: 'power', source: 'gridlake-site-naver/kpx-national', brokers: OPTS.brokers });
    expect(worker.env.map((e) => e.name)).toContain(opts['serviceKeyEnv']);
  });

  it('collect (WeatherSource): accepted, every location parsed', async () => {
    const source = example('weather-source.yaml');
    const opts = await parse(deploymentArgs(source, collectorWorker('WeatherSource', source)));
    expect(opts['location']).toEqual(['seoul=60,127', 'busan=35.1796,129.0756', 'jeju=52,38']);
  });

  it('sink (LakeSink): accepted, and its rendered config.json is a LakeSink the sink reads', async () => {
    const sink = example('lake-sink.yaml');
    const worker = sinkWorker(sink);
    const opts = await parse(deploymentArgs(sink, worker));
    expect(opts).toMatchObject({ brokers: OPTS.brokers, config: expect.any(String) });
    const { configMap } = renderWorkload(sink, worker, OPTS);
    const text = (configMap['data'] as Record<string, string>)['config.json']!;
    expect(flagsFromLakeSink(text, 'config.json')).toMatchObject({ bucket: 'gridlake', prefix: 'prod/' });
  });

  it('join (DailyJoinRun Job): accepted, reading the DailyJoin lake on S3 with its credentials', async () => {
    const job = renderRunJob(example('daily-join-run-backfill.yaml'), example('daily-join.yaml'), OPTS);
    const c = containerOf(job);
    const opts = await parse(c.args);
    expect(opts).toMatchObject({
      join: 'gridlake/power-weather',
      date: '2026-10-15',
      bucket: 'gridlake',
      prefix: 'prod/',
      endpoint: 'http://minio.gridlake.svc:9000',
      sqlMode: 'upsert',
      allowNoInput: true,
    });
    expect(c.env?.map((e) => e.name)).toEqual(
      expect.arrayContaining([
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'GRIDLAKE_JOIN_SQL_URL',
        'GRIDLAKE_RUN_REPORT_FILE',
      ]),
    );
  });

  it('fails on a flag the CLI does not know (the check can fail)', async () => {
    await expect(parse(['sink', '--no-such-flag'])).rejects.toThrow(/unknown option/);
  });
});
