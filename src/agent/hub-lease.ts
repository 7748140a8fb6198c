import { HUB_LEASE_ANNOTATIONS } from '../api/agent-lease.js';

/** Name of the agent's heartbeat Lease (and of its ServiceAccount) in the site namespace. */
export const AGENT_LEASE_NAME = 'gridlake-agent';

/** API path of the heartbeat Lease in the site namespace `namespace`. */
export function agentLeasePath(namespace: string): string {
  return `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${AGENT_LEASE_NAME}`;
}

/** What the hub wrote on the Lease for the agent (it may not read its cluster-scoped RemoteSite). */
export interface HubLeaseSettings {
  readonly revokedGraceSeconds?: number;
  readonly tokenExpirationSeconds?: number;
}

const whole = (v: string | undefined): number | undefined =>
  v !== undefined && /^\d{1,10}$/.test(v) ? Number(v) : undefined;

/** Reads the hub's annotations; a value it cannot read is absent (the agent then uses its own default). */
export function readHubLeaseSettings(annotations: Readonly<Record<string, string>> | undefined): HubLeaseSettings {
  const grace = whole(annotations?.[HUB_LEASE_ANNOTATIONS.revokedGraceSeconds]);
  const lifetime = whole(annotations?.[HUB_LEASE_ANNOTATIONS.tokenExpirationSeconds]);
  return {
    ...(grace === undefined ? {} : { revokedGraceSeconds: grace }),
    ...(lifetime === undefined ? {} : { tokenExpirationSeconds: lifetime }),
  };
}
