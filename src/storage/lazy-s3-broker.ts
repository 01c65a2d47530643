// An S3 broker that loads the AWS SDK (s3-broker.ts, ~25 MB of a server's memory) on its first
// call, so a server whose workspaces are all on the host never loads it.
import type { Readable } from 'node:stream';
import type { Broker, StoredFile } from './broker.ts';
import type { S3Broker } from './s3-broker.ts';
import type { S3BrokerConfig, S3Defaults } from './s3-config.ts';

export class LazyS3Broker implements Broker {
  readonly type = 's3';
  private inner: Promise<S3Broker> | null = null;

  constructor(private readonly config: S3BrokerConfig, private readonly cacheDir: string, private readonly defaults: S3Defaults) {}

  private broker(): Promise<S3Broker> {
    this.inner ??= import('./s3-broker.ts').then(({ S3Broker }) => new S3Broker(this.config, this.cacheDir, this.defaults));
    return this.inner;
  }

  /** Why the bucket cannot be reached, or null (S3Broker.reachable). */
  async reachable(): Promise<string | null> {
    return (await this.broker()).reachable();
  }

  async write(relPath: string, data: Readable, opts?: { maxBytes?: number }): Promise<StoredFile> {
    return (await this.broker()).write(relPath, data, opts);
  }

  async putFile(localPath: string, relPath: string): Promise<StoredFile> {
    return (await this.broker()).putFile(localPath, relPath);
  }

  async read(relPath: string, range?: { start: number; end: number }): Promise<Readable> {
    return (await this.broker()).read(relPath, range);
  }

  async size(relPath: string): Promise<number> {
    return (await this.broker()).size(relPath);
  }

  async localPath(relPath: string): Promise<string> {
    return (await this.broker()).localPath(relPath);
  }

  async delete(relPath: string): Promise<void> {
    return (await this.broker()).delete(relPath);
  }

  async list(opts?: { recursive?: boolean; prefix?: string }): Promise<{ relPath: string; size: number }[]> {
    return (await this.broker()).list(opts);
  }
}
