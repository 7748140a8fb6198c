import type { Bus } from '../bus/bus.js';
import type { KubeClient } from '../k8s/kube-client.js';

/**
 * The parts of the remote-site agent as its assembly (`agent.ts`) sees them.
 * Each part has one job and can be tested alone: the spool keeps readings on
 * the site's disk, the forwarder copies them to hub Kafka, the credentials
 * keep a working token for the hub API, the heartbeat renews the Lease that
 * tells the hub how the site is doing. docs/remote-sites.md explains the
 * whole; src/api/agent-lease.ts is the format the heartbeat writes.
 */

/** What the spool holds now. */
export interface SpoolUsage {
  /** records not yet acknowledged by hub Kafka */
  readonly records: number;
  /** bytes on disk */
  readonly bytes: number;
  /** the configured bound; collecting pauses (readings wait at the source) when it is reached */
  readonly limitBytes: number;
  /** baseTime (epoch ms) of the oldest reading not yet forwarded */
  readonly oldestMs?: number;
}

/** The local durable log every reading goes to first. */
export interface AgentSpool {
  /** where the collectors write: a Bus whose `send` refuses (GL_AGENT_SPOOL_FULL) once the bound is reached */
  readonly bus: Bus;
  usage(): SpoolUsage;
  close(): Promise<void>;
}

/** Copies the spool to hub Kafka, in order, at least once, keyed by reading identity. */
export interface Forwarder {
  /** source key (`sourceKey` in src/api/agent-lease.ts) → newest baseTime (epoch ms) acknowledged by hub Kafka */
  watermarks(): Readonly<Record<string, number>>;
  /** false while hub Kafka cannot be reached or refuses (the spool then grows) */
  linked(): boolean;
  /** stops after the batch in flight; what was acknowledged is committed in the spool */
  stop(): Promise<void>;
}

/** How the agent stands with the hub API. */
export type CredentialState =
  | { readonly kind: 'ok' }
  /** the hub cannot be reached (timeouts, refused connections): keep working, retry */
  | { readonly kind: 'unreachable'; readonly sinceMs: number; readonly reason: string }
  /** the hub answered 401: the ServiceAccount was re-created or deleted (credentialsEpoch bumped) */
  | { readonly kind: 'revoked'; readonly sinceMs: number; readonly reason: string };

/** A hub API client whose token the agent keeps fresh itself (TokenRequest). */
export interface HubCredentials {
  /** every request carries the current operating token */
  readonly client: KubeClient;
  /** UID of the ServiceAccount the current token belongs to (from the token's claims) */
  serviceAccountUID(): string | undefined;
  /** expiry of the current token, epoch ms */
  tokenExpiry(): number | undefined;
  state(): CredentialState;
  stop(): Promise<void>;
}

/** Renews Lease `gridlake-agent` in the site namespace. */
export interface Heartbeat {
  /** consecutive renewals that failed (3 or more: the agent counts itself disconnected from the hub) */
  failures(): number;
  /** what the hub wrote on the Lease for the agent: seconds the agent keeps collecting after revocation */
  revokedGraceSeconds(): number | undefined;
  stop(): Promise<void>;
}
