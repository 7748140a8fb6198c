import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { glError, GridlakeError } from '../errors.js';
import { s3Location, type CreateOutcome, type ObjectInfo, type ObjectStore } from './object-store.js';
import { withBackoff } from '../backoff.js';

export interface S3StoreOptions {
  readonly endpoint?: string;
  readonly region: string;
  readonly bucket: string;
  /** key prefix inside the bucket, without trailing slash ('' for the root) */
  readonly prefix?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** default true: MinIO and most S3-compatible stores need path-style */
  readonly forcePathStyle?: boolean;
  /** objects above this size go multipart (default 16 MiB) */
  readonly multipartThresholdBytes?: number;
  /** default 8 MiB (S3 minimum 5 MiB) */
  readonly partBytes?: number;
  /** attempts per call, with exponential backoff (default 4) */
  readonly attempts?: number;
  /** per-request timeout (default 10 s): a hung server must fail, not stall the sink */
  readonly requestTimeoutMs?: number;
}

/**
 * The type S3 would give the objects anyway; saying it skips the SDK's
 * per-request schema walk that works it out (a visible share of a PUT's CPU).
 */
const OCTET_STREAM = 'application/octet-stream';

/**
 * The lake on S3 or an S3-compatible store. Create-only writes use
 * `If-None-Match: *` on PutObject and on CompleteMultipartUpload; a 412 means
 * the object is already there. Every call retries with backoff; what still
 * fails is GL_LAKE_STORE_UNAVAILABLE (retryable) for the caller's own backoff.
 */
export class S3Store implements ObjectStore {
  readonly client: S3Client;
  readonly location: string;
  private readonly prefix: string;

  constructor(private readonly options: S3StoreOptions) {
    this.client = new S3Client({
      region: options.region,
      forcePathStyle: options.forcePathStyle ?? true,
      maxAttempts: 1,
      // smithy only warns about a slow request unless told to throw (checked against a silent server).
      requestHandler: {
        requestTimeout: options.requestTimeoutMs ?? 10_000,
        connectionTimeout: 3_000,
        throwOnRequestTimeout: true,
      },
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    });
    this.prefix = options.prefix ? `${options.prefix.replace(/\/+$/, '')}/` : '';
    this.location = s3Location(options.bucket, options.prefix);
  }

  /** Creates the bucket when it does not exist (tests, embedded setups). */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new CreateBucketCommand({ Bucket: this.options.bucket }));
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists')
        throw this.wrap(err, 'create bucket', '');
    }
  }

  async putIfAbsent(key: string, body: Uint8Array): Promise<CreateOutcome> {
    const threshold = this.options.multipartThresholdBytes ?? 16 * 1024 * 1024;
    return this.retry(`put ${key}`, key, async () => {
      try {
        if (body.length > threshold) await this.multipart(key, body);
        else
          await this.client.send(
            new PutObjectCommand({
              Bucket: this.options.bucket,
              Key: this.prefix + key,
              Body: body,
              IfNoneMatch: '*',
              ContentType: OCTET_STREAM,
            }),
          );
        return 'created';
      } catch (err) {
        if (status(err) === 412) return 'exists';
        throw err;
      }
    });
  }

  async put(key: string, body: Uint8Array): Promise<void> {
    await this.retry(`put ${key}`, key, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.options.bucket,
          Key: this.prefix + key,
          Body: body,
          ContentType: OCTET_STREAM,
        }),
      ),
    );
  }

  async get(key: string): Promise<Buffer> {
    return this.retry(`get ${key}`, key, async () => {
      try {
        const res = await this.client.send(
          new GetObjectCommand({ Bucket: this.options.bucket, Key: this.prefix + key }),
        );
        return Buffer.from(await res.Body!.transformToByteArray());
      } catch (err) {
        if (status(err) === 404) throw glError('GL_LAKE_OBJECT_NOT_FOUND', 'object not found', { context: { key } });
        throw err;
      }
    });
  }

  async head(key: string): Promise<ObjectInfo | null> {
    return this.retry(`head ${key}`, key, async () => {
      try {
        const res = await this.client.send(
          new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.prefix + key }),
        );
        return { key, size: res.ContentLength ?? 0 };
      } catch (err) {
        if (status(err) === 404) return null;
        throw err;
      }
    });
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const page = await this.retry(`list ${prefix}`, prefix, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.options.bucket,
            Prefix: this.prefix + prefix,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        ),
      );
      for (const o of page.Contents ?? [])
        if (o.Key !== undefined) out.push({ key: o.Key.slice(this.prefix.length), size: o.Size ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await this.retry(`delete ${key}`, key, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.prefix + key })),
    );
  }

  private async multipart(key: string, body: Uint8Array): Promise<void> {
    const Bucket = this.options.bucket;
    const Key = this.prefix + key;
    const partBytes = Math.max(this.options.partBytes ?? 8 * 1024 * 1024, 5 * 1024 * 1024);
    const created = await this.client.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const UploadId = created.UploadId!;
    try {
      const parts: { ETag: string; PartNumber: number }[] = [];
      for (let pos = 0, n = 1; pos < body.length; pos += partBytes, n++) {
        const res = await this.client.send(
          new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: n, Body: body.subarray(pos, pos + partBytes) }),
        );
        parts.push({ ETag: res.ETag!, PartNumber: n });
      }
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key,
          UploadId,
          IfNoneMatch: '*',
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (err) {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
      throw err;
    }
  }

  private retry<T>(what: string, key: string, fn: () => Promise<T>): Promise<T> {
    return withBackoff(
      async () => {
        try {
          return await fn();
        } catch (err) {
          throw this.wrap(err, what, key);
        }
      },
      { attempts: this.options.attempts ?? 4, initialMs: 200, maxMs: 3_000 },
    );
  }

  private wrap(err: unknown, what: string, key: string): GridlakeError {
    if (err instanceof GridlakeError) return err;
    const code = status(err);
    // 4xx other than throttling and conflicts will not get better by retrying.
    const retryable = code === undefined || code >= 500 || code === 429 || code === 409 || code === 408;
    return glError('GL_LAKE_STORE_UNAVAILABLE', `s3 ${what.split(' ')[0]} failed`, {
      retryable,
      cause: err,
      context: { key, status: code, location: this.location },
    });
  }
}

function status(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}
