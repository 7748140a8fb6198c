import { apiError } from '../../../src/k8s/api-errors.js';
import type { KubeClient, KubeRequest } from '../../../src/k8s/kube-client.js';

/** An in-memory Lease endpoint with resourceVersion checks, and one client per candidate that can be cut off. */
export class LeaseServer {
  lease: { metadata: Record<string, unknown>; spec: Record<string, unknown> } | undefined;
  rv = 1;
  writes = 0;

  client(): KubeClient & { down: boolean } {
    const handle = (req: KubeRequest): unknown => this.handle(req);
    return {
      down: false,
      async request<T>(req: KubeRequest): Promise<T> {
        if (this.down) throw apiError(undefined, undefined, req, new Error('ECONNREFUSED'));
        return handle(req) as T;
      },
      watch: () => Promise.reject(new Error('no watch')),
    };
  }

  private handle(req: KubeRequest): unknown {
    const fail = (status: number, reason: string) => {
      throw apiError(status, { code: status, reason }, req);
    };
    if (req.method === 'GET') {
      if (!this.lease) fail(404, 'NotFound');
      return structuredClone(this.lease);
    }
    const body = structuredClone(req.body) as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
    if (req.method === 'POST') {
      if (this.lease) fail(409, 'AlreadyExists');
    } else if (req.method === 'PUT') {
      if (!this.lease) fail(404, 'NotFound');
      if (body.metadata['resourceVersion'] !== this.lease!.metadata['resourceVersion']) fail(409, 'Conflict');
    }
    this.writes++;
    body.metadata['resourceVersion'] = String(++this.rv);
    this.lease = body;
    return structuredClone(body);
  }
}
