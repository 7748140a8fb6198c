import { FormatRegistry, Kind, Type, TypeRegistry } from '@sinclair/typebox';
import type { SchemaOptions, Static, TSchema, TUnsafe } from '@sinclair/typebox';

/**
 * Small building blocks for the gridlake API schemas. Every schema here is at
 * the same time a TypeBox type (validated in the embedded default) and, after
 * `toStructural`, a Kubernetes structural schema. Two things TypeBox cannot
 * say natively are added here: string enums that render as a plain
 * `{type: string, enum}` (no `anyOf`), and CEL rules whose TypeScript mirror
 * sits next to the rule so the two stay in step.
 */

const ENUM_KIND = 'GridlakeStringEnum';

if (!TypeRegistry.Has(ENUM_KIND)) {
  TypeRegistry.Set<{ enum: readonly string[] }>(
    ENUM_KIND,
    (schema, value) => typeof value === 'string' && schema.enum.includes(value),
  );
}

// RFC 3339 timestamp with a zone, as metav1.Time serialises (seconds, optional fraction).
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)));
}
if (!FormatRegistry.Has('date')) {
  FormatRegistry.Set('date', (v) => DATE.test(v) && isCalendarDate(v));
}

/** True for a real calendar date in `YYYY-MM-DD` (rejects 2025-02-30). */
export function isCalendarDate(v: string): boolean {
  if (!DATE.test(v)) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
}

/** A string enum rendered as `{type: string, enum: [...]}` (structural, no `anyOf`). */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions & { default?: T[number] } = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, [Kind]: ENUM_KIND, type: 'string', enum: [...values] });
}

/** True when a schema node is one of our string enums. */
export function isStringEnum(schema: unknown): schema is { enum: readonly string[] } {
  return typeof schema === 'object' && schema !== null && (schema as Record<symbol, unknown>)[Kind] === ENUM_KIND;
}

/**
 * A CEL rule (`x-kubernetes-validations`) and its TypeScript mirror. The API
 * server evaluates `rule`; the embedded default evaluates `check`, which must
 * accept exactly what `rule` accepts (the integration test feeds the same
 * invalid specs to both). `check` runs only after the schema itself validated,
 * so it may trust the value's shape.
 */
export interface CelRule<T> {
  readonly rule: string;
  readonly message: string;
  /** JSON path (relative to the node) the error is reported on, e.g. `.maxActiveRuns`. */
  readonly fieldPath?: string;
  readonly reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  /** Transition rules compare with the stored object and run on update only. */
  readonly transition?: boolean;
  readonly check: (self: T, oldSelf: T | undefined) => boolean;
}

/** The symbol under which a schema node keeps its rules' TypeScript mirrors. */
export const CEL_CHECKS: unique symbol = Symbol.for('gridlake.api.celChecks');

/** Attaches CEL rules to a schema node (the rules go to the CRD, the mirrors to the validator). */
export function withRules<S extends TSchema>(schema: S, rules: readonly CelRule<Static<S>>[]): S {
  const validations = rules.map((r) => ({
    rule: r.rule,
    message: r.message,
    ...(r.fieldPath === undefined ? {} : { fieldPath: r.fieldPath }),
    ...(r.reason === undefined ? {} : { reason: r.reason }),
  }));
  return { ...schema, 'x-kubernetes-validations': validations, [CEL_CHECKS]: rules };
}

/** The rules attached to a schema node, if any. */
export function celRulesOf(schema: unknown): readonly CelRule<unknown>[] {
  if (typeof schema !== 'object' || schema === null) return [];
  return ((schema as Record<symbol, unknown>)[CEL_CHECKS] as readonly CelRule<unknown>[] | undefined) ?? [];
}

// ----- common string shapes -------------------------------------------------

/** DNS-1123 subdomain (object names). */
export const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** DNS-1123 label (namespaces, site names). */
export const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
/** Kafka topic names (legal characters; 249 is Kafka's limit). */
export const TOPIC = '^[a-zA-Z0-9._-]+$';

/** A Kubernetes object name. */
export function ObjectName(description: string, maxLength = 253) {
  return Type.String({ description, minLength: 1, maxLength, pattern: DNS_SUBDOMAIN });
}

/** A namespace name (a DNS-1123 label). */
export function NamespaceName(description: string) {
  return Type.String({ description, minLength: 1, maxLength: 63, pattern: DNS_LABEL });
}

/** A key inside a Secret's data (the API server's rule for its keys). */
export function SecretDataKey(description: string, defaultKey?: string) {
  return Type.String({
    description,
    ...(defaultKey === undefined ? {} : { default: defaultKey }),
    minLength: 1,
    maxLength: 253,
    pattern: '^[-._a-zA-Z0-9]+$',
  });
}

/** An RFC 3339 timestamp (metav1.Time). */
export function Timestamp(description: string) {
  return Type.String({ description, format: 'date-time', maxLength: 64 });
}

/** A calendar date `YYYY-MM-DD`. */
export function CalendarDate(description: string) {
  return Type.String({ description, format: 'date', maxLength: 10, pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' });
}

/** A Kafka topic name. */
export function Topic(description: string, defaultValue?: string) {
  return Type.String({
    description,
    minLength: 1,
    maxLength: 249,
    pattern: TOPIC,
    ...(defaultValue === undefined ? {} : { default: defaultValue }),
  });
}
