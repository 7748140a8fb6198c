import { describe, expect, it } from 'vitest';
import { readTokenClaims, refreshDueAt } from '../../../src/agent/token-claims.js';
import { jwt } from './fake-hub.js';

describe('token claims', () => {
  it('reads the account uid (nested, flattened or legacy), subject and times, without verifying', () => {
    const base = { sub: 'system:serviceaccount:ns:gridlake-agent', iat: 1000, exp: 4600 };
    expect(readTokenClaims(jwt({ ...base, 'kubernetes.io': { serviceaccount: { name: 'a', uid: 'u1' } } }))).toEqual({
      subject: base.sub,
      serviceAccountUID: 'u1',
      issuedAt: 1_000_000,
      expiresAt: 4_600_000,
    });
    expect(readTokenClaims(jwt({ ...base, 'kubernetes.io.serviceaccount.uid': 'u2' }))?.serviceAccountUID).toBe('u2');
    expect(readTokenClaims(jwt({ 'kubernetes.io/serviceaccount/service-account.uid': 'u3' }))?.serviceAccountUID).toBe(
      'u3',
    );
  });

  it('leaves out what it cannot read and refuses what is not a JWT', () => {
    expect(readTokenClaims(jwt({ exp: 'soon', iat: -1, 'kubernetes.io': { serviceaccount: 'x' } }))).toEqual({});
    expect(readTokenClaims('gridlake-admin-token')).toBeUndefined();
    expect(readTokenClaims('a.!!!.c')).toBeUndefined();
    expect(readTokenClaims(`a.${Buffer.from('[1]').toString('base64url')}.c`)).toBeUndefined();
  });

  it('refreshes after the given share of the lifetime the hub granted, on the local clock', () => {
    const claims = { issuedAt: 5_000_000, expiresAt: 5_000_000 + 3_600_000 };
    // The hub's clock is an hour off: only the lifetime counts, from when the token arrived.
    expect(refreshDueAt(100_000, claims, 0.5, 86_400_000)).toBe(100_000 + 1_800_000);
    expect(refreshDueAt(100_000, claims, 0.8, 86_400_000)).toBe(100_000 + 2_880_000);
    // A hub that shortened the token (max-token-expiration) is followed; no claims: what was asked for.
    expect(refreshDueAt(0, undefined, 0.5, 600_000)).toBe(300_000);
    expect(refreshDueAt(0, { expiresAt: 10 }, 0.5, 600_000)).toBe(300_000);
  });
});
