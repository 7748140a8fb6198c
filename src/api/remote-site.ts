import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Conditions, ObservedGeneration } from './common.js';
import { ageColumn } from './kind-definition.js';
import type { KindDefinition } from './kind-definition.js';
import { DNS_LABEL, StringEnum, Timestamp, withRules } from './schema-kit.js';

export const SITE_NAMESPACE_PREFIX = 'gridlake-site-';
/** The hub namespace a site's agent works in. */
export function siteNamespace(site: string): string {
  return `${SITE_NAMESPACE_PREFIX}${site}`;
}
/** Longest site name whose namespace is still a DNS label (63). */
export const SITE_NAME_MAX = 63 - SITE_NAMESPACE_PREFIX.length;

// `[.]`, not `\.`: the pattern sits inside a CEL string literal, where `\.` is no escape.
const IPV4_CIDR =
  '^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])[.]){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])/([0-9]|[12][0-9]|3[0-2])$';

export const RemoteSiteSpec = withRules(
  Type.Object(
    {
      displayName: Type.Optional(
        Type.String({ description: 'A human name for the site, e.g. "Naver Cloud KR-2".', maxLength: 128 }),
      ),
      leaseDurationSeconds: Type.Integer({
        description:
          'Heartbeat lease of the agent: it renews every quarter of this; the hub marks it AgentConnected=Unknown when a lease expires.',
        default: 40,
        minimum: 10,
        maximum: 600,
      }),
      tokenExpirationSeconds: Type.Integer({
        description:
          "Lifetime of the agent's operating token (TokenRequest); the agent refreshes it at half-life. It must outlast the longest partition survived without a human.",
        default: 604800,
        minimum: 3600,
        maximum: 7776000,
      }),
      revokedGracePeriodSeconds: Type.Integer({
        description: 'After its credentials are revoked, the agent keeps spooling this long, then stops collecting.',
        default: 86400,
        minimum: 0,
        maximum: 2592000,
      }),
      credentialsEpoch: withRules(
        Type.Integer({
          description:
            "Bump to revoke: the controller re-creates the agent's ServiceAccount (every token dies) and rotates its Kafka password. It never decreases.",
          default: 0,
          minimum: 0,
        }),
        [
          {
            rule: 'self >= oldSelf',
            message: 'credentialsEpoch can only increase (bump it to revoke the agent credentials)',
            transition: true,
            check: (self, old) => old === undefined || self >= old,
          },
        ],
      ),
      egressCIDRs: Type.Optional(
        Type.Array(
          withRules(Type.String({ description: 'An IPv4 CIDR, e.g. 203.0.113.7/32.', maxLength: 18 }), [
            {
              rule: `self.matches('${IPV4_CIDR}')`,
              message: 'egressCIDRs entries are IPv4 CIDRs such as 203.0.113.7/32',
              check: (c) => new RegExp(IPV4_CIDR).test(c),
            },
          ]),
          {
            description:
              "The site's public egress addresses. Kafka ACLs admit the site's user only from these; absent: from anywhere (SASL still required).",
            maxItems: 16,
            'x-kubernetes-list-type': 'set',
          },
        ),
      ),
    },
    {
      description: 'A remote site whose agent runs the sources placed in namespace gridlake-site-<name>.',
      additionalProperties: false,
    },
  ),
  [
    {
      rule: 'self.leaseDurationSeconds * 10 <= self.tokenExpirationSeconds',
      message: 'tokenExpirationSeconds must be at least ten lease durations',
      fieldPath: '.tokenExpirationSeconds',
      check: (s) => s.leaseDurationSeconds * 10 <= s.tokenExpirationSeconds,
    },
  ],
);
export type RemoteSiteSpec = Static<typeof RemoteSiteSpec>;

export const RemoteSiteStatus = Type.Object(
  {
    observedGeneration: Type.Optional(ObservedGeneration),
    conditions: Type.Optional(Conditions('Ready, Registered, AgentConnected, ClockSynced, SpoolHealthy')),
    namespace: Type.Optional(Type.String({ description: 'The hub namespace of the site.', maxLength: 63 })),
    serviceAccountUID: Type.Optional(
      Type.String({ description: "UID of the agent's current ServiceAccount (changes on revocation).", maxLength: 64 }),
    ),
    agent: Type.Optional(
      Type.Object(
        {
          lastHeartbeatTime: Type.Optional(
            Timestamp(
              'Hub time when the lease renewal was last seen (updated at most once a minute and on transitions).',
            ),
          ),
          holderIdentity: Type.Optional(
            Type.String({ description: 'The lease holder: <pod>/<boot-id>.', maxLength: 253 }),
          ),
          version: Type.Optional(Type.String({ description: 'gridlake version of the agent.', maxLength: 64 })),
          leaseTransitions: Type.Optional(Type.Integer({ description: 'Times the lease changed holder.', minimum: 0 })),
          spoolRecords: Type.Optional(Type.Integer({ description: 'Records waiting in the spool.', minimum: 0 })),
          spoolBytes: Type.Optional(Type.Integer({ description: 'Bytes waiting in the spool.', minimum: 0 })),
          spoolOldestTime: Type.Optional(Timestamp('Observation time of the oldest spooled record.')),
          tokenExpiryTime: Type.Optional(Timestamp("When the agent's operating token expires.")),
        },
        { description: "The agent's health, from its Lease and the Lease's annotations.", additionalProperties: false },
      ),
    ),
    sources: Type.Optional(
      Type.Array(
        Type.Object(
          {
            kind: StringEnum(['PowerSource', 'WeatherSource'] as const, { description: 'Kind of the source.' }),
            name: Type.String({ description: 'Name of the source in the site namespace.', maxLength: 253 }),
            forwardedWatermark: Timestamp(
              'Newest observation time of this source that hub Kafka acknowledged; the spool drains in order, so everything the agent collected before it is in Kafka. A DailyJoin waits for it to pass the end of a date.',
            ),
          },
          { description: 'Forwarding progress of one source.', additionalProperties: false },
        ),
        {
          description: "Per source of the site: how far the agent's forwarding has got (from the Lease annotations).",
          maxItems: 256,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['kind', 'name'],
        },
      ),
    ),
  },
  { description: 'Observed state of the site (written by the controller).', additionalProperties: false },
);
export type RemoteSiteStatus = Static<typeof RemoteSiteStatus>;

export const remoteSiteKind: KindDefinition<RemoteSiteSpec> = {
  kind: 'RemoteSite',
  plural: 'remotesites',
  singular: 'remotesite',
  listKind: 'RemoteSiteList',
  shortNames: ['site'],
  scope: 'Cluster',
  description:
    'RemoteSite registers a remote site (e.g. naver) whose agent connects outbound to the hub. The controller makes namespace gridlake-site-<name> with a least-privilege ServiceAccount and Role; sources placed there are run by the agent.',
  spec: RemoteSiteSpec,
  status: RemoteSiteStatus,
  rootRules: [
    {
      rule: `self.metadata.name.size() <= ${SITE_NAME_MAX} && self.metadata.name.matches('${DNS_LABEL}')`,
      message: `a RemoteSite name is a DNS label of at most ${SITE_NAME_MAX} characters (lower case, digits, '-'), so gridlake-site-<name> is a valid namespace`,
      check: (r) => r.metadata.name.length <= SITE_NAME_MAX && new RegExp(DNS_LABEL).test(r.metadata.name),
    },
  ],
  printerColumns: [
    { name: 'Namespace', type: 'string', jsonPath: '.status.namespace', description: 'Hub namespace of the site.' },
    {
      name: 'Connected',
      type: 'string',
      jsonPath: '.status.conditions[?(@.type=="AgentConnected")].status',
      description: 'Whether the agent heartbeat is fresh.',
    },
    { name: 'Agent', type: 'string', jsonPath: '.status.agent.version', description: 'Agent version.' },
    {
      name: 'Spool',
      type: 'integer',
      jsonPath: '.status.agent.spoolRecords',
      description: 'Records waiting in the spool.',
    },
    {
      name: 'Heartbeat',
      type: 'date',
      jsonPath: '.status.agent.lastHeartbeatTime',
      description: 'Age of the last heartbeat seen.',
    },
    ageColumn(),
  ],
};
