/**
 * The claims of a ServiceAccount token that the agent needs: whose account it
 * is (the UID changes when the hub re-creates the account to revoke it), and
 * when it expires. The signature is NOT verified: the agent is not the
 * verifier, the hub's API server is, on every request. The agent only reads
 * its own token to know when to refresh it and what to report.
 */
export interface TokenClaims {
  /** `sub`, e.g. `system:serviceaccount:gridlake-site-naver:gridlake-agent` */
  readonly subject?: string;
  readonly serviceAccountUID?: string;
  /** epoch ms */
  readonly issuedAt?: number;
  /** epoch ms */
  readonly expiresAt?: number;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const seconds = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? v * 1000 : undefined;

/**
 * Reads the claims of a JWT; undefined when `token` is not a JWT with a JSON
 * payload. Bound tokens (TokenRequest) nest the account as
 * `kubernetes.io.serviceaccount.uid`; some issuers flatten that path into one
 * key, and legacy Secret-based tokens use
 * `kubernetes.io/serviceaccount/service-account.uid`: all three are read.
 */
export function readTokenClaims(token: string): TokenClaims | undefined {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || parts[1] === undefined || parts[1] === '') return undefined;
  let payload: Obj | undefined;
  try {
    payload = obj(JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')));
  } catch {
    return undefined;
  }
  if (!payload) return undefined;
  const uid =
    str(obj(obj(payload['kubernetes.io'])?.['serviceaccount'])?.['uid']) ??
    str(payload['kubernetes.io.serviceaccount.uid']) ??
    str(payload['kubernetes.io/serviceaccount/service-account.uid']);
  const fields: Record<string, unknown> = {
    subject: str(payload['sub']),
    serviceAccountUID: uid,
    issuedAt: seconds(payload['iat']),
    expiresAt: seconds(payload['exp']),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as TokenClaims;
}

/**
 * When to ask for the next token: after `fraction` of the token's lifetime,
 * counted on the agent's own clock from when the token arrived (`receivedAt`),
 * so a skew between the agent's and the hub's clocks cannot make it refresh
 * late. The lifetime is `exp - iat` from the claims (the hub may shorten what
 * was asked for); `requestedMs` when the claims lack either.
 */
export function refreshDueAt(
  receivedAt: number,
  claims: TokenClaims | undefined,
  fraction: number,
  requestedMs: number,
): number {
  const lifetime =
    claims?.issuedAt !== undefined && claims.expiresAt !== undefined && claims.expiresAt > claims.issuedAt
      ? claims.expiresAt - claims.issuedAt
      : requestedMs;
  return receivedAt + Math.max(0, Math.floor(lifetime * fraction));
}
