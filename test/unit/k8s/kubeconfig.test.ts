import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { inClusterConfig, KubeConfigLite, loadKubeConfig, parseKubeConfig } from '../../../src/k8s/kubeconfig.js';

// The controller loads its kubeconfig without client-node (whose generated
// API costs ~75 MiB of RSS). Parity: for each kind of kubeconfig the
// controller supports, the request options (TLS material, headers, agent)
// must be what client-node 1.4's KubeConfig sets.

const dir = mkdtempSync(join(tmpdir(), 'gridlake-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const PEM = (what: string): string => `-----BEGIN ${what}-----\nnot-really-${what}\n-----END ${what}-----\n`;
writeFileSync(join(dir, 'ca.crt'), PEM('CA'));
writeFileSync(join(dir, 'client.crt'), PEM('CERTIFICATE'));
writeFileSync(join(dir, 'client.key'), PEM('KEY'));
writeFileSync(join(dir, 'token'), 'file-token');

let n = 0;
function file(yaml: string): string {
  const f = join(dir, `config-${n++}.yaml`);
  writeFileSync(f, yaml);
  return f;
}

function kubeconfig(cluster: string, user: string, extra = ''): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
${cluster.replace(/^/gm, '    ')}
users:
- name: u
  user:
${user.replace(/^/gm, '    ')}
contexts:
- name: ctx
  context: { cluster: c, user: u, namespace: ns }
current-context: ctx
${extra}`;
}

/** The options a request gets, in a comparable form (Buffers as text, the agent as its class and TLS options). */
async function applied(kc: { applyToHTTPSOptions(o: https.RequestOptions): Promise<void> }): Promise<unknown> {
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const text = (v: unknown): unknown => (Buffer.isBuffer(v) ? v.toString('utf8') : v);
  const agent = opts.agent as (http.Agent & { options: Record<string, unknown> }) | undefined;
  const pick = (o: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(
      ['ca', 'cert', 'key', 'rejectUnauthorized', 'servername']
        .filter((k) => o[k] !== undefined)
        .map((k) => [k, text(o[k])]),
    );
  return {
    ...pick(opts as Record<string, unknown>),
    headers: opts.headers,
    auth: opts.auth,
    agent: agent && { kind: agent instanceof https.Agent ? 'https' : 'http', ...pick(agent.options) },
  };
}

async function expectParity(path: string): Promise<unknown> {
  const theirs = new KubeConfig();
  theirs.loadFromFile(path);
  const ours = await loadKubeConfig({ file: path, env: {} });
  expect(ours).toBeInstanceOf(KubeConfigLite);
  expect(ours.getCurrentCluster()?.server).toBe(theirs.getCurrentCluster()?.server);
  const mine = await applied(ours);
  expect(mine).toEqual(await applied(theirs));
  return mine;
}

describe('loadKubeConfig: parity with client-node', () => {
  it('bearer token, CA file relative to the kubeconfig, tls-server-name', async () => {
    const got = await expectParity(
      file(
        kubeconfig(
          'server: https://10.0.0.1:6443/\ncertificate-authority: ca.crt\ntls-server-name: kubernetes',
          'token: abc',
        ),
      ),
    );
    // the check can fail: the fields compared are really there
    expect(got).toMatchObject({
      ca: PEM('CA'),
      servername: 'kubernetes',
      headers: { Authorization: 'Bearer abc' },
      agent: { kind: 'https', ca: PEM('CA') },
    });
  });

  it('client certificate and key as data, CA as data', async () => {
    await expectParity(
      file(
        kubeconfig(
          `server: https://10.0.0.1:6443\ncertificate-authority-data: ${b64(PEM('CA'))}`,
          `client-certificate-data: ${b64(PEM('CERTIFICATE'))}\nclient-key-data: ${b64(PEM('KEY'))}`,
        ),
      ),
    );
  });

  it('client certificate and key files (relative paths)', async () => {
    const got = await expectParity(
      file(
        kubeconfig(
          'server: https://10.0.0.1:6443\ncertificate-authority: ca.crt',
          'client-certificate: client.crt\nclient-key: client.key',
        ),
      ),
    );
    expect(got).toMatchObject({ cert: PEM('CERTIFICATE'), key: PEM('KEY') });
  });

  it('insecure-skip-tls-verify on https and on http', async () => {
    expect(
      await expectParity(file(kubeconfig('server: https://h:6443\ninsecure-skip-tls-verify: true', 'token: t'))),
    ).toMatchObject({ rejectUnauthorized: false, agent: { kind: 'https', rejectUnauthorized: false } });
    expect(
      await expectParity(file(kubeconfig('server: http://127.0.0.1:8080\ninsecure-skip-tls-verify: true', 'token: t'))),
    ).toMatchObject({ agent: { kind: 'http' } });
  });

  it('plain http without insecure-skip-tls-verify is refused the same way', async () => {
    const path = file(kubeconfig('server: http://127.0.0.1:8080', 'token: t'));
    const theirs = new KubeConfig();
    theirs.loadFromFile(path);
    const message = await applied(theirs).catch((e: Error) => e.message);
    expect(message).toMatch(/HTTP protocol is not allowed/);
    await expect(applied(await loadKubeConfig({ file: path, env: {} }))).rejects.toThrow(message as string);
  });

  it('basic auth, impersonation and a token file', async () => {
    await expectParity(
      file(kubeconfig('server: https://h:6443', 'username: admin\npassword: secret\nas: someone-else')),
    );
    expect(
      await expectParity(file(kubeconfig('server: https://h:6443', `token-file: ${join(dir, 'token')}`))),
    ).toMatchObject({ headers: { Authorization: 'Bearer file-token' } });
  });

  it('exec credentials: token and client certificate, env passed, a static token still wins', async () => {
    const script = join(dir, 'exec-plugin.mjs');
    writeFileSync(
      script,
      `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential',
        status: { token: 'exec-' + process.env.PLUGIN_WORD, clientCertificateData: 'CERT', clientKeyData: 'KEY',
                  expirationTimestamp: new Date(Date.now() + 3600_000).toISOString() } }));`,
    );
    const exec = `exec:
  apiVersion: client.authentication.k8s.io/v1
  command: ${JSON.stringify(process.execPath)}
  args: [${JSON.stringify(script)}]
  env: [{ name: PLUGIN_WORD, value: hello }]`;
    expect(await expectParity(file(kubeconfig('server: https://h:6443', exec)))).toMatchObject({
      cert: 'CERT',
      key: 'KEY',
      headers: { Authorization: 'Bearer exec-hello' },
    });
    expect(await expectParity(file(kubeconfig('server: https://h:6443', `${exec}\ntoken: static`)))).toMatchObject({
      headers: { Authorization: 'Bearer static' },
    });
  });

  it('runs an exec plugin again only when its credential expired', async () => {
    const count = join(dir, 'exec-count');
    writeFileSync(count, '');
    const script = join(dir, 'exec-count.mjs');
    writeFileSync(
      script,
      `import { appendFileSync } from 'node:fs'; appendFileSync(${JSON.stringify(count)}, 'x');
       process.stdout.write(JSON.stringify({ status: { token: 't', expirationTimestamp: '2030-01-01T00:00:00Z' } }));`,
    );
    let now = Date.parse('2029-12-31T23:00:00Z');
    const kc = new KubeConfigLite(
      parseKubeConfig(
        kubeconfig(
          'server: https://h:6443',
          `exec: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(script)}] }`,
        ),
      ),
      () => now,
    );
    await applied(kc);
    await applied(kc);
    expect(readFileSync(count, 'utf8')).toBe('x');
    now = Date.parse('2030-01-01T00:00:01Z');
    await applied(kc);
    expect(readFileSync(count, 'utf8')).toBe('xx');
  });

  it('a failing exec plugin fails the request with its stderr', async () => {
    const script = join(dir, 'exec-fail.mjs');
    writeFileSync(script, `process.stderr.write('no credentials for you'); process.exit(3);`);
    const kc = await loadKubeConfig({
      file: file(
        kubeconfig(
          'server: https://h:6443',
          `exec: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(script)}] }`,
        ),
      ),
      env: {},
    });
    await expect(applied(kc)).rejects.toThrow('no credentials for you');
  });

  it('the current context picks cluster and user; a context without a user sends no credentials', async () => {
    const path = file(`clusters:
- { name: a, cluster: { server: 'https://a:6443', certificate-authority: ca.crt } }
- { name: b, cluster: { server: 'https://b:6443' } }
users:
- { name: ua, user: { token: ta } }
contexts:
- { name: one, context: { cluster: a, user: ua } }
- { name: two, context: { cluster: b } }
current-context: two
`);
    expect(await expectParity(path)).toMatchObject({ agent: { kind: 'https' } });
    expect((await loadKubeConfig({ file: path, env: {} })).getCurrentCluster()?.server).toBe('https://b:6443');
  });

  it('refuses invalid entries with client-node messages', () => {
    for (const [yaml, message] of [
      ['clusters: [{ name: c }]', 'clusters[0].cluster is missing'],
      ['clusters: [{ name: c, cluster: {} }]', 'clusters[0].cluster.server is missing'],
      ['users: [{ user: {} }]', 'users[0].name is missing'],
      ['contexts: [{ name: x, context: {} }]', 'contexts[0].context.cluster is missing'],
    ] as const) {
      expect(() => new KubeConfig().loadFromString(yaml)).toThrow(message);
      expect(() => parseKubeConfig(yaml)).toThrow(message);
    }
  });

  it('names the code, the file and the entry of an invalid kubeconfig', async () => {
    const path = file('clusters: [{ name: c, cluster: {} }]');
    await expect(loadKubeConfig({ file: path, env: {} })).rejects.toMatchObject({
      code: 'GL_K8S_KUBECONFIG_INVALID',
      message: `kubeconfig ${path}: clusters[0].cluster.server is missing`,
      context: { file: path, entry: 'clusters[0]', name: 'c' },
    });
  });

  it('KUBECONFIG with several files: merged, the later current-context wins, duplicate names refused', async () => {
    const a = file(kubeconfig('server: https://a:6443', 'token: ta'));
    const b = file(`clusters: [{ name: b, cluster: { server: 'https://b:6443' } }]
users: [{ name: ub, user: { token: tb } }]
contexts: [{ name: cb, context: { cluster: b, user: ub } }]
current-context: cb
`);
    const env = { KUBECONFIG: [a, b].join(delimiter) };
    const ours = await loadKubeConfig({ env });
    const saved = process.env['KUBECONFIG'];
    process.env['KUBECONFIG'] = env.KUBECONFIG;
    try {
      const theirs = new KubeConfig();
      theirs.loadFromDefault();
      expect(ours.getCurrentCluster()?.server).toBe('https://b:6443');
      expect(await applied(ours)).toEqual(await applied(theirs));
      await expect(loadKubeConfig({ env: { KUBECONFIG: [a, a].join(delimiter) } })).rejects.toThrow(
        'Duplicate cluster: c',
      );
    } finally {
      if (saved === undefined) delete process.env['KUBECONFIG'];
      else process.env['KUBECONFIG'] = saved;
    }
  });

  it('falls back to ~/.kube/config', async () => {
    const home = join(dir, 'home');
    mkdirSync(join(home, '.kube'), { recursive: true });
    writeFileSync(join(home, '.kube', 'config'), kubeconfig('server: https://home:6443', 'token: th'));
    const kc = await loadKubeConfig({ env: { HOME: home } });
    expect(kc.getCurrentCluster()?.server).toBe('https://home:6443');
  });

  it('in a pod: the service account, as client-node loadFromCluster reads it; the token is read again after a minute', async () => {
    const root = join(dir, 'pod');
    const sa = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, 'ca.crt'), PEM('CA'));
    writeFileSync(join(sa, 'token'), 'sa-token-1');
    writeFileSync(join(sa, 'namespace'), 'gridlake');
    const env = { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' };
    let now = 0;
    const ours = new KubeConfigLite(inClusterConfig(env, root), () => now);
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const theirs = new KubeConfig();
      theirs.loadFromCluster(root);
      expect(ours.getCurrentCluster()?.server).toBe('https://[fd00::1]:443');
      expect(ours.getCurrentCluster()?.server).toBe(theirs.getCurrentCluster()?.server);
      const got = await applied(ours);
      expect(got).toEqual(await applied(theirs));
      expect(got).toMatchObject({ ca: PEM('CA'), headers: { Authorization: 'Bearer sa-token-1' } });
    } finally {
      for (const k of Object.keys(env)) if (!(k in saved)) delete process.env[k];
    }
    writeFileSync(join(sa, 'token'), 'sa-token-2');
    now = 30_000;
    expect(await applied(ours)).toMatchObject({ headers: { Authorization: 'Bearer sa-token-1' } });
    now = 61_000;
    expect(await applied(ours)).toMatchObject({ headers: { Authorization: 'Bearer sa-token-2' } });
  });

  it('leaves auth-provider plugins and proxies to client-node itself', async () => {
    const oidc = file(
      kubeconfig('server: https://h:6443', 'auth-provider: { name: oidc, config: { id-token: x, idp-issuer-url: y } }'),
    );
    expect(await loadKubeConfig({ file: oidc, env: {} })).toBeInstanceOf(KubeConfig);
    const proxied = file(kubeconfig('server: https://h:6443\nproxy-url: http://proxy:3128', 'token: t'));
    const kc = await loadKubeConfig({ file: proxied, env: {} });
    expect(kc).toBeInstanceOf(KubeConfig);
    expect(kc.getCurrentCluster()?.proxyUrl).toBe('http://proxy:3128');
  });
});
