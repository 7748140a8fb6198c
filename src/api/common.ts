import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { DEFAULT_S3_REGION } from './defaults.js';
import { ObjectName, StringEnum, Timestamp, withRules, NamespaceName, SecretDataKey } from './schema-kit.js';

/** API group and version of every gridlake kind. */
export const GROUP = 'gridlake.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** A key in a Secret in the resource's own namespace. Secrets are referenced, never inlined. */
export const SecretKeyRef = Type.Object(
  {
    name: ObjectName('Name of the Secret, in the same namespace as this resource.'),
    key: SecretDataKey('Key inside the Secret whose value is used.'),
  },
  { description: 'A reference to one key of a Secret in this namespace.', additionalProperties: false },
);
export type SecretKeyRef = Static<typeof SecretKeyRef>;

/** A reference to an object of a known kind by name (and optionally namespace). */
export const SourceRef = Type.Object(
  {
    name: ObjectName('Name of the source.'),
    namespace: Type.Optional(
      NamespaceName(
        "Namespace of the source; defaults to this resource's namespace. Use a site namespace (gridlake-site-<site>) for sources run by a remote agent.",
      ),
    ),
  },
  { description: 'A reference to a source by name.', additionalProperties: false },
);
export type SourceRef = Static<typeof SourceRef>;

/** The Kubernetes condition shape (metav1.Condition). */
export const Condition = Type.Object(
  {
    type: Type.String({
      description: 'Type of condition in CamelCase, e.g. Ready.',
      minLength: 1,
      maxLength: 316,
      pattern:
        '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
    }),
    status: StringEnum(['True', 'False', 'Unknown'] as const, { description: 'Status of the condition.' }),
    observedGeneration: Type.Optional(
      Type.Integer({
        description: 'The .metadata.generation the condition was set from.',
        minimum: 0,
      }),
    ),
    lastTransitionTime: Timestamp('Last time the condition changed status.'),
    reason: Type.String({
      description: 'One-word CamelCase reason for the last transition.',
      minLength: 1,
      maxLength: 1024,
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
    }),
    message: Type.String({ description: 'Human-readable details; may be empty.', maxLength: 32768 }),
  },
  { description: 'One observed aspect of the resource.', additionalProperties: false },
);
export type Condition = Static<typeof Condition>;

/** `status.conditions`: a map list keyed by type. */
export function Conditions(types: string) {
  return Type.Array(Condition, {
    description: `Current state, one entry per condition type (${types}). Written by the controller only.`,
    maxItems: 16,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['type'],
  });
}

/** `status.observedGeneration`. */
export const ObservedGeneration = Type.Integer({
  description: 'The .metadata.generation the controller last acted on; status is current when it equals it.',
  minimum: 0,
});

/** Credentials for an S3-compatible store, referenced from a Secret. */
export const S3CredentialsRef = Type.Object(
  {
    name: ObjectName('Name of the Secret holding the access key pair, in this namespace.'),
    accessKeyIdKey: SecretDataKey('Key holding the access key id.', 'accessKeyId'),
    secretAccessKeyKey: SecretDataKey('Key holding the secret access key.', 'secretAccessKey'),
  },
  {
    description:
      'Secret with the S3 access key pair. Absent: the default credential chain of the pod (instance role, IRSA, environment).',
    additionalProperties: false,
  },
);
export type S3CredentialsRef = Static<typeof S3CredentialsRef>;

/**
 * Where the lake lives: an S3 bucket (or, in the embedded default, the folder
 * `<data-dir>/lake/<bucket>`) and a prefix under which `raw/`, `warehouse/`
 * and `deadletter/` are kept.
 */
export const LakeLocation = withRules(
  Type.Object(
    {
      bucket: Type.String({
        description: 'S3 bucket name. In the embedded default the lake is the folder <data-dir>/lake/<bucket> instead.',
        minLength: 3,
        maxLength: 63,
        pattern: '^[a-z0-9][a-z0-9.-]*[a-z0-9]$',
      }),
      prefix: Type.String({
        description:
          "Key prefix under which the zones live (raw/, warehouse/, deadletter/). Empty for the bucket's root; otherwise ends with '/'.",
        default: '',
        maxLength: 512,
        pattern: '^([A-Za-z0-9!_.*()\\-][A-Za-z0-9!_.*()/\\-]*/)?$',
      }),
      endpoint: Type.Optional(
        Type.String({
          description: 'S3 endpoint URL for S3-compatible stores (MinIO); absent for AWS S3.',
          maxLength: 2048,
          pattern: '^https?://[^\\s]+$',
        }),
      ),
      region: Type.String({ description: 'S3 region.', default: DEFAULT_S3_REGION, minLength: 1, maxLength: 64 }),
      forcePathStyle: Type.Boolean({
        description: 'Use path-style addressing (required by MinIO and most S3-compatible stores).',
        default: false,
      }),
      credentialsSecretRef: Type.Optional(S3CredentialsRef),
    },
    { description: 'The lake: an S3 bucket and prefix.', additionalProperties: false },
  ),
  [
    {
      rule: "!self.bucket.contains('..')",
      message: 'bucket must not contain two adjacent periods',
      fieldPath: '.bucket',
      check: (self) => !self.bucket.includes('..'),
    },
  ],
);
export type LakeLocation = Static<typeof LakeLocation>;

/** The last error a worker met, as it reported it. */
export const WorkerError = Type.Object(
  {
    class: Type.String({
      description: 'Error class, e.g. quota, auth, http_error, timeout, malformed, ConnectTimeout.',
      maxLength: 64,
    }),
    message: Type.String({ description: 'What went wrong, in a sentence.', maxLength: 1024 }),
    time: Timestamp('When it happened.'),
  },
  { description: 'The most recent error the worker met; kept until it succeeds again.', additionalProperties: false },
);

/** Who wrote a progress block, and when. */
export const ReporterFields = {
  reporter: Type.String({
    description: 'Identity of the worker that wrote this block: a pod name, or <site>/<agent pod> for a remote agent.',
    maxLength: 253,
  }),
  updatedAt: Timestamp('When the worker last wrote this block.'),
};
