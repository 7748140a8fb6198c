import { LocalFolderStore } from './local-folder-store.js';
import { deferredStore, s3Location, type ObjectStore } from './object-store.js';
import type { S3StoreOptions } from './s3-store.js';

/** Where a process keeps the lake: an S3 bucket (and prefix), or a local folder. */
export type StoreChoice =
  | {
      readonly kind: 's3';
      readonly endpoint?: string;
      readonly region: string;
      readonly bucket: string;
      readonly prefix: string;
      readonly credentials?: { accessKeyId: string; secretAccessKey: string };
      readonly createBucket?: boolean;
    }
  | { readonly kind: 'folder'; readonly dir: string };

/**
 * Opens the chosen store. The S3 SDK (~0.2 s of CPU to load) loads only for
 * S3; with `deferred`, it loads in the background and the store is returned
 * at once (the sink's consumer joins its group meanwhile, and the first store
 * call only comes with the first fetched batch).
 */
export async function openObjectStore(
  choice: StoreChoice,
  tuning: Pick<S3StoreOptions, 'attempts' | 'requestTimeoutMs'> & { readonly deferred?: boolean } = {},
): Promise<ObjectStore> {
  if (choice.kind === 'folder') return new LocalFolderStore(choice.dir);
  const { deferred, ...timing } = tuning;
  const s3 = import('./s3-store.js').then(
    ({ S3Store }) =>
      new S3Store({
        region: choice.region,
        bucket: choice.bucket,
        prefix: choice.prefix,
        ...timing,
        ...(choice.endpoint === undefined ? {} : { endpoint: choice.endpoint }),
        ...(choice.credentials === undefined ? {} : { credentials: choice.credentials }),
      }),
  );
  if (choice.createBucket) await (await s3).ensureBucket();
  return deferred ? deferredStore(s3Location(choice.bucket, choice.prefix), s3) : s3;
}
