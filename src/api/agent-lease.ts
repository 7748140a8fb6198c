/**
 * The heartbeat Lease of a remote site's agent: the one channel through which
 * the agent tells the hub what the hub cannot scrape (the agent needs only
 * outbound connections, so Prometheus on the hub never reaches it). The hub
 * controller creates Lease `gridlake-agent` in the site namespace; the agent
 * only renews it, writing `spec.renewTime`, `spec.holderIdentity` and the
 * annotations below; the controller reads them into the RemoteSite's status,
 * conditions and metrics. docs/remote-sites.md describes the exchange.
 *
 * Plain data, no I/O: both sides import this file, so the keys and their
 * encodings cannot drift apart.
 */

/** Annotation keys the agent writes on its Lease (and the controller reads). */
export const AGENT_LEASE_ANNOTATIONS = {
  version: 'gridlake.io/agent-version',
  /** UID of the ServiceAccount the agent's token belongs to: a renewal by a revoked identity is impossible, so an old UID here means revoked. */
  serviceAccountUID: 'gridlake.io/service-account-uid',
  tokenExpiry: 'gridlake.io/token-expiry',
  spoolRecords: 'gridlake.io/spool-records',
  spoolBytes: 'gridlake.io/spool-bytes',
  spoolLimitBytes: 'gridlake.io/spool-limit-bytes',
  /** Observation time (baseTime) of the oldest reading still in the spool. */
  spoolOldest: 'gridlake.io/spool-oldest',
  /** JSON object: source key (see `sourceKey`) → RFC 3339 time of the newest baseTime acknowledged by hub Kafka. */
  forwardedWatermarks: 'gridlake.io/forwarded-watermarks',
} as const;

/**
 * Annotations the controller writes when it creates the Lease, for the agent
 * to read (the agent may not read its RemoteSite: cluster-scoped).
 */
export const HUB_LEASE_ANNOTATIONS = {
  /** spec.revokedGracePeriodSeconds of the RemoteSite */
  revokedGraceSeconds: 'gridlake.io/revoked-grace-seconds',
  /** spec.tokenExpirationSeconds of the RemoteSite */
  tokenExpirationSeconds: 'gridlake.io/token-expiration-seconds',
} as const;

export type SiteSourceKind = 'PowerSource' | 'WeatherSource';

/** Key of one source in the watermark map: `PowerSource/kpx`, `WeatherSource/cities`. */
export function sourceKey(kind: SiteSourceKind, name: string): string {
  return `${kind}/${name}`;
}

/** What one renewal says about the agent. */
export interface AgentLeaseReport {
  readonly version?: string;
  readonly serviceAccountUID?: string;
  /** epoch ms */
  readonly tokenExpiry?: number;
  readonly spoolRecords?: number;
  readonly spoolBytes?: number;
  readonly spoolLimitBytes?: number;
  /** epoch ms */
  readonly spoolOldest?: number;
  /** source key → epoch ms */
  readonly forwardedWatermarks?: Readonly<Record<string, number>>;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The annotations of one renewal; absent fields are left out (the agent keeps any other annotation as it found it). */
export function encodeAgentLease(r: AgentLeaseReport): Record<string, string> {
  const a = AGENT_LEASE_ANNOTATIONS;
  const out: Record<string, string> = {};
  if (r.version !== undefined) out[a.version] = r.version;
  if (r.serviceAccountUID !== undefined) out[a.serviceAccountUID] = r.serviceAccountUID;
  if (r.tokenExpiry !== undefined) out[a.tokenExpiry] = iso(r.tokenExpiry);
  if (r.spoolRecords !== undefined) out[a.spoolRecords] = String(r.spoolRecords);
  if (r.spoolBytes !== undefined) out[a.spoolBytes] = String(r.spoolBytes);
  if (r.spoolLimitBytes !== undefined) out[a.spoolLimitBytes] = String(r.spoolLimitBytes);
  if (r.spoolOldest !== undefined) out[a.spoolOldest] = iso(r.spoolOldest);
  if (r.forwardedWatermarks !== undefined) {
    const sorted = Object.keys(r.forwardedWatermarks)
      .sort()
      .map((k) => [k, iso(r.forwardedWatermarks?.[k] ?? 0)]);
    out[a.forwardedWatermarks] = JSON.stringify(Object.fromEntries(sorted));
  }
  return out;
}

const count = (v: string | undefined): number | undefined => {
  if (v === undefined || !/^\d{1,15}$/.test(v)) return undefined;
  return Number(v);
};
const time = (v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
};

/**
 * Reads a Lease's annotations. Tolerant: the Lease is written by another
 * process (possibly another version), so a field it cannot read is absent,
 * never an error that stops the reconciler.
 */
export function decodeAgentLease(annotations: Readonly<Record<string, string>> | undefined): AgentLeaseReport {
  const a = AGENT_LEASE_ANNOTATIONS;
  const get = (k: string): string | undefined => annotations?.[k];
  const marks: Record<string, number> = {};
  const raw = get(a.forwardedWatermarks);
  if (raw !== undefined) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        for (const [k, v] of Object.entries(parsed)) {
          const ms = typeof v === 'string' ? time(v) : undefined;
          if (ms !== undefined) marks[k] = ms;
        }
      }
    } catch {
      // an unreadable map reads as "no watermark yet": the join keeps waiting, within its grace period
    }
  }
  const version = get(a.version);
  const uid = get(a.serviceAccountUID);
  const fields: Record<string, unknown> = {
    version,
    serviceAccountUID: uid,
    tokenExpiry: time(get(a.tokenExpiry)),
    spoolRecords: count(get(a.spoolRecords)),
    spoolBytes: count(get(a.spoolBytes)),
    spoolLimitBytes: count(get(a.spoolLimitBytes)),
    spoolOldest: time(get(a.spoolOldest)),
    forwardedWatermarks: raw === undefined ? undefined : marks,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as AgentLeaseReport;
}
