import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { InfraInfo, ServerName } from './types.js';
import type { ManagedProcess } from './process.js';
import { startKafka } from './servers/kafka.js';
import { startMinio } from './servers/minio.js';
import { startKube } from './servers/kube.js';
import { prepareHelm } from './servers/helm.js';
import { startPrometheus } from './servers/prometheus.js';
import { startMariadb, startPostgres } from './servers/sql.js';

type Starter<K extends ServerName> = (
  runDir: string,
) => Promise<{ info: NonNullable<InfraInfo[K]>; procs: ManagedProcess[] }>;

const STARTERS: { [K in ServerName]: Starter<K> } = {
  kafka: startKafka,
  s3: startMinio,
  kube: startKube,
  helm: prepareHelm,
  prometheus: startPrometheus,
  postgres: startPostgres,
  mariadb: startMariadb,
};

export const SERVER_NAMES = Object.keys(STARTERS) as ServerName[];

/**
 * Starts each server at most once, on first request, and stops them all at the
 * end. Starts are serialised: on two cores, parallel JVM and Go start-ups only
 * slow each other down.
 */
export class ServerRegistry {
  readonly runDir: Promise<string>;
  private readonly started = new Map<ServerName, Promise<unknown>>();
  private readonly procs: ManagedProcess[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  readonly timings: Partial<Record<ServerName, number>> = {};

  constructor(private readonly log: (msg: string) => void = () => {}) {
    // Traversable by the postgres and mysql accounts the SQL servers drop to when we are root.
    this.runDir = mkdtemp(path.join(os.tmpdir(), 'gridlake-test-')).then(async (d) => {
      await chmod(d, 0o755);
      return d;
    });
  }

  get<K extends ServerName>(name: K): Promise<NonNullable<InfraInfo[K]>> {
    let p = this.started.get(name) as Promise<NonNullable<InfraInfo[K]>> | undefined;
    if (!p) {
      p = this.chain.then(async () => {
        const t0 = Date.now();
        const dir = await this.runDir;
        try {
          const { info, procs } = await (STARTERS[name] as Starter<K>)(dir);
          this.procs.push(...procs);
          killOnExit(procs);
          this.timings[name] = Date.now() - t0;
          this.log(`${name} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
          return info;
        } catch (err) {
          throw new Error(`test server ${name} could not start: ${(err as Error).message}`, { cause: err });
        }
      });
      this.chain = p.catch(() => undefined);
      this.started.set(name, p);
    }
    return p;
  }

  /** Stops every process (newest first) and removes the run folder unless `keep`. */
  async stopAll(options: { keep?: boolean } = {}): Promise<void> {
    await this.chain;
    for (const proc of this.procs.reverse()) await proc.stop();
    this.procs.length = 0;
    if (!options.keep) await rm(await this.runDir, { recursive: true, force: true });
  }
}

const orphans = new Set<ManagedProcess>();
let hooked = false;

/**
 * If the test runner exits without its teardown (an uncaught error),
 * its servers must not outlive it and hold ports and memory: kill them on exit.
 */
function killOnExit(procs: readonly ManagedProcess[]): void {
  for (const p of procs) {
    orphans.add(p);
    p.child.once('exit', () => orphans.delete(p));
  }
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const p of orphans) if (p.exited() === null) p.child.kill('SIGKILL');
  });
}
