import { RemoteSiteSpec } from '../api/remote-site.js';
import { assertNever } from '../errors.js';
import type { CredentialState } from './ports.js';

/** Grace when the Lease carries no `gridlake.io/revoked-grace-seconds`: the RemoteSite's default. */
export const DEFAULT_REVOKED_GRACE_SECONDS = (
  RemoteSiteSpec.properties.revokedGracePeriodSeconds as { default: number }
).default;

/** Whether the agent's collectors keep running, and what to tell a person about it. */
export interface CollectDecision {
  readonly action: 'collect' | 'stop-collecting';
  /** set when credentials are not `ok` */
  readonly message?: string;
  /** while revoked: when collecting stops (epoch ms) */
  readonly stopAtMs?: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * What a revocation means for collecting. The hub refusing the agent does not
 * make its readings wrong: the agent keeps collecting into its spool for the
 * grace period (an admin who revoked by mistake, or rotated on purpose,
 * re-admits it without a gap), then stops collecting. Nothing spooled is ever
 * deleted: it is forwarded once the agent is admitted again.
 */
export function collectDecision(
  state: CredentialState,
  graceSeconds: number | undefined,
  nowMs: number,
): CollectDecision {
  switch (state.kind) {
    case 'ok':
      return { action: 'collect' };
    case 'unreachable':
      return {
        action: 'collect',
        message: `hub API unreachable since ${iso(state.sinceMs)} (${state.reason}); collecting into the spool`,
      };
    case 'revoked': {
      const grace = Math.max(0, graceSeconds ?? DEFAULT_REVOKED_GRACE_SECONDS);
      const stopAtMs = state.sinceMs + grace * 1000;
      const why = `hub credentials revoked since ${iso(state.sinceMs)} (${state.reason})`;
      const readmit = 're-admit the agent with a new bootstrap token (docs/remote-sites.md)';
      if (nowMs < stopAtMs)
        return {
          action: 'collect',
          stopAtMs,
          message: `${why}; collecting into the spool until ${iso(stopAtMs)} (grace ${grace} s), then stopping; ${readmit}`,
        };
      return {
        action: 'stop-collecting',
        stopAtMs,
        message: `${why}; the grace of ${grace} s ended at ${iso(stopAtMs)}: collecting stopped, spooled readings are kept and forwarded once admitted again; ${readmit}`,
      };
    }
    default:
      return assertNever(state);
  }
}
