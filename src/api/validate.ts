import { Value } from '@sinclair/typebox/value';
import { ValueErrorType } from '@sinclair/typebox/errors';
import type { ValueError } from '@sinclair/typebox/errors';
import type { TSchema } from '@sinclair/typebox';
import { API_VERSION } from './common.js';
import { checkDailyJoinSemantics } from './daily-join-semantics.js';
import type { FieldProblem } from './daily-join-semantics.js';
import type { DailyJoinSpec } from './daily-join.js';
import type { KindDefinition, ResourceRoot } from './kind-definition.js';
import { KINDS, kindByName } from './kinds.js';
import { celRulesOf, DNS_LABEL, DNS_SUBDOMAIN, isStringEnum } from './schema-kit.js';
import { OFF_GRID_BOX_MESSAGE } from './weather-source.js';
import type { WeatherSourceSpec } from './weather-source.js';
import { checkWeatherSourceSemantics } from './weather-source-semantics.js';

/** One reason a resource is refused, at a dotted path (`spec.locations[0].nx`). */
export type FieldError = FieldProblem;

/** A gridlake custom resource after validation, with defaults applied. */
export interface GridlakeResource {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    /** Absent for cluster-scoped kinds; `default` when a namespaced resource names none. */
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec: unknown;
}

export type ValidationResult =
  | { readonly ok: true; readonly resource: GridlakeResource }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

export interface ValidateOptions {
  /** The stored version, for transition rules (update); absent on create. */
  readonly previous?: unknown;
  /** Also run checks CEL cannot express (cron values, time zone, start date, lat/lon on KMA's grid); default true. */
  readonly semantic?: boolean;
  /** "Today" for date checks. */
  readonly now?: Date;
}

/** What a custom resource may hold at the top; status is accepted and left to the status subresource. */
const TOP_LEVEL_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
/** ObjectMeta's fields: the API server's strict field validation refuses any other. */
const OBJECT_META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

const SUBDOMAIN_RE = new RegExp(DNS_SUBDOMAIN);
const LABEL_RE = new RegExp(DNS_LABEL);

/**
 * Validates one custom-resource document the way the API server would with
 * the generated CRD: schema (after defaulting), CEL rules through their
 * TypeScript mirrors, map-list key uniqueness, and root rules on the name.
 * Unknown fields are refused (kubectl's strict field validation does the same
 * on a cluster). Returns the defaulted resource or every error found.
 */
export function validateResource(doc: unknown, options: ValidateOptions = {}): ValidationResult {
  const errors: FieldError[] = [];
  if (!isRecord(doc))
    return fail([{ path: '', message: 'a resource must be a mapping with apiVersion, kind, metadata and spec' }]);
  const kindName = doc['kind'];
  const def = typeof kindName === 'string' ? kindByName(kindName) : undefined;
  if (doc['apiVersion'] !== API_VERSION) {
    errors.push({
      path: 'apiVersion',
      message: `Unsupported value: ${JSON.stringify(doc['apiVersion'])}: supported values: "${API_VERSION}"`,
    });
  }
  if (def === undefined) {
    const known = KINDS.map((k) => `"${k.kind}"`).join(', ');
    errors.push({
      path: 'kind',
      message: `Unsupported value: ${JSON.stringify(kindName)}: supported values: ${known}`,
    });
    return fail(errors);
  }
  errors.push(...unknownFields(doc, TOP_LEVEL_FIELDS, ''));
  if (isRecord(doc['metadata'])) errors.push(...unknownFields(doc['metadata'], OBJECT_META_FIELDS, 'metadata.'));
  const metadata = checkMetadata(def, doc['metadata'], errors);

  const rawSpec = doc['spec'];
  if (rawSpec === undefined) {
    errors.push({ path: 'spec', message: 'Required value' });
    return fail(errors);
  }
  const spec = Value.Default(def.spec, dropNulls(structuredClone(rawSpec)));
  const schemaErrors = schemaErrorsOf(def.spec, spec, 'spec');
  errors.push(...schemaErrors);
  if (schemaErrors.length === 0) {
    const previous = isRecord(options.previous)
      ? Value.Default(def.spec, structuredClone(options.previous['spec']))
      : undefined;
    errors.push(...celErrors(def.spec, spec, previous, 'spec'));
    if (metadata !== undefined) {
      const root: ResourceRoot<unknown> = { metadata, spec };
      for (const rule of def.rootRules) {
        if (!rule.check(root as never, undefined)) errors.push({ path: 'metadata.name', message: rule.message });
      }
    }
    if (options.semantic !== false && def.kind === 'DailyJoin') {
      errors.push(...checkDailyJoinSemantics(spec as DailyJoinSpec, options.now ?? new Date()));
    }
    if (options.semantic !== false && def.kind === 'WeatherSource') {
      // The exact grid check names the cell; it replaces the CRD's coarser box message on the same location.
      const offGrid = checkWeatherSourceSemantics(spec as WeatherSourceSpec);
      const paths = new Set(offGrid.map((p) => p.path));
      errors.splice(
        0,
        errors.length,
        ...errors.filter((e) => !(e.message === OFF_GRID_BOX_MESSAGE && paths.has(e.path))),
        ...offGrid,
      );
    }
  }
  if (errors.length > 0 || metadata === undefined) return fail(errors);
  return { ok: true, resource: { apiVersion: API_VERSION, kind: def.kind, metadata, spec } };
}

/**
 * None of our fields is nullable, and the API server treats `field: null` in
 * an object as absent (pruned, or defaulted when it has a default); so do we.
 */
function dropNulls<T>(value: T): T {
  if (Array.isArray(value)) {
    value.forEach((v) => dropNulls(v));
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (v === null) delete value[k];
      else dropNulls(v);
    }
  }
  return value;
}

// Worded as the API server's strict field validation words it (kubectl's default).
function unknownFields(obj: Record<string, unknown>, known: ReadonlySet<string>, prefix: string): FieldError[] {
  return Object.keys(obj)
    .filter((k) => !known.has(k))
    .map((k) => ({ path: `${prefix}${k}`, message: `unknown field "${prefix}${k}"` }));
}

function fail(errors: readonly FieldError[]): ValidationResult {
  return { ok: false, errors };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkMetadata(
  def: KindDefinition,
  raw: unknown,
  errors: FieldError[],
): GridlakeResource['metadata'] | undefined {
  if (!isRecord(raw)) {
    errors.push({ path: 'metadata', message: 'Required value: metadata with a name' });
    return undefined;
  }
  const name = raw['name'];
  let ok = true;
  if (typeof name !== 'string' || name.length === 0) {
    errors.push({ path: 'metadata.name', message: 'Required value: name is required' });
    ok = false;
  } else if (name.length > 253 || !SUBDOMAIN_RE.test(name)) {
    errors.push({
      path: 'metadata.name',
      message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    });
    ok = false;
  }
  const ns = raw['namespace'];
  if (def.scope === 'Cluster' && ns !== undefined) {
    errors.push({ path: 'metadata.namespace', message: `${def.kind} is cluster-scoped: remove metadata.namespace` });
    ok = false;
  }
  if (
    def.scope === 'Namespaced' &&
    ns !== undefined &&
    (typeof ns !== 'string' || ns.length > 63 || !LABEL_RE.test(ns))
  ) {
    errors.push({
      path: 'metadata.namespace',
      message: `Invalid value: ${JSON.stringify(ns)}: a namespace is a DNS label`,
    });
    ok = false;
  }
  if (!ok || typeof name !== 'string') return undefined;
  const labels = stringMap(raw['labels'], 'metadata.labels', errors);
  const annotations = stringMap(raw['annotations'], 'metadata.annotations', errors);
  return {
    name,
    ...(def.scope === 'Namespaced' ? { namespace: typeof ns === 'string' ? ns : 'default' } : {}),
    ...(labels === undefined ? {} : { labels }),
    ...(annotations === undefined ? {} : { annotations }),
  };
}

function stringMap(v: unknown, path: string, errors: FieldError[]): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (!isRecord(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    errors.push({ path, message: 'must be a map of strings' });
    return undefined;
  }
  return v as Record<string, string>;
}

/** `/spec/locations/0/nx` → `spec.locations[0].nx`. */
export function pointerToPath(prefix: string, pointer: string): string {
  let out = prefix;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    out += /^\d+$/.test(seg) ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  }
  return out;
}

function schemaErrorsOf(schema: TSchema, value: unknown, prefix: string): FieldError[] {
  const all = [...Value.Errors(schema, value)];
  const required = new Set(all.filter((e) => e.type === ValueErrorType.ObjectRequiredProperty).map((e) => e.path));
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of all) {
    if (required.has(e.path) && e.type !== ValueErrorType.ObjectRequiredProperty) continue;
    // Inside a required-but-missing subtree, only the Required error matters.
    if ([...required].some((r) => e.path.startsWith(`${r}/`))) continue;
    const error = { path: pointerToPath(prefix, e.path), message: describe(e) };
    const key = `${error.path}\u0000${error.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(error);
  }
  return out;
}

/** The JSON type a type error names, as the API server words it. */
const TYPE_NAMES = {
  [ValueErrorType.Integer]: 'integer',
  [ValueErrorType.Number]: 'number',
  [ValueErrorType.String]: 'string',
  [ValueErrorType.Boolean]: 'boolean',
  [ValueErrorType.Object]: 'object',
  [ValueErrorType.Array]: 'array',
} as const;

// Messages worded like the API server's, so a user sees the same text in both runtimes.
function describe(e: ValueError): string {
  const s = e.schema as Record<string, unknown>;
  const v = e.value;
  const shown = JSON.stringify(v);
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'Required value';
    case ValueErrorType.ObjectAdditionalProperties:
      return `unknown field "${e.path.split('/').pop() ?? ''}"`;
    case ValueErrorType.Kind:
      if (isStringEnum(s))
        return `Unsupported value: ${shown}: supported values: ${s.enum.map((x) => `"${x}"`).join(', ')}`;
      return e.message;
    case ValueErrorType.StringPattern:
      return `Invalid value: ${shown}: should match '${String(s['pattern'])}'`;
    case ValueErrorType.StringFormat:
      return `Invalid value: ${shown}: must be of type ${String(s['format'])}`;
    case ValueErrorType.StringMaxLength:
      return `Too long: may not be more than ${String(s['maxLength'])} bytes`;
    case ValueErrorType.StringMinLength:
      return `Invalid value: ${shown}: should be at least ${String(s['minLength'])} chars long`;
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `Invalid value: ${shown}: should be greater than or equal to ${String(s['minimum'])}`;
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return `Invalid value: ${shown}: should be less than or equal to ${String(s['maximum'])}`;
    case ValueErrorType.ArrayMaxItems:
      return `Too many: ${(v as unknown[]).length}: must have at most ${String(s['maxItems'])} items`;
    case ValueErrorType.ArrayMinItems:
      return `Invalid value: ${(v as unknown[]).length}: should have at least ${String(s['minItems'])} items`;
    case ValueErrorType.Integer:
    case ValueErrorType.Number:
    case ValueErrorType.String:
    case ValueErrorType.Boolean:
    case ValueErrorType.Object:
    case ValueErrorType.Array:
      return `Invalid value: ${shown}: must be of type ${TYPE_NAMES[e.type]}`;
    default:
      return e.message;
  }
}

/**
 * Walks schema and value together and runs, at each present node, the
 * TypeScript mirrors of its CEL rules and the uniqueness of map/set lists.
 */
function celErrors(schema: TSchema, value: unknown, previous: unknown, path: string): FieldError[] {
  const out: FieldError[] = [];
  const s = schema as Record<string, unknown>;
  for (const rule of celRulesOf(schema)) {
    if (rule.transition === true && previous === undefined) continue;
    if (!rule.check(value, previous))
      out.push({ path: rule.fieldPath === undefined ? path : `${path}${rule.fieldPath}`, message: rule.message });
  }
  if (Array.isArray(value)) {
    out.push(...listUniqueness(s, value, path));
    const items = s['items'] as TSchema | undefined;
    if (items !== undefined) {
      // Transition rules inside lists would need list-map correlation; we have none, so items get no oldSelf.
      value.forEach((item, i) => out.push(...celErrors(items, item, undefined, `${path}[${i}]`)));
    }
  } else if (isRecord(value)) {
    const props = (s['properties'] ?? {}) as Record<string, TSchema>;
    for (const [key, child] of Object.entries(props)) {
      if (value[key] === undefined) continue;
      const old = isRecord(previous) ? previous[key] : undefined;
      out.push(...celErrors(child, value[key], old, `${path}.${key}`));
    }
  }
  return out;
}

function listUniqueness(s: Record<string, unknown>, list: readonly unknown[], path: string): FieldError[] {
  const type = s['x-kubernetes-list-type'];
  if (type !== 'map' && type !== 'set') return [];
  const keys = (s['x-kubernetes-list-map-keys'] as readonly string[] | undefined) ?? [];
  const seen = new Set<string>();
  const out: FieldError[] = [];
  list.forEach((item, i) => {
    const id =
      type === 'set'
        ? JSON.stringify(item)
        : JSON.stringify(Object.fromEntries(keys.map((k) => [k, (item as Record<string, unknown>)[k]])));
    if (seen.has(id)) out.push({ path: `${path}[${i}]`, message: `Duplicate value: ${id}` });
    seen.add(id);
  });
  return out;
}
