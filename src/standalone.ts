import { readdir, readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Logger } from './observe/log.js';
import { createRegistry } from './observe/metrics.js';
import { createObserveServer } from './observe/http-server.js';

export interface StandaloneOptions {
  readonly resources: string;
  readonly dataDir: string;
  readonly port: number;
  readonly host: string;
  readonly logger: Logger;
  /** Resolves when the process should stop; defaults to SIGINT/SIGTERM. */
  readonly stopSignal?: Promise<string>;
}

/** A custom resource as read from a file, before schema validation. */
export interface LoadedResource {
  readonly file: string;
  readonly kind: string;
  readonly name: string;
}

/**
 * The embedded default: one process, the same resource YAML as on a cluster.
 * Today it loads the resources, serves metrics and health, and waits; the
 * collectors, sink and join join this loop as their issues land.
 */
export async function runStandalone(options: StandaloneOptions): Promise<number> {
  const { logger } = options;
  const resources = await loadResourceFolder(options.resources);
  logger.info({ folder: options.resources, count: resources.length }, 'loaded resources');
  for (const r of resources) logger.info({ kind: r.kind, name: r.name, file: r.file }, 'resource');
  await mkdir(options.dataDir, { recursive: true });

  const registry = createRegistry();
  const server = createObserveServer({ registry, logger });
  const address = await server.listen({ port: options.port, host: options.host });
  logger.info({ address, endpoints: ['/metrics', '/healthz', '/readyz'] }, 'observe server listening');
  logger.warn(
    { notYetBuilt: ['collectors (issue 4)', 'lake sink (issue 5)', 'daily join (issue 6)'] },
    'pipeline stages not built yet; serving metrics and health only',
  );

  const signal = await (options.stopSignal ?? waitForStopSignal());
  logger.info({ signal }, 'stopping');
  await server.close();
  logger.info('stopped cleanly');
  return 0;
}

function waitForStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (sig: NodeJS.Signals) => resolve(sig);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** Reads every `*.yaml`/`*.yml` in a folder; each document must name a kind and a name. */
export async function loadResourceFolder(folder: string): Promise<LoadedResource[]> {
  let entries: string[];
  try {
    entries = (await readdir(folder)).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch (cause) {
    throw new Error(`cannot read resource folder ${folder}: ${(cause as Error).message}`, { cause });
  }
  const out: LoadedResource[] = [];
  for (const entry of entries) {
    const file = path.join(folder, entry);
    const docs = parseAllDocuments(await readFile(file, 'utf8'));
    for (const doc of docs) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
      const value = doc.toJS() as { kind?: unknown; metadata?: { name?: unknown } } | null;
      if (value === null) continue;
      if (typeof value.kind !== 'string' || typeof value.metadata?.name !== 'string') {
        throw new Error(`${file}: every document needs kind and metadata.name`);
      }
      out.push({ file, kind: value.kind, name: value.metadata.name });
    }
  }
  return out;
}
