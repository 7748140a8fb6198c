import { describe, expect, it } from 'vitest';
import { collectDecision, DEFAULT_REVOKED_GRACE_SECONDS } from '../../../src/agent/revocation.js';

const since = Date.parse('2026-03-01T00:00:00Z');
const revoked = { kind: 'revoked', sinceMs: since, reason: 'the hub answered 401 Unauthorized' } as const;

describe('collecting after revocation', () => {
  it('collects while the credentials are ok or the hub is only unreachable', () => {
    expect(collectDecision({ kind: 'ok' }, 10, since)).toEqual({ action: 'collect' });
    const away = collectDecision({ kind: 'unreachable', sinceMs: since, reason: 'ETIMEDOUT' }, 0, since + 1e9);
    expect(away.action).toBe('collect');
    expect(away.message).toMatch(/unreachable since 2026-03-01T00:00:00.000Z \(ETIMEDOUT\); collecting into the spool/);
  });

  it('keeps collecting into the spool for the grace period, then stops (never deletes)', () => {
    const during = collectDecision(revoked, 3600, since + 3_599_999);
    expect(during).toMatchObject({ action: 'collect', stopAtMs: since + 3_600_000 });
    expect(during.message).toMatch(/revoked since .*until 2026-03-01T01:00:00.000Z \(grace 3600 s\)/);
    const after = collectDecision(revoked, 3600, since + 3_600_000);
    expect(after).toMatchObject({ action: 'stop-collecting', stopAtMs: since + 3_600_000 });
    expect(after.message).toMatch(/collecting stopped, spooled readings are kept/);
  });

  it('uses 24 h when the Lease does not say, and a zero grace stops at once', () => {
    expect(DEFAULT_REVOKED_GRACE_SECONDS).toBe(86_400);
    expect(collectDecision(revoked, undefined, since + 86_399_000).action).toBe('collect');
    expect(collectDecision(revoked, undefined, since + 86_400_000).action).toBe('stop-collecting');
    expect(collectDecision(revoked, 0, since).action).toBe('stop-collecting');
  });
});
