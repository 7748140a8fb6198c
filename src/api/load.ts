import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, LineCounter, parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';
import { glError } from '../errors.js';
import type { DailyJoinSpec } from './daily-join.js';
import type { DailyJoinRunSpec } from './daily-join-run.js';
import { DEAD_LETTER_TOPIC } from './defaults.js';
import type { LakeSinkSpec } from './lake-sink.js';
import type { PowerSourceSpec } from './power-source.js';
import type { WeatherSourceSpec } from './weather-source.js';
import { validateResource } from './validate.js';
import type { GridlakeResource, ValidateOptions } from './validate.js';

/** A validated resource and where it came from. */
export interface LoadedResource {
  readonly file: string;
  readonly line: number;
  readonly resource: GridlakeResource;
  /** Where a field of this resource is in its file (absent for resources not read from YAML). */
  readonly at?: (path: string) => { line: number; column: number };
}

/** Why a document was refused, pointing at the line of the offending field. */
export interface LoadError {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly path: string;
  readonly message: string;
}

export type LoadResult =
  | { readonly ok: true; readonly resources: readonly LoadedResource[] }
  | { readonly ok: false; readonly errors: readonly LoadError[] };

/** `file:line:col: path: message`, the form editors and CI logs link. */
export function formatLoadError(e: LoadError): string {
  return `${e.file}:${e.line}:${e.column}: ${e.path === '' ? '' : `${e.path}: `}${e.message}`;
}

/** `spec.locations[0].nx` → `['spec', 'locations', 0, 'nx']`. */
export function pathSegments(p: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of p.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[1] !== undefined) out.push(m[1]);
  }
  return out;
}

/** Line and column of the deepest existing node on a path (the parent when the field is missing). */
function locate(doc: Document, counter: LineCounter, p: string): { line: number; column: number } {
  const segs = pathSegments(p);
  for (let n = segs.length; n >= 0; n--) {
    const node = doc.getIn(segs.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node !== undefined && node !== null && typeof node === 'object' && Array.isArray(node.range)) {
      const pos = counter.linePos(node.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  const pos = counter.linePos(doc.range?.[0] ?? 0);
  return { line: pos.line, column: pos.col };
}

/** Line and column of a field's key, where a person looks for a field that should not be there. */
function locateKey(doc: Document, counter: LineCounter, p: string): { line: number; column: number } {
  const segs = pathSegments(p);
  const last = segs.at(-1);
  const parent = segs.length <= 1 ? doc.contents : doc.getIn(segs.slice(0, -1), true);
  if (isMap(parent)) {
    const key = parent.items.find((pair) => isScalar(pair.key) && pair.key.value === last)?.key;
    if (isScalar(key) && Array.isArray(key.range)) {
      const pos = counter.linePos(key.range[0]);
      return { line: pos.line, column: pos.col };
    }
  }
  return locate(doc, counter, p);
}

function firstContentLine(doc: Document, counter: LineCounter): number {
  const start = (doc.contents as { range?: [number, number, number] } | null)?.range?.[0] ?? doc.range?.[0] ?? 0;
  return counter.linePos(start).line;
}

/** Parses and validates every document of one YAML text. */
export function loadResourcesFromText(text: string, file: string, options: ValidateOptions = {}): LoadResult {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, prettyErrors: true });
  const resources: LoadedResource[] = [];
  const errors: LoadError[] = [];
  if (!Array.isArray(docs)) {
    // An empty stream parses to an EmptyStream.
    return { ok: true, resources };
  }
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        const pos = err.linePos?.[0] ?? { line: 1, col: 1 };
        errors.push({
          file,
          line: pos.line,
          column: pos.col,
          path: '',
          message: `YAML: ${err.message.split('\n')[0] ?? ''}`,
        });
      }
      continue;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const result = validateResource(value, options);
    if (result.ok) {
      resources.push({
        file,
        line: firstContentLine(doc, counter),
        resource: result.resource,
        at: (p) => locate(doc, counter, p),
      });
    } else {
      for (const e of result.errors) {
        const at = e.message.startsWith('unknown field') ? locateKey : locate;
        errors.push({ file, ...at(doc, counter, e.path), path: e.path, message: e.message });
      }
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, resources };
}

/** `.yaml` and `.yml` in any case: editors on some systems save `.YAML`. */
export const isResourceFile = (name: string): boolean => /\.ya?ml$/i.test(name);

/**
 * Reads every `*.yaml` / `*.yml` (any case) in a folder (sorted), validates each
 * document, then checks the set as a whole: no two resources share a kind,
 * namespace and name, and references (a DailyJoin's sources, a run's join)
 * point at resources in the set, and every LakeSink topic is produced by a
 * source of the set, since the embedded default has nothing else to resolve
 * them against.
 */
export async function loadResources(folder: string, options: ValidateOptions = {}): Promise<LoadResult> {
  let entries: string[];
  try {
    entries = (await readdir(folder)).filter(isResourceFile).sort();
  } catch (cause) {
    return {
      ok: false,
      errors: [
        { file: folder, line: 0, column: 0, path: '', message: `cannot read folder: ${(cause as Error).message}` },
      ],
    };
  }
  const resources: LoadedResource[] = [];
  const errors: LoadError[] = [];
  for (const entry of entries) {
    const file = path.join(folder, entry);
    const result = loadResourcesFromText(await readFile(file, 'utf8'), file, options);
    if (result.ok) resources.push(...result.resources);
    else errors.push(...result.errors);
  }
  errors.push(...checkSet(resources));
  // With a source refused above, its topic would look unproduced: say so only of a set that loaded whole.
  if (errors.length === 0) errors.push(...unproducedTopics(resources));
  return errors.length > 0 ? { ok: false, errors } : { ok: true, resources };
}

/**
 * `loadResources` for callers that cannot go on without a valid set (the
 * embedded default at start-up): throws GL_CONFIG_INVALID listing every error
 * as `file:line:col: path: message`.
 */
export async function loadResourcesOrThrow(
  folder: string,
  options: ValidateOptions = {},
): Promise<readonly LoadedResource[]> {
  const result = await loadResources(folder, options);
  if (result.ok && result.resources.length > 0) return result.resources;
  if (result.ok) throw await nothingToRun(folder);
  throw glError(
    'GL_CONFIG_INVALID',
    `invalid resources in ${folder}:\n${result.errors.map((e) => `  ${formatLoadError(e)}`).join('\n')}`,
    { context: { folder, errors: result.errors } },
  );
}

// Without this a folder of the wrong files starts a process that does nothing, silently, forever.
async function nothingToRun(folder: string): Promise<Error> {
  const entries = (await readdir(folder, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const seen = entries.map((e) =>
    e.isFile() && isResourceFile(e.name)
      ? `${e.name} (no resources)`
      : `${e.name} (${e.isFile() ? 'not .yaml or .yml' : 'not a file'}, skipped)`,
  );
  return glError(
    'GL_CONFIG_INVALID',
    `nothing to run in ${folder}: no gridlake resources found; ` +
      `${seen.length === 0 ? 'the folder is empty' : `looked at ${seen.join(', ')}`}. ` +
      'Point -f at a folder of .yaml/.yml files with PowerSource, WeatherSource, LakeSink and DailyJoin resources (examples/embedded has one).',
    { context: { folder, files: entries.map((e) => e.name) } },
  );
}

function identity(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

/** Duplicate identities and dangling references within one set of resources. */
export function checkSet(resources: readonly LoadedResource[]): LoadError[] {
  const errors: LoadError[] = [];
  const byId = new Map<string, LoadedResource>();
  for (const r of resources) {
    const { kind, metadata } = r.resource;
    const id = identity(kind, metadata.namespace, metadata.name);
    const first = byId.get(id);
    if (first !== undefined) {
      errors.push({
        file: r.file,
        line: r.line,
        column: 1,
        path: 'metadata.name',
        message: `${kind} ${metadata.namespace === undefined ? '' : `${metadata.namespace}/`}${metadata.name} is already defined at ${first.file}:${first.line}`,
      });
    } else byId.set(id, r);
  }
  const need = (r: LoadedResource, p: string, kind: string, name: string, namespace: string | undefined) => {
    if (!byId.has(identity(kind, namespace, name))) {
      errors.push({
        file: r.file,
        line: r.line,
        column: 1,
        path: p,
        message: `refers to ${kind} ${namespace ?? ''}/${name}, which is not defined`,
      });
    }
  };
  for (const r of resources) {
    const ns = r.resource.metadata.namespace;
    if (r.resource.kind === 'DailyJoin') {
      const spec = r.resource.spec as DailyJoinSpec;
      need(r, 'spec.inputs.power', 'PowerSource', spec.inputs.power.name, spec.inputs.power.namespace ?? ns);
      spec.inputs.weather.forEach((w, i) =>
        need(r, `spec.inputs.weather[${i}]`, 'WeatherSource', w.name, w.namespace ?? ns),
      );
    }
    if (r.resource.kind === 'DailyJoinRun') {
      const spec = r.resource.spec as DailyJoinRunSpec;
      need(r, 'spec.joinRef', 'DailyJoin', spec.joinRef.name, ns);
    }
  }
  return errors;
}

/**
 * A LakeSink topic that no source of the set produces: a typo would otherwise
 * surface only once the pipeline runs, far from the file. Dead-letter topics
 * are fine to sink.
 */
function unproducedTopics(resources: readonly LoadedResource[]): LoadError[] {
  const sources = resources
    .map((r) => r.resource)
    .filter((r) => r.kind === 'PowerSource' || r.kind === 'WeatherSource')
    .map((r) => r.spec as PowerSourceSpec | WeatherSourceSpec);
  const produced = [...new Set(sources.map((s) => s.topic))].sort();
  const deadLetters = new Set([DEAD_LETTER_TOPIC, ...sources.map((s) => s.deadLetterTopic)]);
  const known =
    produced.length === 0
      ? 'no source in this folder produces any topic'
      : `topics produced here: ${produced.join(', ')}`;
  const errors: LoadError[] = [];
  for (const r of resources) {
    if (r.resource.kind !== 'LakeSink') continue;
    (r.resource.spec as LakeSinkSpec).topics.forEach((topic, i) => {
      if (produced.includes(topic) || deadLetters.has(topic)) return;
      const p = `spec.topics[${i}]`;
      const { line, column } = r.at?.(p) ?? { line: r.line, column: 1 };
      errors.push({
        file: r.file,
        line,
        column,
        path: p,
        message: `no source produces topic "${topic}" (${known}; dead-letter: ${[...deadLetters].sort().join(', ')})`,
      });
    });
  }
  return errors;
}
