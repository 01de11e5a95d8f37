import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createReadStream, statSync } from 'node:fs';
import { s3ClientFor } from '../../adapters/object-store/s3.object-store';
import { ValidationError } from '../errors/app-error';

export interface S3Target {
  readonly bucket: string;
  readonly prefix: string;
}

export function parseS3Url(url: string): S3Target {
  const match = /^s3:\/\/([a-z0-9.-]{3,63})(?:\/(.*))?$/.exec(url);
  if (!match) throw new ValidationError(`--to must be s3://<bucket>[/<prefix>], got ${JSON.stringify(url)}`);
  const prefix = (match[2] ?? '').replace(/^\/+/, '');
  return { bucket: match[1]!, prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}

/** Uploads a kit file to S3 (or an S3-compatible server at `endpoint`); returns the object URL. */
export async function uploadKit(file: string, name: string, target: S3Target, options: { endpoint?: string; region?: string } = {}): Promise<string> {
  const client = s3ClientFor(options);
  try {
    const key = `${target.prefix}${name}`;
    await client.send(
      new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: createReadStream(file), ContentLength: statSync(file).size, ContentType: 'application/x-tar' }),
    );
    return `s3://${target.bucket}/${key}`;
  } finally {
    client.destroy();
  }
}
