import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GridlakeError } from '../../../src/errors.js';
import { errorReason, errorStatus, isAlreadyExists, isGone } from '../../../src/k8s/api-errors.js';
import { createKubeClient, objectPath, resourcePath, type WatchEvent } from '../../../src/k8s/kube-client.js';

/** The client against a loopback HTTP server that plays the API server's wire format. */
type Handler = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;
let handler: Handler = (_req, _body, res) => res.end();
let server: http.Server;
let base: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

function kubeConfig(serverUrl = base): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: serverUrl, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

describe('createKubeClient', () => {
  it('sends the body with the content type asked for and the bearer token, and reports each request', async () => {
    let seen: { method?: string; url?: string; type?: string; auth?: string; body?: string } = {};
    handler = (req, body, res) => {
      seen = {
        method: req.method,
        url: req.url,
        type: req.headers['content-type'],
        auth: req.headers.authorization,
        body,
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    };
    const observed: unknown[] = [];
    const c = createKubeClient(kubeConfig(), { onRequest: (r) => observed.push(r) });
    // client-node's generated patch methods send JSON-Patch whatever the body; here the caller chooses.
    const out = await c.request({
      method: 'PATCH',
      path: '/apis/x/v1/namespaces/n/things/a',
      query: { fieldManager: 'gridlake', dryRun: undefined },
      body: { spec: { size: 2 } },
      contentType: 'application/merge-patch+json',
    });
    expect(out).toEqual({ ok: true });
    expect(seen).toEqual({
      method: 'PATCH',
      url: '/apis/x/v1/namespaces/n/things/a?fieldManager=gridlake',
      type: 'application/merge-patch+json',
      auth: 'Bearer secret-token',
      body: '{"spec":{"size":2}}',
    });
    expect(observed).toEqual([{ method: 'PATCH', path: '/apis/x/v1/namespaces/n/things/a', status: 200 }]);
  });

  it('turns a Status answer into GL_K8S_API_FAILED with status and reason', async () => {
    handler = (_req, _body, res) =>
      res
        .writeHead(409, { 'content-type': 'application/json' })
        .end('{"kind":"Status","code":409,"reason":"AlreadyExists","message":"things \\"a\\" already exists"}');
    const err = await createKubeClient(kubeConfig())
      .request({ method: 'POST', path: '/x', body: {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GridlakeError);
    expect((err as GridlakeError).code).toBe('GL_K8S_API_FAILED');
    expect(errorStatus(err)).toBe(409);
    expect(isAlreadyExists(err)).toBe(true);
    expect((err as GridlakeError).retryable).toBe(false);
    expect(String(err)).toMatch(/already exists/);
  });

  it('reports a refused connection as a retryable error without a status', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    const err = await createKubeClient(kubeConfig(`http://127.0.0.1:${port}`))
      .request({ method: 'GET', path: '/x' })
      .catch((e: unknown) => e);
    expect(errorStatus(err)).toBeUndefined();
    expect(errorReason(err)).toBe('NetworkError');
    expect((err as GridlakeError).retryable).toBe(true);
  });

  it('streams watch events line by line and resolves when the server ends the stream', async () => {
    handler = (req, _body, res) => {
      expect(req.url).toContain('watch=true');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"1"}}}\n{"type":"BOOK');
      setTimeout(() => res.end('MARK","object":{"metadata":{"resourceVersion":"2"}}}\n'), 20);
    };
    const events: WatchEvent[] = [];
    await createKubeClient(kubeConfig()).watch(
      '/x',
      { resourceVersion: '0' },
      (e) => events.push(e),
      new AbortController().signal,
    );
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
  });

  it('fails a watch on a line that is not JSON, where client-node drops it silently', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"type":"ADDED","object":{"metadata":{}}}\nnot json at all\n');
    };
    const err = await createKubeClient(kubeConfig())
      .watch('/x', {}, () => undefined, new AbortController().signal)
      .catch((e: unknown) => e);
    expect(errorReason(err)).toBe('MalformedWatchEvent');
  });

  it('rejects a watch answered with 410 so the informer relists, and resolves quietly when aborted', async () => {
    handler = (_req, _body, res) =>
      res.writeHead(410, { 'content-type': 'application/json' }).end('{"kind":"Status","code":410,"reason":"Expired"}');
    const c = createKubeClient(kubeConfig());
    const gone = await c.watch('/x', {}, () => undefined, new AbortController().signal).catch((e: unknown) => e);
    expect(isGone(gone)).toBe(true);

    handler = (_req, _body, res) => res.writeHead(200, { 'content-type': 'application/json' }).write('\n');
    const ctl = new AbortController();
    const open = c.watch('/x', {}, () => undefined, ctl.signal);
    setTimeout(() => ctl.abort(), 50);
    await expect(open).resolves.toBeUndefined();
  });

  it('gives up on a request that outlives its timeout', async () => {
    handler = () => undefined; // never answers
    const err = await createKubeClient(kubeConfig())
      .request({ method: 'GET', path: '/slow', timeoutMs: 100 })
      .catch((e: unknown) => e);
    expect((err as GridlakeError).retryable).toBe(true);
  });

  it('builds core and group paths', () => {
    expect(resourcePath({ group: '', version: 'v1', plural: 'configmaps', namespace: 'n' })).toBe(
      '/api/v1/namespaces/n/configmaps',
    );
    expect(resourcePath({ group: 'apps', version: 'v1', plural: 'deployments' })).toBe('/apis/apps/v1/deployments');
    expect(objectPath({ group: 'gridlake.io', version: 'v1alpha1', plural: 'dailyjoins', namespace: 'n' }, 'j')).toBe(
      '/apis/gridlake.io/v1alpha1/namespaces/n/dailyjoins/j',
    );
  });
});

describe('runtime hygiene', () => {
  it('never exits the process from the runtime', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const files = readdirSync('src/k8s').filter((f) => f.endsWith('.ts'));
    const offenders = files.filter((f) => /process\.exit\s*\(/.test(readFileSync(`src/k8s/${f}`, 'utf8')));
    expect(files.length).toBeGreaterThan(5);
    expect(offenders).toEqual([]);
  });
});
