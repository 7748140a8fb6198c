import type { TSchema } from '@sinclair/typebox';
import type { CelRule } from './schema-kit.js';

/** One `additionalPrinterColumns` entry (apiextensions.k8s.io/v1). */
export interface PrinterColumn {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  readonly jsonPath: string;
  readonly description: string;
  /** 0 shows in `kubectl get`; 1 only with `-o wide`. */
  readonly priority?: 0 | 1;
}

/** The minimal view of a resource that root-level rules (on metadata.name) see. */
export interface ResourceRoot<Spec> {
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly spec: Spec;
}

/**
 * Everything needed to render one kind's CRD and to validate its YAML: the
 * names, scope, spec and status schemas, root-level CEL rules, and the
 * printer columns.
 */
export interface KindDefinition<Spec = unknown> {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly listKind: string;
  readonly shortNames: readonly string[];
  readonly scope: 'Namespaced' | 'Cluster';
  /** `kubectl explain <kind>` top-level text. */
  readonly description: string;
  readonly spec: TSchema;
  readonly status: TSchema;
  /** Rules on the whole object (they may read `self.metadata.name`). */
  readonly rootRules: readonly CelRule<ResourceRoot<Spec>>[];
  readonly printerColumns: readonly PrinterColumn[];
}

/** The Ready condition's status, as a printer column. */
export function readyColumn(): PrinterColumn {
  return {
    name: 'Ready',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Ready")].status',
    description: 'Whether the resource is ready (the Ready condition).',
  };
}

/**
 * Names of a kind whose objects label the workload they own stay within a
 * label value (63 characters).
 */
export function labelSizedName<Spec>(kind: string, owned: string): CelRule<ResourceRoot<Spec>> {
  return {
    rule: 'self.metadata.name.size() <= 63',
    message: `${kind} names are at most 63 characters (they label the ${owned} they own)`,
    check: (r) => r.metadata.name.length <= 63,
  };
}

/** Where a source runs (status.site), as a printer column. */
export function siteColumn(): PrinterColumn {
  return { name: 'Site', type: 'string', jsonPath: '.status.site', description: 'hub or the remote site running it.' };
}

/** How a source's last poll was classified, as a printer column. */
export function outcomeColumn(): PrinterColumn {
  return {
    name: 'Outcome',
    type: 'string',
    jsonPath: '.status.progress.lastOutcome',
    description: 'How the last poll was classified.',
  };
}

/** The standard Age column (kubectl adds it only when no columns are declared). */
export function ageColumn(): PrinterColumn {
  return {
    name: 'Age',
    type: 'date',
    jsonPath: '.metadata.creationTimestamp',
    description: 'Time since the resource was created.',
  };
}
