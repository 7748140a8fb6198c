import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { s3 } from '../../infra/index.js';

describe('test S3 (MinIO)', () => {
  it('puts, refuses a second create-only put, lists, gets and deletes with path-style addressing', async () => {
    const info = await s3();
    const client = new S3Client({
      endpoint: info.endpoint,
      region: info.region,
      forcePathStyle: true,
      credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey },
    });
    const Bucket = `infra-${randomUUID().slice(0, 8)}`;
    await client.send(new CreateBucketCommand({ Bucket }));
    const Key = 'raw/topic=t/dt=2026-11-23/part-0.parquet';
    await client.send(
      new PutObjectCommand({
        Bucket,
        Key,
        Body: 'hello lake',
        ContentType: 'application/octet-stream',
        IfNoneMatch: '*',
      }),
    );

    const second = client.send(new PutObjectCommand({ Bucket, Key, Body: 'again', IfNoneMatch: '*' }));
    await expect(second).rejects.toSatisfy(
      (e: unknown) => e instanceof S3ServiceException && e.$metadata.httpStatusCode === 412,
    );

    const list = await client.send(new ListObjectsV2Command({ Bucket, Prefix: 'raw/' }));
    expect(list.Contents?.map((o) => o.Key)).toEqual([Key]);
    const got = await client.send(new GetObjectCommand({ Bucket, Key }));
    expect(await got.Body!.transformToString()).toBe('hello lake');

    await client.send(new DeleteObjectCommand({ Bucket, Key }));
    await expect(client.send(new HeadObjectCommand({ Bucket, Key }))).rejects.toSatisfy(
      (e: unknown) => e instanceof S3ServiceException && e.$metadata.httpStatusCode === 404,
    );
    await client.send(new DeleteBucketCommand({ Bucket }));
    client.destroy();
  });
});
