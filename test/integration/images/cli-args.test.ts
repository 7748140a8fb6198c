import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadResources } from '../../../src/api/load.js';
import { buildProgram } from '../../../src/cli/program.js';
import type { KubeObject } from '../../../src/k8s/object-cache.js';
import { renderRunJob } from '../../../controllers/daily-join-run-plan.js';
import { sinkWorker } from '../../../controllers/lake-sink-plan.js';
import { collectorWorker } from '../../../controllers/source-plan.js';
import { renderWorkload } from '../../../controllers/workload-plan.js';
import { helm } from '../../infra/index.js';

/**
 * The image, the operator and the charts all start gridlake by a command
 * line; nothing else checks those lines until a pod crash-loops on a
 * cluster. Here every one of them is parsed by the real CLI (the program
 * `gridlake` builds, with each command's action replaced by a recorder), so
 * a renamed flag or command fails this test instead. No image is built
 * (there is no Docker engine here): the Dockerfile is read.
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const exec = promisify(execFile);

interface Parsed {
  readonly command: string;
  readonly flags: Record<string, unknown>;
}

/** Parses `args` (what follows the entrypoint) with the real program; throws what commander would print. */
async function parseWithRealCli(args: readonly string[]): Promise<Parsed> {
  const program = buildProgram({});
  let parsed: Parsed | undefined;
  const silence = (c: Command): void => {
    c.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
    for (const sub of c.commands) silence(sub);
  };
  silence(program);
  for (const sub of program.commands) {
    sub.action((flags: Record<string, unknown>) => {
      parsed = { command: sub.name(), flags };
    });
  }
  await program.parseAsync([...args], { from: 'user' });
  if (!parsed) throw new Error(`no command ran for: ${args.join(' ')}`);
  return parsed;
}

async function clusterExamples(): Promise<KubeObject[]> {
  const loaded = await loadResources(path.join(ROOT, 'examples/cluster'));
  if (!loaded.ok) throw new Error(`examples/cluster does not load: ${JSON.stringify(loaded.errors)}`);
  return loaded.resources.map((r, i) => {
    const res = r.resource as unknown as KubeObject;
    return { ...res, metadata: { ...res.metadata, namespace: res.metadata.namespace ?? 'hub', uid: `uid-${i}` } };
  });
}

const containerArgs = (objects: readonly unknown[]): string[][] =>
  objects.flatMap((o) => {
    const spec = (o as { spec?: { template?: { spec?: { containers?: { args?: string[] }[] } } } })?.spec;
    return (spec?.template?.spec?.containers ?? []).map((c) => c.args ?? []);
  });

describe('every command line that starts gridlake names real commands and flags', () => {
  it('the check can fail: an unknown flag or command is refused', async () => {
    await expect(parseWithRealCli(['sink', '--no-such-flag'])).rejects.toThrow(/unknown option '--no-such-flag'/);
    await expect(parseWithRealCli(['colect'])).rejects.toThrow(/unknown command 'colect'/);
    expect((await parseWithRealCli(['sink', '--sink', 'a/b'])).command).toBe('sink');
  });

  it("the image's entrypoint runs the built CLI and its default command parses", async () => {
    const dockerfile = readFileSync(path.join(ROOT, 'images/Dockerfile'), 'utf8');
    const entry = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(entry, 'ENTRYPOINT in exec form').toBeDefined();
    const entrypoint = JSON.parse(entry!) as string[];
    // The build compiles src/ into dist/src/ (tsconfig.build.json) and the image copies dist/ to /app/dist.
    expect(entrypoint).toEqual(['/nodejs/bin/node', '/app/dist/src/cli.js']);
    const build = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    expect(build.include).toEqual(expect.arrayContaining(['src', 'controllers']));
    expect(dockerfile).toMatch(/^COPY --from=build \/src\/dist \.\/dist$/m);
    // `--help` is commander's own: it exits through exitOverride with the help code, which is what the image's CMD does.
    await expect(parseWithRealCli(JSON.parse(cmd!) as string[])).rejects.toMatchObject({
      code: 'commander.helpDisplayed',
    });
  });

  it('.dockerignore keeps tests, benchmarks and caches out of the build context, and not what the build copies', () => {
    const ignored = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignored).toEqual(expect.arrayContaining(['test', 'bench', 'node_modules', 'dist', '.git', '**/.cache']));
    const copied = [
      ...readFileSync(path.join(ROOT, 'images/Dockerfile'), 'utf8').matchAll(/^COPY (?!--from)(.+) \S+$/gm),
    ].flatMap((m) => m[1]!.split(/\s+/));
    expect(copied).toEqual(expect.arrayContaining(['src', 'controllers', 'examples', 'package.json']));
    for (const c of copied) expect(ignored, `${c} is copied by the Dockerfile`).not.toContain(c);
  });

  it('the collector, sink and join command lines the operator renders', async () => {
    const examples = await clusterExamples();
    const byKind = (kind: string) => examples.filter((o) => o.kind === kind);
    const opts = { image: 'registry.test/gridlake:1', brokers: 'kafka:9092' };
    const lines: string[][] = [];
    for (const kind of ['PowerSource', 'WeatherSource'] as const)
      for (const source of byKind(kind))
        lines.push(...containerArgs([renderWorkload(source, collectorWorker(kind, source), opts).deployment]));
    for (const sink of byKind('LakeSink'))
      lines.push(...containerArgs([renderWorkload(sink, sinkWorker(sink), opts).deployment]));
    const join = byKind('DailyJoin')[0]!;
    const run: KubeObject = {
      apiVersion: 'gridlake.io/v1alpha1',
      kind: 'DailyJoinRun',
      metadata: { name: 'j-2026-12-05', namespace: join.metadata.namespace ?? 'hub', uid: 'uid-run' },
      spec: { joinRef: { name: join.metadata.name }, date: '2026-12-05' },
    };
    lines.push(...containerArgs([renderRunJob(run, join, opts)]));
    expect(lines.map((l) => l[0]).sort()).toEqual(['collect', 'collect', 'join', 'sink']);
    for (const line of lines) {
      const parsed = await parseWithRealCli(line);
      expect(parsed.command, line.join(' ')).toBe(line[0]);
    }
  });

  it("the chart's templates start gridlake with real commands and flags", async () => {
    const h = await helm();
    const { stdout } = await exec(h.helm, ['template', 'gl', path.join(ROOT, 'charts/gridlake'), '-n', 'gridlake'], {
      env: { ...process.env, ...h.env },
    });
    const objects = parseAllDocuments(stdout).map((d) => d.toJS() as unknown);
    const lines = containerArgs(objects);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const parsed = await parseWithRealCli(line);
      expect(parsed.command, line.join(' ')).toBe(line[0]);
    }
  }, 60_000);
});
