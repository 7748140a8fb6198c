import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalFolderStore } from '../../../src/lake/local-folder-store.js';
import { deferredStore, s3Location, type ObjectStore } from '../../../src/lake/object-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('deferredStore', () => {
  it('holds every call until the store is built, then passes it through', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gridlake-deferred-'));
    dirs.push(dir);
    let build: (s: ObjectStore) => void = () => undefined;
    const store = deferredStore('folder', new Promise<ObjectStore>((r) => (build = r)));
    let written = false;
    const put = store.putIfAbsent('a/b.txt', Buffer.from('x')).then((o) => ((written = true), o));
    await new Promise((r) => setTimeout(r, 20));
    expect(written).toBe(false);
    build(new LocalFolderStore(dir));
    expect(await put).toBe('created');
    expect(await store.putIfAbsent('a/b.txt', Buffer.from('y'))).toBe('exists');
    expect((await store.get('a/b.txt')).toString()).toBe('x');
    expect(await store.list('a/')).toEqual([{ key: 'a/b.txt', size: 1 }]);
    expect(store.location).toBe('folder');
  });

  it('reports a store that could not be built at its first call, not before', async () => {
    const store = deferredStore('s3://b/', Promise.reject(new Error('no SDK')));
    await new Promise((r) => setTimeout(r, 20)); // no unhandled rejection meanwhile
    await expect(store.head('k')).rejects.toThrow('no SDK');
  });

  it('names an S3 location as the S3 store does', () => {
    expect(s3Location('lake', undefined)).toBe('s3://lake/');
    expect(s3Location('lake', 'team/raw//')).toBe('s3://lake/team/raw/');
  });
});
