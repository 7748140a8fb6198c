import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { glError } from '../errors.js';
import type { CreateOutcome, ObjectInfo, ObjectStore } from './object-store.js';

/**
 * The lake in a local folder (embedded default). A file is written under a
 * dot-prefixed temporary name, fsynced, then made visible atomically: by
 * rename for `put`, by hard link for `putIfAbsent` (link fails when the name
 * exists, which makes create-only atomic too).
 */
export class LocalFolderStore implements ObjectStore {
  readonly location: string;

  constructor(private readonly root: string) {
    mkdirSync(root, { recursive: true });
    this.location = root;
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<CreateOutcome> {
    const path = this.path(key);
    const tmp = this.writeTemp(path, body);
    try {
      linkSync(tmp, path);
      syncDir(dirname(path));
      return 'created';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
      throw glError('GL_LAKE_STORE_UNAVAILABLE', 'local folder write failed', {
        retryable: true,
        cause: err,
        context: { key },
      });
    } finally {
      unlinkSync(tmp);
    }
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    const path = this.path(key);
    const tmp = this.writeTemp(path, body);
    renameSync(tmp, path);
    syncDir(dirname(path));
  }

  async get(key: string): Promise<Buffer> {
    try {
      return readFileSync(this.path(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw glError('GL_LAKE_OBJECT_NOT_FOUND', 'object not found', { context: { key } });
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      return { key, size: statSync(this.path(key)).size };
    } catch {
      return null;
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const out: ObjectInfo[] = [];
    const walk = (dir: string): void => {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        if (e.name.startsWith('.')) continue;
        const full = join(dir, e.name);
        const key = relative(this.root, full).split(sep).join('/');
        if (e.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) walk(full);
        } else if (key.startsWith(prefix)) out.push({ key, size: statSync(full).size });
      }
    };
    walk(join(this.root, base));
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    try {
      unlinkSync(this.path(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  private path(key: string): string {
    if (key.split('/').some((part) => part === '..' || part === ''))
      throw glError('GL_CONFIG_INVALID', 'invalid object key', { context: { key } });
    return join(this.root, ...key.split('/'));
  }

  private writeTemp(path: string, body: Uint8Array): string {
    mkdirSync(dirname(path), { recursive: true });
    const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
    const fd = openSync(tmp, 'w');
    try {
      let done = 0;
      while (done < body.length) done += writeSync(fd, body, done, body.length - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return tmp;
  }
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
