import type { Registry } from 'prom-client';
import { metricMakers } from '../observe/metric-kit.js';

/** The states `gridlake_agent_credentials_state` has a series for. */
export const CREDENTIAL_STATES = ['ok', 'unreachable', 'revoked'] as const;

/**
 * How the agent stands with the hub API: its credentials and its heartbeat
 * (docs/metrics.md). Scraped on the agent's own /metrics; the hub learns the
 * same through the Lease annotations.
 */
export function hubLinkMetrics(registry: Registry) {
  const { counter, gauge } = metricMakers(registry);
  return {
    credentialsState: gauge(
      'gridlake_agent_credentials_state',
      "1 for the state the agent's hub credentials are in (ok, unreachable, revoked), 0 for the others",
      ['site', 'state'],
    ),
    tokenExpiry: gauge(
      'gridlake_agent_token_expiry_seconds',
      "Expiry (Unix seconds) of the agent's current hub token",
      ['site'],
    ),
    tokenRefreshes: counter(
      'gridlake_agent_token_refreshes_total',
      "TokenRequests for the agent's own ServiceAccount by outcome: ok, unreachable, unauthorized, error",
      ['site', 'outcome'],
    ),
    heartbeatFailures: gauge(
      'gridlake_agent_heartbeat_failures',
      'Consecutive heartbeat Lease renewals that failed (0 after a renewal)',
      ['site'],
    ),
  };
}

export type HubLinkMetrics = ReturnType<typeof hubLinkMetrics>;
