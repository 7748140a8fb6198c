import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type https from 'node:https';
import path from 'node:path';
import type { Registry } from 'prom-client';
import { siteNamespace } from '../api/remote-site.js';
import { backoffDelay } from '../backoff.js';
import { systemClock, type Clock } from '../clock.js';
import { assertNever, glError } from '../errors.js';
import { errorStatus } from '../k8s/api-errors.js';
import { createKubeClient, type KubeClient, type RequestObserver } from '../k8s/kube-client.js';
import { KubeConfigLite, parseKubeConfig, type KubeCredentials } from '../k8s/kubeconfig.js';
import type { Logger } from '../observe/log.js';
import type { Rng } from '../random.js';
import { AGENT_LEASE_NAME, agentLeasePath, readHubLeaseSettings } from './hub-lease.js';
import { CREDENTIAL_STATES, hubLinkMetrics, type HubLinkMetrics } from './hub-link-metrics.js';
import type { CredentialState, HubCredentials } from './ports.js';
import { readTokenClaims, refreshDueAt, type TokenClaims } from './token-claims.js';

/** Token lifetime when the Lease carries no `gridlake.io/token-expiration-seconds` yet. */
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 86_400;
/** The API server refuses a TokenRequest shorter than 10 minutes. */
const MIN_TOKEN_EXPIRATION_SECONDS = 600;
/** Where the operating token is kept in the state folder. */
export const SAVED_TOKEN_FILE = 'hub-token.json';
/** When the hub first refused the agent: the grace period runs across restarts. */
export const REVOKED_SINCE_FILE = 'revoked-since.json';

export interface HubCredentialsOptions {
  /** kubeconfig with the hub's server, CA and a bootstrap token (minted by an admin, ~1 h) */
  readonly bootstrapKubeconfig: string;
  /** a folder on the agent's volume; holds the operating token (mode 0600) */
  readonly stateDir: string;
  readonly site: string;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly registry?: Registry;
  /** lifetime asked for when the Lease does not say (default 86400 s) */
  readonly defaultTokenExpirationSeconds?: number;
  /** share of a token's lifetime after which the next one is requested (default 0.5) */
  readonly refreshFraction?: number;
  /** pause between attempts while revoked, ±20 % (default 5 min) */
  readonly revokedRetryMs?: number;
  /** how often the bootstrap kubeconfig is read for a new token (default 10 s) */
  readonly bootstrapPollMs?: number;
  /** sees every request of `client` (e.g. rest_client_requests_total) */
  readonly onRequest?: RequestObserver;
  readonly rng?: Rng;
  /** how a client is made from credentials (tests); default createKubeClient */
  readonly connect?: (credentials: KubeCredentials, onRequest?: RequestObserver) => KubeClient;
}

interface Bootstrap {
  /** the file's text, to notice a change */
  readonly text: string;
  readonly config: KubeConfigLite;
  readonly token: string;
  readonly claims: TokenClaims | undefined;
  /** sha256 of the token: which bootstrap an operating token came from, kept across restarts */
  readonly digest: string;
  /** server and CA: a change needs a new connection pool */
  readonly endpoint: string;
}

interface Held {
  readonly token: string;
  readonly claims: TokenClaims | undefined;
  readonly source: 'bootstrap' | 'operating';
  /** digest of the bootstrap token the operating token descends from */
  readonly bootstrapDigest: string | undefined;
}

interface SavedToken {
  readonly token: string;
  readonly bootstrapDigest?: string;
}

type Outcome =
  | { readonly kind: 'ok'; readonly token: string }
  | { readonly kind: 'unauthorized'; readonly reason: string }
  | { readonly kind: 'unreachable'; readonly reason: string }
  | { readonly kind: 'error'; readonly reason: string };

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Credentials that send `token()` as the bearer token, with the server and TLS settings of `base`. */
class BearerCredentials implements KubeCredentials {
  constructor(
    private readonly base: KubeConfigLite,
    private readonly token: () => string,
  ) {}
  getCurrentCluster(): ReturnType<KubeConfigLite['getCurrentCluster']> {
    return this.base.getCurrentCluster();
  }
  getCurrentContext(): string {
    return this.base.getCurrentContext();
  }
  async applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    await this.base.applyToHTTPSOptions(opts);
    (opts.headers as Record<string, string>)['Authorization'] = `Bearer ${this.token()}`;
  }
}

function parseBootstrap(file: string, text: string, now: () => number): Bootstrap {
  const config = new KubeConfigLite(parseKubeConfig(text, path.dirname(file), file), now);
  const cluster = config.getCurrentCluster();
  const token = config.getCurrentUser()?.token?.trim();
  if (!cluster || !token)
    throw glError(
      'GL_K8S_KUBECONFIG_INVALID',
      `bootstrap kubeconfig ${file}: needs a current context with a cluster and a user token (kubectl create token gridlake-agent …)`,
      { context: { file } },
    );
  return {
    text,
    config,
    token,
    claims: readTokenClaims(token),
    digest: sha256(token),
    endpoint: JSON.stringify([cluster.server, cluster.caFile, cluster.caData, cluster.tlsServerName]),
  };
}

/**
 * The agent's hub credentials. It starts from the bootstrap kubeconfig (or a
 * saved operating token that has not expired), asks the TokenRequest API for
 * an operating token of its own ServiceAccount, keeps it in the state folder
 * and asks again after half its lifetime (docs/remote-sites.md, "Credentials").
 * `client` always sends the token held now. A 401 means the account was
 * re-created or the token expired: the state turns `revoked`, and the agent
 * keeps trying every few minutes and whenever the bootstrap kubeconfig
 * changes, so an admin re-admits it by handing it a new bootstrap token.
 */
export class AgentHubCredentials implements HubCredentials {
  readonly client: KubeClient;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly metrics: HubLinkMetrics | undefined;
  private readonly namespace: string;
  private readonly rng: Rng;
  private readonly fraction: number;
  private readonly revokedRetryMs: number;
  private readonly pollMs: number;
  private readonly defaultLifetime: number;
  private readonly connect: NonNullable<HubCredentialsOptions['connect']>;
  private readonly stopper = new AbortController();
  private bootstrap: Bootstrap | undefined;
  private held: Held;
  private inner: KubeClient;
  private current: CredentialState = { kind: 'ok' };
  private lifetimeSeconds: number;
  private nextAttemptAt: number;
  private retries = 0;
  private wake = new AbortController();
  private loop: Promise<void> | undefined;
  private firstAttempt: Promise<void>;
  private firstAttemptDone: () => void = () => {};
  private readonly fileWrites = new Set<Promise<void>>();
  private revokedSince: number | undefined;

  private constructor(
    private readonly options: HubCredentialsOptions,
    bootstrap: Bootstrap | undefined,
    held: Held,
  ) {
    this.clock = options.clock ?? systemClock;
    this.log = options.logger.child({ component: 'hub-credentials', site: options.site });
    this.metrics = options.registry ? hubLinkMetrics(options.registry) : undefined;
    this.namespace = siteNamespace(options.site);
    this.rng = options.rng ?? Math.random;
    this.fraction = options.refreshFraction ?? 0.5;
    this.revokedRetryMs = options.revokedRetryMs ?? 300_000;
    this.pollMs = options.bootstrapPollMs ?? 10_000;
    this.defaultLifetime = options.defaultTokenExpirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
    this.lifetimeSeconds = this.defaultLifetime;
    this.connect = options.connect ?? ((c, onRequest) => createKubeClient(c, onRequest ? { onRequest } : {}));
    this.bootstrap = bootstrap;
    this.held = held;
    this.inner = this.makeInner();
    this.nextAttemptAt = this.clock.now();
    this.firstAttempt = new Promise<void>((resolve) => (this.firstAttemptDone = resolve));
    this.client = this.observedClient();
    this.publish();
  }

  /** Reads the bootstrap kubeconfig and any saved token; see `openHubCredentials`. */
  static async open(options: HubCredentialsOptions): Promise<AgentHubCredentials> {
    const clock = options.clock ?? systemClock;
    const now = (): number => clock.now();
    let bootstrap: Bootstrap | undefined;
    let bootstrapError: unknown;
    try {
      bootstrap = parseBootstrap(options.bootstrapKubeconfig, await readFile(options.bootstrapKubeconfig, 'utf8'), now);
    } catch (err) {
      bootstrapError = err;
    }
    const saved = await readSaved(options.stateDir, options.logger);
    const savedClaims = saved ? readTokenClaims(saved.token) : undefined;
    const savedLive = saved !== undefined && (savedClaims?.expiresAt ?? Infinity) > now();
    if (!bootstrap) {
      // The server and CA come only from the bootstrap kubeconfig: without it there is no hub to talk to.
      throw bootstrapError instanceof Error
        ? bootstrapError
        : glError('GL_K8S_KUBECONFIG_INVALID', `cannot read bootstrap kubeconfig ${options.bootstrapKubeconfig}`);
    }
    // A live saved token is held; `candidates()` still tries a bootstrap token handed over since it was saved first.
    const held: Held =
      saved && savedLive
        ? { token: saved.token, claims: savedClaims, source: 'operating', bootstrapDigest: saved.bootstrapDigest }
        : { token: bootstrap.token, claims: bootstrap.claims, source: 'bootstrap', bootstrapDigest: bootstrap.digest };
    const creds = new AgentHubCredentials(options, bootstrap, held);
    creds.revokedSince = await readRevokedSince(options.stateDir);
    creds.loop = creds.run();
    await creds.firstAttempt;
    return creds;
  }

  serviceAccountUID(): string | undefined {
    return this.held.claims?.serviceAccountUID;
  }

  tokenExpiry(): number | undefined {
    return this.held.claims?.expiresAt;
  }

  state(): CredentialState {
    return this.current;
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    this.wake.abort();
    await this.loop;
    // The revocation time's file writes run beside the loop: stopped means nothing writes the state folder any more.
    await Promise.allSettled([...this.fileWrites]);
  }

  /** Runs a write to the state folder that nothing waits for, except `stop`. */
  private background(write: Promise<void>): void {
    this.fileWrites.add(write);
    void write.finally(() => this.fileWrites.delete(write));
  }

  private makeInner(): KubeClient {
    const base = this.bootstrap!.config;
    return this.connect(new BearerCredentials(base, () => this.held.token), this.options.onRequest);
  }

  /** `inner`, watched: a 401 to the token held now means revoked, a network error unreachable. */
  private observedClient(): KubeClient {
    const seen = (err: unknown, token: string, signal: AbortSignal | undefined): void => {
      if (signal?.aborted || this.stopper.signal.aborted) return;
      const status = errorStatus(err);
      if (status === 401 && token === this.held.token && this.current.kind !== 'revoked') {
        this.setState({ kind: 'revoked', sinceMs: this.clock.now(), reason: unauthorizedReason(err) });
        this.kick(); // once: a newer bootstrap token may re-admit the agent at once
      } else if ((status === undefined || status === 429 || status >= 500) && this.current.kind === 'ok') {
        this.setState({ kind: 'unreachable', sinceMs: this.clock.now(), reason: messageOf(err) });
      }
    };
    const answered = (): void => {
      if (this.current.kind === 'unreachable') this.setState({ kind: 'ok' });
    };
    return {
      request: async <T>(req: Parameters<KubeClient['request']>[0]): Promise<T> => {
        const token = this.held.token;
        try {
          const out = await this.inner.request<T>(req);
          answered();
          return out;
        } catch (err) {
          seen(err, token, req.signal);
          throw err;
        }
      },
      watch: async (p, query, onEvent, signal) => {
        const token = this.held.token;
        try {
          await this.inner.watch(p, query, onEvent, signal);
          answered();
        } catch (err) {
          seen(err, token, signal);
          throw err;
        }
      },
    };
  }

  /** Attempts a TokenRequest now (after a 401, or a new bootstrap token). */
  private kick(): void {
    this.nextAttemptAt = this.clock.now();
    this.wake.abort();
  }

  private async run(): Promise<void> {
    const stop = this.stopper.signal;
    let lastPoll = this.clock.now();
    while (!stop.aborted) {
      const now = this.clock.now();
      if (now - lastPoll >= this.pollMs) {
        lastPoll = now;
        await this.pollBootstrap();
      }
      if (this.clock.now() >= this.nextAttemptAt) {
        try {
          await this.attempt();
        } catch (err) {
          // attempt() handles API errors itself; anything else (disk full on save) is retried later
          this.log.error({ err }, 'hub token refresh failed');
          this.scheduleRetry();
        }
        this.firstAttemptDone();
        continue;
      }
      if (this.wake.signal.aborted) this.wake = new AbortController();
      const wait = Math.min(this.nextAttemptAt, lastPoll + this.pollMs) - this.clock.now();
      await this.clock.sleep(Math.max(1, wait), AbortSignal.any([stop, this.wake.signal]));
    }
    this.firstAttemptDone();
  }

  /** Re-reads the bootstrap kubeconfig; a changed one is tried at once (an admin handing a new token). */
  private async pollBootstrap(): Promise<void> {
    const file = this.options.bootstrapKubeconfig;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return; // a Secret volume is briefly absent while it is swapped; the old settings stay
    }
    if (text === this.bootstrap?.text) return;
    let next: Bootstrap;
    try {
      next = parseBootstrap(file, text, () => this.clock.now());
    } catch (err) {
      this.log.warn({ err, file }, 'bootstrap kubeconfig changed but cannot be used; keeping the previous one');
      this.bootstrap = this.bootstrap && { ...this.bootstrap, text };
      return;
    }
    const endpointChanged = next.endpoint !== this.bootstrap?.endpoint;
    const tokenChanged = next.digest !== this.bootstrap?.digest;
    this.bootstrap = next;
    if (endpointChanged) this.inner = this.makeInner();
    if (tokenChanged || endpointChanged) {
      this.log.info(
        { file, tokenChanged, endpointChanged },
        'bootstrap kubeconfig changed; requesting a token with it',
      );
      this.nextAttemptAt = this.clock.now();
    }
  }

  /** The tokens to try, best first: a bootstrap token newer than the held token's origin, else the held token. */
  private candidates(): Held[] {
    const now = this.clock.now();
    const live = (c: TokenClaims | undefined): boolean => (c?.expiresAt ?? Infinity) > now;
    const b = this.bootstrap;
    const held = live(this.held.claims) ? [this.held] : [];
    if (!b || b.token === this.held.token || !live(b.claims)) return held.length > 0 ? held : [this.held];
    const boot: Held = { token: b.token, claims: b.claims, source: 'bootstrap', bootstrapDigest: b.digest };
    return b.digest !== this.held.bootstrapDigest ? [boot, ...held] : [...held, boot];
  }

  private async attempt(): Promise<void> {
    await this.readLifetime();
    let refused: string | undefined;
    for (const candidate of this.candidates()) {
      if ((candidate.claims?.expiresAt ?? Infinity) <= this.clock.now()) {
        refused = `the ${candidate.source} token expired at ${new Date(candidate.claims!.expiresAt!).toISOString()}`;
        continue;
      }
      const outcome = await this.requestToken(candidate);
      this.metrics?.tokenRefreshes.inc({ site: this.options.site, outcome: outcome.kind });
      switch (outcome.kind) {
        case 'ok': {
          const claims = readTokenClaims(outcome.token);
          const from = candidate.claims?.serviceAccountUID;
          const to = claims?.serviceAccountUID;
          if (from !== undefined && to !== undefined && from !== to) {
            // Possible for ~10 s after the account was re-created: the API server still accepts a
            // token it authenticated moments ago, and mints one for the *new* account. Not ours to keep.
            refused = `the ServiceAccount was re-created (uid ${from} → ${to})`;
            continue;
          }
          await this.adopt(outcome.token, claims, candidate);
          return;
        }
        case 'unauthorized':
          refused = outcome.reason;
          continue;
        case 'unreachable':
          if (this.current.kind !== 'revoked')
            this.setState({ kind: 'unreachable', sinceMs: this.clock.now(), reason: outcome.reason });
          this.scheduleRetry();
          return;
        case 'error':
          this.log.error(
            { reason: outcome.reason, namespace: this.namespace },
            'hub refused the token request (not a credentials problem: check the agent Role allows create on serviceaccounts/token)',
          );
          this.scheduleRetry();
          return;
        default:
          assertNever(outcome);
      }
    }
    this.setState({ kind: 'revoked', sinceMs: this.clock.now(), reason: refused ?? 'refused' });
    const jitter = 1 + (this.rng() * 2 - 1) * 0.2;
    this.nextAttemptAt = this.clock.now() + Math.round(this.revokedRetryMs * jitter);
  }

  private async requestToken(candidate: Held): Promise<Outcome> {
    const client = this.connect(
      new BearerCredentials(this.bootstrap!.config, () => candidate.token),
      this.options.onRequest,
    );
    try {
      const res = await client.request<{ status?: { token?: string } }>({
        method: 'POST',
        path: `/api/v1/namespaces/${this.namespace}/serviceaccounts/${AGENT_LEASE_NAME}/token`,
        // No audiences: the API server accepts only its own (--api-audiences) for requests to it.
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: { expirationSeconds: this.lifetimeSeconds },
        },
        timeoutMs: 15_000,
        signal: this.stopper.signal,
      });
      const token = res.status?.token;
      return token ? { kind: 'ok', token } : { kind: 'error', reason: 'TokenRequest answered without status.token' };
    } catch (err) {
      const status = errorStatus(err);
      if (status === 401) return { kind: 'unauthorized', reason: unauthorizedReason(err) };
      if (status === undefined || status === 429 || status >= 500)
        return { kind: 'unreachable', reason: messageOf(err) };
      return { kind: 'error', reason: messageOf(err) };
    }
  }

  /** The lifetime the hub asks for, from the Lease; the last known (or default) when it cannot be read. */
  private async readLifetime(): Promise<void> {
    try {
      const lease = await this.inner.request<{ metadata?: { annotations?: Record<string, string> } }>({
        method: 'GET',
        path: agentLeasePath(this.namespace),
        timeoutMs: 15_000,
        signal: this.stopper.signal,
      });
      const asked = readHubLeaseSettings(lease.metadata?.annotations).tokenExpirationSeconds;
      this.lifetimeSeconds = Math.max(MIN_TOKEN_EXPIRATION_SECONDS, asked ?? this.defaultLifetime);
    } catch {
      // no Lease yet, or the hub is away: the token request itself tells which
    }
  }

  private async adopt(token: string, claims: TokenClaims | undefined, from: Held): Promise<void> {
    const now = this.clock.now();
    const bootstrapDigest = from.source === 'bootstrap' ? from.bootstrapDigest : this.held.bootstrapDigest;
    await saveToken(this.options.stateDir, {
      token,
      ...(bootstrapDigest === undefined ? {} : { bootstrapDigest }),
    });
    this.held = { token, claims, source: 'operating', bootstrapDigest };
    this.retries = 0;
    this.nextAttemptAt = refreshDueAt(now, claims, this.fraction, this.lifetimeSeconds * 1000);
    this.log.info(
      {
        serviceAccountUID: claims?.serviceAccountUID,
        expiresAt: claims?.expiresAt === undefined ? undefined : new Date(claims.expiresAt).toISOString(),
        nextRefreshAt: new Date(this.nextAttemptAt).toISOString(),
        via: from.source,
      },
      'hub token renewed',
    );
    this.setState({ kind: 'ok' });
    this.publish();
  }

  private scheduleRetry(): void {
    const delay = backoffDelay(this.retries++, { baseMs: 1_000, maxMs: 60_000, jitter: 'equal' }, this.rng);
    this.nextAttemptAt = this.clock.now() + delay;
  }

  private setState(next: CredentialState): void {
    const prev = this.current;
    if (prev.kind === next.kind) return; // keeps `sinceMs` of the first failure
    if (next.kind === 'revoked') {
      next = { ...next, sinceMs: this.revokedSince ?? next.sinceMs };
      this.revokedSince = next.sinceMs;
      this.background(
        writeRevokedSince(this.options.stateDir, next.sinceMs).catch((err: unknown) =>
          this.log.warn({ err }, 'cannot record when the credentials were revoked'),
        ),
      );
    } else if (next.kind === 'ok' && this.revokedSince !== undefined) {
      this.revokedSince = undefined;
      this.background(rm(path.join(this.options.stateDir, REVOKED_SINCE_FILE), { force: true }).catch(() => {}));
    }
    this.current = next;
    switch (next.kind) {
      case 'revoked':
        this.log.error(
          { reason: next.reason, namespace: this.namespace },
          `the hub refused the agent's credentials for site ${this.options.site}: its ServiceAccount was re-created ` +
            `(credentialsEpoch bumped) or its token expired. The agent keeps spooling for the revocation grace period. ` +
            `To re-admit it, an admin mints a new bootstrap token (kubectl create token ${AGENT_LEASE_NAME} -n ${this.namespace} --duration=1h) ` +
            `and replaces the bootstrap kubeconfig; the agent picks it up without a restart`,
        );
        break;
      case 'unreachable':
        this.log.warn({ reason: next.reason }, 'hub API unreachable; retrying');
        break;
      case 'ok':
        this.log.info({ was: prev.kind }, 'hub credentials accepted');
        break;
      default:
        assertNever(next);
    }
    this.publish();
  }

  private publish(): void {
    if (!this.metrics) return;
    const site = this.options.site;
    for (const s of CREDENTIAL_STATES)
      this.metrics.credentialsState.set({ site, state: s }, s === this.current.kind ? 1 : 0);
    const exp = this.held.claims?.expiresAt;
    if (exp !== undefined) this.metrics.tokenExpiry.set({ site }, Math.floor(exp / 1000));
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function unauthorizedReason(err: unknown): string {
  return `the hub answered 401 Unauthorized (${messageOf(err)})`;
}

async function readSaved(dir: string, logger: Logger): Promise<SavedToken | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(dir, SAVED_TOKEN_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<SavedToken>;
    if (typeof parsed.token === 'string' && parsed.token !== '')
      return {
        token: parsed.token,
        ...(typeof parsed.bootstrapDigest === 'string' ? { bootstrapDigest: parsed.bootstrapDigest } : {}),
      };
  } catch {
    // fall through: a damaged file is as good as none (the bootstrap token is used)
  }
  logger.warn(
    { file: path.join(dir, SAVED_TOKEN_FILE) },
    'saved hub token unreadable; starting from the bootstrap token',
  );
  return undefined;
}

async function readRevokedSince(dir: string): Promise<number | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path.join(dir, REVOKED_SINCE_FILE), 'utf8')) as { sinceMs?: unknown };
    return typeof parsed.sinceMs === 'number' && Number.isFinite(parsed.sinceMs) ? parsed.sinceMs : undefined;
  } catch {
    return undefined;
  }
}

async function writeRevokedSince(dir: string, sinceMs: number): Promise<void> {
  await writeAtomic(dir, REVOKED_SINCE_FILE, JSON.stringify({ sinceMs }));
}

async function writeAtomic(dir: string, name: string, text: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, name);
  const tmp = `${file}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, file);
}

/** Written whole or not at all: a crash mid-write leaves the previous token (write, then rename). */
function saveToken(dir: string, saved: SavedToken): Promise<void> {
  return writeAtomic(dir, SAVED_TOKEN_FILE, JSON.stringify(saved));
}

/**
 * Opens the agent's hub credentials and makes a first token request (its
 * outcome is in `state()`; an unreachable or refusing hub does not fail the
 * open, the agent collects anyway). Throws only when the bootstrap kubeconfig
 * cannot be read or lacks a server or token.
 */
export function openHubCredentials(options: HubCredentialsOptions): Promise<AgentHubCredentials> {
  return AgentHubCredentials.open(options);
}
