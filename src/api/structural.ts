import type { TSchema } from '@sinclair/typebox';

/** JSON schema as the API server reads it (JSONSchemaProps, the subset we use). */
export type JsonSchema = { readonly [key: string]: unknown };

// Keywords a structural schema may carry, in the order they are written out.
const KEY_ORDER = [
  'description',
  'type',
  'format',
  'enum',
  'default',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'nullable',
  'required',
  'properties',
  'items',
  'additionalProperties',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-validations',
] as const;

const FORBIDDEN = ['anyOf', 'oneOf', 'allOf', 'not', '$ref', 'const', 'patternProperties'];

/**
 * Turns a TypeBox schema into a Kubernetes structural schema: only string
 * keys survive (TypeBox's symbols and the CEL mirrors are dropped), keys are
 * ordered so output is deterministic, `additionalProperties: false` is
 * removed (the API server prunes unknown fields instead; kubectl's strict
 * field validation still reports them), fields with a default are not listed
 * as required, and anything non-structural is an error rather than a CRD the
 * API server would refuse.
 */
export function toStructural(schema: TSchema | JsonSchema, path = '<root>'): JsonSchema {
  const src = schema as Record<string, unknown>;
  for (const key of FORBIDDEN) {
    if (key in src) throw new Error(`${path}: '${key}' is not allowed in a structural schema`);
  }
  const known = new Set<string>(KEY_ORDER);
  for (const key of Object.keys(src)) {
    if (!known.has(key) && key !== '$id' && key !== 'title') {
      throw new Error(`${path}: keyword '${key}' is not supported by the CRD generator`);
    }
  }
  if (src['type'] === undefined && src['x-kubernetes-preserve-unknown-fields'] !== true) {
    throw new Error(`${path}: every node of a structural schema needs a type`);
  }
  if (typeof src['description'] !== 'string' || src['description'].length === 0) {
    throw new Error(`${path}: every field needs a description (kubectl explain shows it)`);
  }
  const out: Record<string, unknown> = {};
  for (const key of KEY_ORDER) {
    const value = src[key];
    if (value === undefined) continue;
    switch (key) {
      case 'properties': {
        const props: Record<string, unknown> = {};
        for (const name of Object.keys(value as object).sort()) {
          props[name] = toStructural((value as Record<string, JsonSchema>)[name] as JsonSchema, `${path}.${name}`);
        }
        out[key] = props;
        break;
      }
      case 'items':
        out[key] = toStructural(value as JsonSchema, `${path}[]`);
        break;
      case 'additionalProperties':
        if (value === false) break;
        if (value === true) throw new Error(`${path}: additionalProperties: true is not structural`);
        out[key] = toStructural(value as JsonSchema, `${path}{}`);
        break;
      case 'required': {
        // A field with a default is never missing once defaulted; listing it as
        // required would make a parent's `default: {}` fail validation.
        const props = (src['properties'] ?? {}) as Record<string, Record<string, unknown>>;
        const required = (value as string[]).filter((name) => !('default' in (props[name] ?? {})));
        if (required.length > 0) out[key] = required.sort();
        break;
      }
      default:
        out[key] = structuredClone(value);
    }
  }
  return out;
}
