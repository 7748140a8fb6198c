import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalFolderStore } from '../../../src/lake/local-folder-store.js';
import type { ObjectStore } from '../../../src/lake/object-store.js';
import { S3Store } from '../../../src/lake/s3-store.js';
import { s3 } from '../../infra/index.js';

const rand = (): string => Math.random().toString(36).slice(2, 10);
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const adapters: { name: string; open: (multipartThresholdBytes?: number) => Promise<ObjectStore> }[] = [
  {
    name: 'local folder',
    open: async () => {
      const d = mkdtempSync(join(tmpdir(), 'gridlake-store-'));
      dirs.push(d);
      return new LocalFolderStore(d);
    },
  },
  {
    name: 's3 (MinIO)',
    open: async (multipartThresholdBytes) => {
      const info = await s3();
      const store = new S3Store({
        endpoint: info.endpoint,
        region: info.region,
        bucket: 'gridlake-contract',
        prefix: `t-${rand()}`,
        credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey },
        ...(multipartThresholdBytes === undefined ? {} : { multipartThresholdBytes, partBytes: 5 * 1024 * 1024 }),
      });
      await store.ensureBucket();
      return store;
    },
  },
];

describe.each(adapters)('ObjectStore contract: $name', (adapter) => {
  it('creates an object once and never replaces it with putIfAbsent', async () => {
    const store = await adapter.open();
    expect(await store.putIfAbsent('raw/a/x.parquet', Buffer.from('first'))).toBe('created');
    expect(await store.putIfAbsent('raw/a/x.parquet', Buffer.from('second'))).toBe('exists');
    expect((await store.get('raw/a/x.parquet')).toString()).toBe('first');
  });

  it('lets exactly one of many concurrent create-only writers win', async () => {
    const store = await adapter.open();
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.putIfAbsent('race/key.json', Buffer.from(`w${i}`))),
    );
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
  });

  it('replaces with put, lists by prefix in key order, heads and deletes', async () => {
    const store = await adapter.open();
    await store.put('p/b/2.json', Buffer.from('22'));
    await store.put('p/b/2.json', Buffer.from('222'));
    await store.put('p/b/1.json', Buffer.from('1'));
    await store.put('p/c/3.json', Buffer.from('3'));
    await store.put('q/4.json', Buffer.from('4'));
    expect((await store.get('p/b/2.json')).toString()).toBe('222');
    expect(await store.list('p/b/')).toEqual([
      { key: 'p/b/1.json', size: 1 },
      { key: 'p/b/2.json', size: 3 },
    ]);
    expect((await store.list('p/')).map((o) => o.key)).toEqual(['p/b/1.json', 'p/b/2.json', 'p/c/3.json']);
    expect(await store.head('p/c/3.json')).toEqual({ key: 'p/c/3.json', size: 1 });
    expect(await store.head('p/c/nope.json')).toBeNull();
    await store.delete('p/c/3.json');
    await store.delete('p/c/3.json');
    expect(await store.head('p/c/3.json')).toBeNull();
    await expect(store.get('p/c/3.json')).rejects.toMatchObject({ code: 'GL_LAKE_OBJECT_NOT_FOUND' });
  });

  it('writes large objects whole (multipart on S3), still create-only', { timeout: 60_000 }, async () => {
    const store = await adapter.open(5 * 1024 * 1024);
    const big = Buffer.alloc(12 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i += 4096) big[i] = i % 251;
    expect(await store.putIfAbsent('big/file.bin', big)).toBe('created');
    expect(await store.putIfAbsent('big/file.bin', Buffer.from('small'))).toBe('exists');
    const back = await store.get('big/file.bin');
    expect(back.length).toBe(big.length);
    expect(back.equals(big)).toBe(true);
  });

  it('leaves no temporary objects visible', async () => {
    const store = await adapter.open();
    await store.putIfAbsent('v/a.json', Buffer.from('a'));
    await store.put('v/b.json', Buffer.from('b'));
    expect((await store.list('v/')).map((o) => o.key)).toEqual(['v/a.json', 'v/b.json']);
    if (store instanceof LocalFolderStore) expect(readdirSync(join(store.location, 'v'))).toEqual(['a.json', 'b.json']);
  });
});
