import { Writable } from 'node:stream';
import type https from 'node:https';
import { apiError } from '../../../src/k8s/api-errors.js';
import type { KubeClient, KubeRequest } from '../../../src/k8s/kube-client.js';
import type { KubeCredentials } from '../../../src/k8s/kubeconfig.js';
import { createLogger, type Logger } from '../../../src/observe/log.js';

/** An unsigned JWT with these claims (the agent does not verify signatures). */
export function jwt(claims: Record<string, unknown>): string {
  const part = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part(claims)}.c2ln`;
}

/**
 * The token side of a hub API server: TokenRequest for the agent's own
 * ServiceAccount and the heartbeat Lease, 401 for a token of a deleted
 * account, network errors while `down`. Bearer tokens are read from what the
 * client's credentials put on each request.
 */
export class FakeHub {
  uid = 'uid-1';
  /** token → account uid it belongs to */
  readonly tokens = new Map<string, string>();
  /** the Authorization token and expirationSeconds of each TokenRequest */
  readonly tokenRequests: { token: string; expirationSeconds: unknown }[] = [];
  /** tokens seen on other requests */
  readonly seen: string[] = [];
  leaseAnnotations: Record<string, string> | undefined;
  down = false;
  /** answer every request with this status (e.g. 503) */
  failWith: number | undefined;
  /** TokenRequests received, refused ones included */
  tokenAttempts = 0;
  /** the uid the next minted token claims (the API server's auth cache window) */
  mintFor: string | undefined;
  private n = 0;

  constructor(private readonly now: () => number) {}

  /** A token an admin mints (kubectl create token), valid for `seconds`. */
  mint(seconds: number, uid = this.uid): string {
    const iat = Math.floor(this.now() / 1000);
    const token = jwt({
      sub: 'system:serviceaccount:gridlake-site-naver:gridlake-agent',
      iat,
      exp: iat + seconds,
      'kubernetes.io': { serviceaccount: { name: 'gridlake-agent', uid } },
      n: this.n++,
    });
    this.tokens.set(token, uid);
    return token;
  }

  /** What the controller does on a credentialsEpoch bump: a new account, every old token dead. */
  recreateAccount(uid: string): void {
    this.uid = uid;
    this.tokens.clear();
  }

  connect = (creds: KubeCredentials): KubeClient => ({
    request: async <T>(req: KubeRequest): Promise<T> => {
      const opts: https.RequestOptions = {};
      await creds.applyToHTTPSOptions(opts);
      const token = String((opts.headers as Record<string, string>)['Authorization'] ?? '').replace(/^Bearer /, '');
      return this.handle(req, token) as T;
    },
    watch: () => Promise.reject(new Error('no watch')),
  });

  private handle(req: KubeRequest, token: string): unknown {
    if (this.down) throw apiError(undefined, undefined, req, new Error('connect ETIMEDOUT'));
    if (this.failWith !== undefined) throw apiError(this.failWith, { code: this.failWith }, req);
    if (req.path.endsWith('/token')) this.tokenAttempts++;
    const uid = this.tokens.get(token);
    const exp = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { exp: number }).exp;
    if (uid === undefined || uid !== this.uid || exp * 1000 <= this.now())
      throw apiError(401, { kind: 'Status', code: 401, reason: 'Unauthorized', message: 'Unauthorized' }, req);
    if (req.method === 'POST' && req.path.endsWith('/serviceaccounts/gridlake-agent/token')) {
      const spec = (req.body as { spec: { expirationSeconds?: number } }).spec;
      this.tokenRequests.push({ token, expirationSeconds: spec.expirationSeconds });
      const minted = this.mint(spec.expirationSeconds ?? 3600, this.mintFor ?? uid);
      return { status: { token: minted, expirationTimestamp: new Date(this.now()).toISOString() } };
    }
    this.seen.push(token);
    if (req.method === 'GET' && req.path.endsWith('/leases/gridlake-agent')) {
      if (!this.leaseAnnotations) throw apiError(404, { code: 404, reason: 'NotFound' }, req);
      return { metadata: { name: 'gridlake-agent', annotations: this.leaseAnnotations }, spec: {} };
    }
    return { kind: 'Status', path: req.path };
  }
}

/** A JSON logger whose lines the test reads. */
export function capturedLogger(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const logger = createLogger({ level: 'debug', destination, format: 'json' });
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
