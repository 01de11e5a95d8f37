import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { sha256Hex } from '../../domain/shared/sha256';
import { AppError, UnavailableError } from '../../src/errors/app-error';
import type { ObjectStore, PutResult } from '../../src/ports/object-store';
import { requireDigest, verified } from './content-address';

export interface S3ObjectStoreConfig {
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix, e.g. `envelopes/`; objects live at `<prefix>sha256/<digest>`. */
  readonly prefix?: string;
}

/** S3 client options that work with S3-compatible servers (MinIO, s3rver, Ceph) as well as AWS. */
export function s3ClientFor(options: { endpoint?: string; region?: string; accessKeyId?: string; secretAccessKey?: string }): S3Client {
  return new S3Client({
    region: options.region ?? 'us-east-1',
    forcePathStyle: true,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.accessKeyId === undefined || options.secretAccessKey === undefined
      ? {}
      : { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }),
    // S3-compatible servers often reject the SDK's default CRC trailers.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Content-addressed archive in an S3 bucket. */
export class S3ObjectStore implements ObjectStore {
  private readonly prefix: string;

  constructor(private readonly config: S3ObjectStoreConfig) {
    this.prefix = config.prefix ?? '';
  }

  async put(bytes: Uint8Array): Promise<PutResult> {
    const digest = sha256Hex(bytes);
    if (await this.has(digest)) return { digest, created: false };
    await this.call('PutObject', () =>
      this.config.client.send(
        new PutObjectCommand({
          Bucket: this.config.bucket,
          Key: this.keyOf(digest),
          Body: bytes,
          ContentType: 'application/octet-stream',
          ContentMD5: createHash('md5').update(bytes).digest('base64'),
          Metadata: { sha256: digest },
        }),
      ),
    );
    return { digest, created: true };
  }

  async get(digest: string): Promise<Buffer | null> {
    requireDigest(digest);
    try {
      const out = await this.config.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(digest) }));
      if (out.Body === undefined) return null;
      return verified(digest, Buffer.from(await out.Body.transformToByteArray()));
    } catch (error) {
      if (isNotFound(error)) return null;
      throw this.translate('GetObject', error);
    }
  }

  async has(digest: string): Promise<boolean> {
    requireDigest(digest);
    try {
      await this.config.client.send(new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(digest) }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw this.translate('HeadObject', error);
    }
  }

  private keyOf(digest: string): string {
    return `${this.prefix}sha256/${digest}`;
  }

  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.translate(operation, error);
    }
  }

  private translate(operation: string, error: unknown): unknown {
    if (error instanceof AppError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new UnavailableError(`object storage ${operation} on bucket ${this.config.bucket} failed: ${message}`, 5, { operation }, 'object_store_unavailable', error);
  }
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}
