import { spawn } from 'node:child_process';
import { accessSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { isIPv6 } from 'node:net';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { glError, type GridlakeError } from '../errors.js';
import type { Env } from '../config.js';

/**
 * What createKubeClient needs from a kubeconfig: the API server's address and
 * the TLS options and headers of each request. `loadKubeConfig`'s result and
 * client-node's `KubeConfig` both satisfy it.
 */
export interface KubeCredentials {
  getCurrentCluster(): { readonly server: string; readonly proxyUrl?: string | undefined } | null;
  /** The current context's name ('' when none), for errors; client-node's KubeConfig has it too. */
  getCurrentContext?(): string;
  /** Sets TLS options, headers (Authorization) and an agent on `opts`; runs per request, so credentials refresh. */
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
}

/** `users[].user.exec` of a kubeconfig (client.authentication.k8s.io ExecConfig). */
interface ExecConfig {
  readonly command?: string;
  readonly args?: string[];
  readonly env?: { name: string; value: string }[];
}

interface Cluster {
  readonly name: string;
  readonly server: string;
  readonly caData?: string;
  readonly caFile?: string;
  readonly skipTLSVerify: boolean;
  readonly tlsServerName?: string;
  readonly proxyUrl?: string;
}

interface User {
  readonly name: string;
  readonly token?: string;
  readonly certData?: string;
  readonly certFile?: string;
  readonly keyData?: string;
  readonly keyFile?: string;
  readonly username?: string;
  readonly password?: string;
  readonly impersonateUser?: string;
  readonly exec?: ExecConfig;
  /** the in-cluster service-account token, read again once a minute (it is rotated) */
  readonly tokenFile?: string;
  /** `auth-provider` (azure, gcp, oidc…): left to client-node */
  readonly authProvider?: unknown;
}

interface Context {
  readonly name: string;
  readonly cluster: string;
  readonly user?: string;
  readonly namespace?: string;
}

interface Config {
  clusters: Cluster[];
  users: User[];
  contexts: Context[];
  currentContext?: string | undefined;
  /** the files it was read from, for error context */
  files?: string[];
}

const SERVICEACCOUNT_ROOT = '/var/run/secrets/kubernetes.io/serviceaccount';

type Raw = Record<string, unknown>;
const obj = (v: unknown): Raw | undefined => (v !== null && typeof v === 'object' ? (v as Raw) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** Keeps only the keys whose values are defined (exactOptionalPropertyTypes-friendly objects). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;
}

/** A malformed kubeconfig; the message keeps client-node's wording after the file name. */
function invalid(message: string, context: Record<string, unknown>): GridlakeError {
  const file = context['file'] ?? context['files'];
  const where =
    typeof file === 'string' ? `kubeconfig ${file}: ` : Array.isArray(file) ? `kubeconfig ${file.join(', ')}: ` : '';
  return glError('GL_K8S_KUBECONFIG_INVALID', `${where}${message}`, { context });
}

/**
 * Parses kubeconfig YAML the way client-node 1.4 does (config_types.ts: the
 * same required fields and error messages, a trailing `/` dropped from the
 * server, `token-file` read at load time); relative certificate and key
 * paths are taken from `dir`; `file` only names the source in errors.
 */
export function parseKubeConfig(text: string, dir?: string, file?: string): Config {
  const doc = obj(parseYaml(text, { merge: true })) ?? {};
  const at = (entry: string, name?: unknown): Record<string, unknown> => ({
    ...(file === undefined ? {} : { file }),
    entry,
    ...(name ? { name: String(name) } : {}),
  });
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const abs = (file: string | undefined): string | undefined =>
    file === undefined || !dir || path.isAbsolute(file) ? file : path.join(dir, file);
  const clusters = list(doc['clusters']).map((e, i): Cluster => {
    const elt = obj(e) ?? {};
    if (!elt['name']) throw invalid(`clusters[${i}].name is missing`, at(`clusters[${i}]`));
    const c = obj(elt['cluster']);
    if (!c) throw invalid(`clusters[${i}].cluster is missing`, at(`clusters[${i}]`, elt['name']));
    if (!c['server']) throw invalid(`clusters[${i}].cluster.server is missing`, at(`clusters[${i}]`, elt['name']));
    return defined({
      name: String(elt['name']),
      server: String(c['server']).replace(/\/$/, ''),
      caData: str(c['certificate-authority-data']),
      caFile: abs(str(c['certificate-authority'])),
      skipTLSVerify: c['insecure-skip-tls-verify'] === true,
      tlsServerName: str(c['tls-server-name']),
      proxyUrl: str(c['proxy-url']),
    });
  });
  const users = list(doc['users']).map((e, i): User => {
    const elt = obj(e) ?? {};
    if (!elt['name']) throw invalid(`users[${i}].name is missing`, at(`users[${i}]`));
    const u = obj(elt['user']) ?? {};
    const tokenFile = str(u['token-file']);
    return defined({
      name: String(elt['name']),
      token: str(u['token']) || (tokenFile ? readFileSync(tokenFile).toString() : undefined),
      certData: str(u['client-certificate-data']),
      certFile: abs(str(u['client-certificate'])),
      keyData: str(u['client-key-data']),
      keyFile: abs(str(u['client-key'])),
      username: str(u['username']),
      password: str(u['password']),
      impersonateUser: str(u['as']),
      exec: obj(u['exec']) as ExecConfig | undefined,
      authProvider: u['auth-provider'],
    });
  });
  const contexts = list(doc['contexts']).map((e, i): Context => {
    const elt = obj(e) ?? {};
    if (!elt['name']) throw invalid(`contexts[${i}].name is missing`, at(`contexts[${i}]`));
    const c = obj(elt['context']);
    if (!c) throw invalid(`contexts[${i}].context is missing`, at(`contexts[${i}]`, elt['name']));
    if (!c['cluster']) throw invalid(`contexts[${i}].context.cluster is missing`, at(`contexts[${i}]`, elt['name']));
    return defined({
      name: String(elt['name']),
      cluster: String(c['cluster']),
      user: str(c['user']) || undefined,
      namespace: str(c['namespace']) || undefined,
    });
  });
  return {
    clusters,
    users,
    contexts,
    currentContext: str(doc['current-context']),
    ...(file === undefined ? {} : { files: [file] }),
  };
}

function readConfigFile(file: string): Config {
  return parseKubeConfig(readFileSync(file).toString('utf-8'), path.dirname(file), file);
}

/** Adds `next` to `into` as client-node's mergeConfig does: duplicate names are errors, a later current-context wins. */
function merge(into: Config, next: Config): void {
  if (next.currentContext) into.currentContext = next.currentContext;
  const add = <T extends { name: string }>(all: T[], items: T[], what: string): void => {
    for (const item of items) {
      if (all.some((x) => x.name === item.name))
        throw invalid(`Duplicate ${what}: ${item.name}`, {
          files: [...(into.files ?? []), ...(next.files ?? [])],
          [what]: item.name,
        });
      all.push(item);
    }
  };
  add(into.clusters, next.clusters, 'cluster');
  add(into.users, next.users, 'user');
  add(into.contexts, next.contexts, 'context');
}

/** The service-account configuration of a pod (client-node's loadFromCluster; `root` prefixes the mounted files). */
export function inClusterConfig(env: Env, root = ''): Config {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
  const serverHost = host && isIPv6(host) ? `[${host}]` : host;
  let namespace: string | undefined;
  try {
    namespace = readFileSync(`${root}${SERVICEACCOUNT_ROOT}/namespace`).toString('utf-8');
  } catch {
    namespace = undefined;
  }
  return {
    clusters: [
      {
        name: 'inCluster',
        caFile: `${root}${SERVICEACCOUNT_ROOT}/ca.crt`,
        server: `${scheme}://${serverHost}:${port}`,
        skipTLSVerify: false,
      },
    ],
    users: [{ name: 'inClusterUser', tokenFile: `${root}${SERVICEACCOUNT_ROOT}/token` }],
    contexts: [defined({ cluster: 'inCluster', name: 'inClusterContext', user: 'inClusterUser', namespace })],
    currentContext: 'inClusterContext',
  };
}

const exists = (file: string): boolean => {
  try {
    accessSync(file);
    return true;
  } catch {
    return false;
  }
};

/** Where client-node's loadFromDefault reads from, in its order; null: it would use client-node's Windows fallbacks. */
function defaultConfig(env: Env): Config | null {
  const list = env['KUBECONFIG'];
  if (list && list.length > 0) {
    const [first = '', ...rest] = list.split(path.delimiter).filter((f) => f);
    const config = readConfigFile(first);
    for (const file of rest) merge(config, readConfigFile(file));
    return config;
  }
  const home = env['HOME'];
  if (home && exists(home) && exists(path.join(home, '.kube', 'config')))
    return readConfigFile(path.join(home, '.kube', 'config'));
  if (process.platform === 'win32') return null;
  if (exists(`${SERVICEACCOUNT_ROOT}/token`)) return inClusterConfig(env);
  return {
    clusters: [{ name: 'cluster', server: 'http://localhost:8080', skipTLSVerify: false }],
    users: [{ name: 'user' }],
    contexts: [{ cluster: 'cluster', user: 'user', name: 'loaded-context' }],
    currentContext: 'loaded-context',
  };
}

/**
 * A kubeconfig's current context, with the request options client-node 1.4's
 * KubeConfig would set (CA, client certificate and key, insecure-skip-tls-verify,
 * tls-server-name, bearer token or token file, basic auth, impersonation, exec
 * credentials cached until they expire) and a fresh agent per call as it does.
 * Without client-node's generated API, which costs ~75 MiB of RSS to load.
 */
export class KubeConfigLite implements KubeCredentials {
  private readonly execCache = new Map<string, { status: Record<string, string | undefined> }>();
  private fileToken: { value: string; readAt: number } | undefined;

  /** `env` is what an exec credential plugin runs with (the process's environment, passed in by the CLI). */
  constructor(
    private readonly config: Config,
    private readonly now: () => number = Date.now,
    private readonly env: Env = {},
  ) {}

  get currentContext(): string | undefined {
    return this.config.currentContext;
  }

  /** client-node's name for the same: '' when none is set. */
  getCurrentContext(): string {
    return this.config.currentContext ?? '';
  }

  /** Where an error about this configuration points: the files and the names in use. */
  private where(): Record<string, unknown> {
    const ctx = this.context();
    return {
      ...(this.config.files ? { files: this.config.files } : {}),
      context: this.config.currentContext,
      ...(ctx ? { cluster: ctx.cluster, user: ctx.user } : {}),
    };
  }

  private context(): Context | undefined {
    return this.config.contexts.find((c) => c.name === this.config.currentContext);
  }

  getCurrentCluster(): Cluster | null {
    const ctx = this.context();
    return (ctx && this.config.clusters.find((c) => c.name === ctx.cluster)) ?? null;
  }

  getCurrentUser(): User | null {
    const ctx = this.context();
    return (ctx && this.config.users.find((u) => u.name === ctx.user)) ?? null;
  }

  async applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    const cluster = this.getCurrentCluster();
    const user = this.getCurrentUser();
    if (user) {
      if (cluster?.skipTLSVerify) opts.rejectUnauthorized = false;
      if (cluster?.tlsServerName) opts.servername = cluster.tlsServerName;
      const ca = cluster ? fileOrData(cluster.caFile, cluster.caData) : null;
      if (ca) opts.ca = ca;
      const cert = fileOrData(user.certFile, user.certData);
      if (cert) opts.cert = cert;
      const key = fileOrData(user.keyFile, user.keyData);
      if (key) opts.key = key;
      const headers = (opts.headers ??= {}) as Record<string, string>;
      if (user.impersonateUser != null) headers['Impersonate-User'] = user.impersonateUser;
      if (user.exec) {
        const status = (await this.execCredential(user))?.status;
        if (status?.['clientCertificateData']) opts.cert = status['clientCertificateData'];
        if (status?.['clientKeyData']) opts.key = status['clientKeyData'];
        if (status?.['token']) headers['Authorization'] = `Bearer ${status['token']}`;
      } else if (user.tokenFile) {
        const token = this.readTokenFile(user.tokenFile);
        if (token) headers['Authorization'] = `Bearer ${token}`;
      }
      if (user.token) headers['Authorization'] = `Bearer ${user.token}`;
      if (user.username) opts.auth = `${user.username}:${user.password}`;
    }
    const agentOptions: https.AgentOptions = { ...tlsAgentOptions(opts), timeout: opts.timeout };
    if (cluster?.server.startsWith('http:')) {
      if (!cluster.skipTLSVerify)
        throw invalid('HTTP protocol is not allowed when skipTLSVerify is not set or false', {
          ...this.where(),
          server: cluster.server,
        });
      opts.agent = new http.Agent(agentOptions);
    } else {
      opts.agent = new https.Agent(agentOptions);
    }
  }

  // The service-account token is rotated: read again after a minute, like client-go and client-node.
  private readTokenFile(file: string): string {
    const now = this.now();
    if (this.fileToken === undefined || now - this.fileToken.readAt > 60_000)
      this.fileToken = { value: readFileSync(file).toString('utf-8'), readAt: now };
    return this.fileToken.value;
  }

  private async execCredential(user: User): Promise<{ status: Record<string, string | undefined> } | null> {
    const cached = this.execCache.get(user.name);
    if (cached) {
      if (Date.parse(cached.status['expirationTimestamp'] ?? '') > this.now()) return cached;
      this.execCache.delete(user.name);
    }
    const exec = user.exec;
    if (!exec) return null;
    if (!exec.command) throw invalid('No command was specified for exec authProvider!', this.where());
    const env = { ...this.env, ...Object.fromEntries((exec.env ?? []).map((e) => [e.name, e.value])) };
    const credential = await new Promise<{ status: Record<string, string | undefined> }>((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      let failed: Error | undefined;
      const child = spawn(exec.command!, exec.args ?? [], { env });
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', (err) => (failed = err));
      child.on('close', (code) => {
        if (failed) return reject(failed);
        // The plugin's stderr says what is wrong (expired login, missing tool); keep it as the message.
        if (code !== 0)
          return reject(
            glError('GL_K8S_KUBECONFIG_INVALID', stderr, {
              context: { ...this.where(), command: exec.command, exitCode: code },
            }),
          );
        try {
          resolve(JSON.parse(stdout) as { status: Record<string, string | undefined> });
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    this.execCache.set(user.name, credential);
    return credential;
  }
}

function fileOrData(file: string | undefined, data: string | undefined): Buffer | null {
  if (file) return readFileSync(file);
  if (data) return Buffer.from(data, 'base64');
  return null;
}

/**
 * Loads a kubeconfig as `gridlake controller` needs it: `file` when given,
 * else client-node's loadFromDefault order (KUBECONFIG, merged when it lists
 * several files; ~/.kube/config; the pod's service account; localhost:8080).
 * Configurations this loader does not cover (an `auth-provider` such as oidc
 * or gcp, a `proxy-url`, Windows' fallbacks) are loaded by client-node
 * itself, imported only then.
 */
export async function loadKubeConfig(options: { file?: string | undefined; env: Env }): Promise<KubeCredentials> {
  const { env } = options;
  const config = options.file ? readConfigFile(options.file) : defaultConfig(env);
  const lite = config ? new KubeConfigLite(config, Date.now, env) : undefined;
  if (lite && !lite.getCurrentUser()?.authProvider && !lite.getCurrentCluster()?.proxyUrl) return lite;
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (options.file) kc.loadFromFile(options.file);
  else kc.loadFromDefault();
  return kc;
}

/** The TLS settings of request options that an Agent must carry (its sockets are made from them). */
export function tlsAgentOptions(opts: https.RequestOptions): https.AgentOptions {
  return {
    ca: opts.ca,
    cert: opts.cert,
    key: opts.key,
    pfx: opts.pfx,
    passphrase: opts.passphrase,
    ...(opts.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: opts.rejectUnauthorized }),
    ...(opts.servername === undefined ? {} : { servername: opts.servername }),
  };
}
