import { randomUUID } from 'node:crypto';
import { open, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { glError } from '../errors.js';

/**
 * The join's own small port onto the lake (keys are `/`-separated, relative to
 * the bucket or folder root). The lake's ObjectStore can back it later; the
 * local-folder implementation here is the embedded default and the test store.
 */
export interface JoinStore {
  /** Keys under the prefix, sorted; in-flight temporary objects are never listed. */
  list(prefix: string): Promise<string[]>;
  get(key: string): Promise<Uint8Array>;
  /** Replaces the object whole: readers see the old bytes or the new, never a mix. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Removes the object; absent is fine. */
  delete(key: string): Promise<void>;
  /** Optional random access, so a reader can fetch one row group without the whole file. */
  openRange?(key: string): Promise<RangeReader>;
}

/** Random access to one object (the shape of hyparquet's AsyncBuffer). */
export interface RangeReader {
  readonly byteLength: number;
  slice(start: number, end?: number): Promise<ArrayBuffer>;
  close(): Promise<void>;
}

/** Wraps any failure of the store in a catalogue error with the key. */
function storeError(op: string, key: string, cause: unknown): Error {
  return glError('GL_JOIN_STORE_FAILED', `lake ${op} failed for ${key}`, {
    retryable: true,
    cause,
    context: { op, key },
  });
}

/** A JoinStore over a local folder; writes go to a hidden temp file, then an atomic rename. */
export class LocalJoinStore implements JoinStore {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  #path(key: string): string {
    if (key.split('/').some((part) => part === '..' || part === '')) {
      throw glError('GL_JOIN_STORE_FAILED', `invalid key ${key}`, { context: { key } });
    }
    return join(this.root, ...key.split('/'));
  }

  async list(prefix: string): Promise<string[]> {
    // Walk the deepest folder the prefix names, then filter by the full prefix.
    const slash = prefix.lastIndexOf('/');
    const base =
      slash < 0
        ? this.root
        : join(
            this.root,
            ...prefix
              .slice(0, slash)
              .split('/')
              .filter((p) => p !== ''),
          );
    let entries: string[];
    try {
      entries = (await readdir(base, { recursive: true, withFileTypes: true }))
        .filter((d) => d.isFile() && !d.name.startsWith('.'))
        .map((d) => relative(this.root, join(d.parentPath, d.name)).split(sep).join('/'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw storeError('list', prefix, err);
    }
    return entries.filter((k) => k.startsWith(prefix)).sort();
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await readFile(this.#path(key)));
    } catch (err) {
      throw storeError('get', key, err);
    }
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.#path(key);
    const tmp = join(dirname(path), `.${randomUUID()}.tmp`);
    try {
      await mkdir(dirname(path), { recursive: true });
      // Durable before visible: flush the temp file, then rename over the fixed name.
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(bytes);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw storeError('put', key, err);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await rm(this.#path(key), { force: true });
    } catch (err) {
      throw storeError('delete', key, err);
    }
  }

  async openRange(key: string): Promise<RangeReader> {
    let handle;
    try {
      handle = await open(this.#path(key), 'r');
    } catch (err) {
      throw storeError('open', key, err);
    }
    const fh = handle;
    const { size } = await fh.stat();
    return {
      byteLength: size,
      async slice(start: number, end?: number): Promise<ArrayBuffer> {
        const stop = Math.min(end ?? size, size);
        const length = Math.max(0, stop - start);
        const buf = new ArrayBuffer(length);
        let done = 0;
        while (done < length) {
          const { bytesRead } = await fh.read(new Uint8Array(buf), done, length - done, start + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return buf;
      },
      close: () => fh.close(),
    };
  }
}
