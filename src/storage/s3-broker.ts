// S3 broker: a workspace is a bucket (Scale's `s3` broker: bucket_name, region_name, credentials),
// reached with the AWS SDK v3. Uploads are multipart past 8 MiB (lib-storage), downloads stream, and
// a path an executor needs on this machine is a cached download. Non-AWS servers (MinIO, s3rver)
// are reached through `endpoint_url` in the configuration or the server's S3_ENDPOINT, with path-style requests.
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Conflict, NotFound } from '../errors.ts';
import type { Broker, StoredFile } from './broker.ts';
import { checkRelativePath, hashFile, meter } from './host-broker.ts';
import { perRequestRetries } from './s3-retries.ts';
import { S3_DEFAULTS, type S3BrokerConfig, type S3Defaults } from './s3-config.ts';

export { S3_DEFAULTS, type S3BrokerConfig, type S3Defaults };

const PART_SIZE = 8 * 1024 * 1024;

/** An S3 client for a broker configuration: its endpoint or the default one (path-style), its credentials or the default chain. */
export function s3Client(c: S3BrokerConfig, defaults: S3Defaults = S3_DEFAULTS): S3Client {
  const endpoint = c.endpoint_url ?? defaults.endpoint;
  const idle = Math.round(defaults.idleTimeoutSeconds * 1000);
  const config: S3ClientConfig = {
    region: c.region_name ?? defaults.region,
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    ...(c.credentials ? { credentials: { accessKeyId: c.credentials.access_key_id, secretAccessKey: c.credentials.secret_access_key } } : {}),
    maxAttempts: 3,
    retryStrategy: perRequestRetries(3),
    // Without a limit, a server that takes a request and never answers holds an upload (and the
    // execution or ingest behind it) forever; a stalled request fails and is retried instead.
    ...(idle ? { requestHandler: { connectionTimeout: idle, socketTimeout: idle } } : {}),
  };
  return new S3Client(config);
}

const isMissing = (err: any) => err?.name === 'NotFound' || err?.name === 'NoSuchKey' || err?.$metadata?.httpStatusCode === 404;

export class S3Broker implements Broker {
  readonly type = 's3';
  private readonly client: S3Client;
  private readonly bucket: string;

  /** @param cacheDir where files an executor reads are downloaded (one directory per bucket) */
  constructor(config: S3BrokerConfig, private readonly cacheDir: string, defaults: S3Defaults = S3_DEFAULTS) {
    this.client = s3Client(config, defaults);
    this.bucket = config.bucket_name;
  }

  /** Whether the bucket answers (for configuration warnings). */
  async reachable(): Promise<string | null> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return null;
    } catch (err: any) {
      return err?.name ?? err?.message ?? String(err);
    }
  }

  private async exists(key: string): Promise<number | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return head.ContentLength ?? 0;
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  private async upload(key: string, body: Readable): Promise<void> {
    await new Upload({ client: this.client, params: { Bucket: this.bucket, Key: key, Body: body }, partSize: PART_SIZE, queueSize: 2 }).done();
  }

  async write(relPath: string, data: Readable, opts: { maxBytes?: number } = {}): Promise<StoredFile> {
    const key = checkRelativePath(relPath);
    // S3 has no "create only if absent" everywhere; a head first keeps the host broker's promise in practice.
    if ((await this.exists(key)) !== null) throw new Conflict(`a file already exists at ${relPath}`);
    const m = meter(opts.maxBytes);
    data.on('error', (err) => m.destroy(err));
    await this.upload(key, data.pipe(m));
    return { size: m.size(), checksum: m.checksum() };
  }

  async putFile(localPath: string, relPath: string): Promise<StoredFile> {
    const key = checkRelativePath(relPath);
    const stored = await hashFile(localPath);
    await this.upload(key, createReadStream(localPath));
    // As the host broker moves the file, this one does not leave a copy behind.
    await fs.rm(localPath, { force: true });
    return stored;
  }

  async read(relPath: string, range?: { start: number; end: number }): Promise<Readable> {
    const key = checkRelativePath(relPath);
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }));
      return res.Body as Readable;
    } catch (err) {
      if (isMissing(err)) throw new NotFound('file', relPath);
      throw err;
    }
  }

  async size(relPath: string): Promise<number> {
    const n = await this.exists(checkRelativePath(relPath));
    if (n === null) throw new NotFound('file', relPath);
    return n;
  }

  /** Downloads the object into the cache (once per size), for an executor to read or bind-mount. */
  async localPath(relPath: string): Promise<string> {
    const key = checkRelativePath(relPath);
    const target = path.join(this.cacheDir, this.bucket, key);
    const size = await this.size(key);
    const have = await fs.stat(target).then((s) => s.size, () => -1);
    if (have === size) return target;
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${randomUUID()}.part`;
    try {
      await pipeline(await this.read(key), createWriteStream(tmp));
      await fs.rename(tmp, target);
    } finally {
      await fs.rm(tmp, { force: true });
    }
    return target;
  }

  async list(opts: { recursive?: boolean; prefix?: string } = {}): Promise<{ relPath: string; size: number }[]> {
    const out: { relPath: string; size: number }[] = [];
    const prefix = opts.prefix ? `${checkRelativePath(opts.prefix)}/` : undefined;
    let token: string | undefined;
    do {
      const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token, ...(opts.recursive ? {} : { Delimiter: '/' }) }));
      for (const o of res.Contents ?? []) {
        const name = (o.Key ?? '').split('/').pop() ?? '';
        if (o.Key && !o.Key.endsWith('/') && !name.startsWith('.')) out.push({ relPath: o.Key, size: o.Size ?? 0 });
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async delete(relPath: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: checkRelativePath(relPath) }));
  }
}
