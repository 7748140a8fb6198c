import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { S3Store } from '../../../src/lake/s3-store.js';

// A server that accepts connections and never answers: what a stopped MinIO looks like.
const sockets = new Set<Socket>();
const silent: Server = createServer((s) => {
  sockets.add(s);
  s.on('data', () => undefined);
}).listen(0, '127.0.0.1');
afterAll(() => {
  for (const s of sockets) s.destroy();
  silent.close();
});

describe('S3 store against a hung server', () => {
  it('fails within its request timeout with a retryable store error instead of hanging', async () => {
    const { port } = silent.address() as { port: number };
    const store = new S3Store({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      bucket: 'b',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      attempts: 2,
      requestTimeoutMs: 300,
    });
    const started = Date.now();
    await expect(store.putIfAbsent('raw/x.parquet', Buffer.from('x'))).rejects.toMatchObject({
      code: 'GL_LAKE_STORE_UNAVAILABLE',
      retryable: true,
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
