import { existsSync } from 'node:fs';
import type { QueryConfig } from '../config.js';
import { glError } from '../errors.js';
import { queryLake } from '../lake/lake-query.js';
import type { ObjectStore } from '../lake/object-store.js';
import { openObjectStore } from '../lake/open-store.js';
import { formatResult } from '../lake/query-output.js';
import type { QueryCommandDeps } from './query-command.js';

/**
 * `gridlake query`'s body (query-command.ts declares the command and loads
 * this when it runs). A person at a terminal gets a table; a pipe gets JSON,
 * which keeps types and nulls for the next program.
 */
export async function runQueryCommand(config: QueryConfig, deps: QueryCommandDeps = {}): Promise<void> {
  const stdout = deps.stdout ?? process.stdout;
  const output = config.output ?? (stdout.isTTY === true ? 'table' : 'json');
  const folder = config.bucket === undefined ? config.lake : undefined;
  if (folder !== undefined && deps.store === undefined && !existsSync(folder))
    throw glError(
      'GL_CONFIG_INVALID',
      `no lake folder at ${folder}: give --lake <folder> (the embedded default writes <data-dir>/lake/<bucket>) or --bucket for S3`,
      { context: { option: '--lake', value: folder } },
    );
  const store = deps.store ?? (await lakeStore(config));
  const result = await queryLake(config.sql, {
    store,
    ...(folder === undefined ? {} : { folder }),
    ...(deps.loadDuckDb === undefined ? {} : { load: deps.loadDuckDb }),
  });
  stdout.write(formatResult(result, output));
}

/** The lake the query reads: S3 with `--bucket`, else the folder `--lake`. */
function lakeStore(config: QueryConfig): Promise<ObjectStore> {
  if (config.bucket === undefined) return openObjectStore({ kind: 'folder', dir: config.lake });
  return openObjectStore({
    kind: 's3',
    bucket: config.bucket,
    region: config.region,
    prefix: config.prefix,
    ...(config.endpoint === undefined ? {} : { endpoint: config.endpoint }),
    ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
  });
}
