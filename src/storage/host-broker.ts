// Host broker: a workspace is a directory on this machine (or a shared file system mounted on it).
// No path a client gives may leave the root: no absolute paths, no '..', no symlink that points out.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { Conflict, Invalid, NotFound, TooLarge } from '../errors.ts';
import type { Broker, StoredFile } from './broker.ts';

/** Checks a workspace-relative path for shape alone; returns it normalised with forward slashes. */
export function checkRelativePath(relPath: string, field = 'file_path'): string {
  if (typeof relPath !== 'string' || relPath.length === 0) throw new Invalid(field, 'must be a non-empty relative path');
  if (relPath.length > 1000) throw new Invalid(field, 'must be at most 1000 characters');
  if (relPath.includes('\0')) throw new Invalid(field, 'must not contain NUL characters');
  if (relPath.startsWith('/') || path.isAbsolute(relPath) || /^[a-zA-Z]:/.test(relPath)) throw new Invalid(field, 'must be relative to the workspace, not absolute');
  const parts = relPath.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw new Invalid(field, "must not contain '..'");
  if (parts.length === 0) throw new Invalid(field, 'must name a file');
  return parts.join('/');
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Counts bytes and hashes them as they pass; fails the stream past maxBytes. */
export function meter(maxBytes = 0): Transform & { size: () => number; checksum: () => string } {
  const hash = createHash('sha256');
  let size = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (maxBytes > 0 && size > maxBytes) return cb(new TooLarge(`the file is larger than the limit of ${maxBytes} bytes`));
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  let digest: string | null = null;
  return Object.assign(t, { size: () => size, checksum: () => (digest ??= hash.digest('hex')) });
}

export async function hashFile(p: string): Promise<StoredFile> {
  const m = meter();
  await pipeline(createReadStream(p), m, async function* (src) {
    for await (const _ of src) void _;
  });
  return { size: m.size(), checksum: m.checksum() };
}

export class HostBroker implements Broker {
  readonly type = 'host';
  private realRoot: string | null = null;

  constructor(readonly root: string) {}

  private async rootReal(): Promise<string> {
    if (!this.realRoot) {
      await fs.mkdir(this.root, { recursive: true });
      this.realRoot = await fs.realpath(this.root);
    }
    return this.realRoot;
  }

  /** Resolves relPath under the root, following symlinks of whatever exists and refusing escapes. */
  async resolve(relPath: string, opts: { createParents?: boolean } = {}): Promise<string> {
    const rel = checkRelativePath(relPath);
    const root = await this.rootReal();
    const full = path.join(root, rel);
    const parent = path.dirname(full);
    if (opts.createParents) await fs.mkdir(parent, { recursive: true });
    // The deepest existing ancestor decides where the path really lands.
    let probe = full;
    for (;;) {
      try {
        const real = await fs.realpath(probe);
        if (!isInside(root, real)) throw new Invalid('file_path', 'resolves outside the workspace (symlink)');
        return probe === full ? real : path.join(real, path.relative(probe, full));
      } catch (err: any) {
        if (err instanceof Invalid) throw err;
        if (err?.code !== 'ENOENT' && err?.code !== 'ENOTDIR') throw err;
        const up = path.dirname(probe);
        if (up === probe) throw err;
        probe = up;
      }
    }
  }

  async write(relPath: string, data: Readable, opts: { maxBytes?: number } = {}): Promise<StoredFile> {
    const target = await this.resolve(relPath, { createParents: true });
    const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}.part`);
    const m = meter(opts.maxBytes);
    try {
      await pipeline(data, m, createWriteStream(tmp, { flags: 'wx', mode: 0o644 }));
      // link() refuses an existing target, so a file already there is never overwritten.
      await fs.link(tmp, target);
    } catch (err: any) {
      if (err?.code === 'EEXIST') throw new Conflict(`a file already exists at ${relPath}`);
      throw err;
    } finally {
      await fs.rm(tmp, { force: true });
    }
    return { size: m.size(), checksum: m.checksum() };
  }

  async putFile(localPath: string, relPath: string): Promise<StoredFile> {
    const target = await this.resolve(relPath, { createParents: true });
    const stored = await hashFile(localPath);
    try {
      await fs.rename(localPath, target);
    } catch (err: any) {
      if (err?.code !== 'EXDEV') throw err;
      await fs.copyFile(localPath, target);
    }
    await fs.chmod(target, 0o644).catch(() => {});
    return stored;
  }

  private async existing(relPath: string): Promise<string> {
    const p = await this.resolve(relPath);
    try {
      const st = await fs.stat(p);
      if (!st.isFile()) throw new NotFound('file', relPath);
    } catch (err: any) {
      if (err?.code === 'ENOENT') throw new NotFound('file', relPath);
      throw err;
    }
    return p;
  }

  async read(relPath: string, range?: { start: number; end: number }): Promise<Readable> {
    const p = await this.existing(relPath);
    return createReadStream(p, range);
  }

  async size(relPath: string): Promise<number> {
    return (await fs.stat(await this.existing(relPath))).size;
  }

  async localPath(relPath: string): Promise<string> {
    return this.existing(relPath);
  }

  async delete(relPath: string): Promise<void> {
    await fs.rm(await this.resolve(relPath), { force: true });
  }

  async list(opts: { recursive?: boolean; prefix?: string } = {}): Promise<{ relPath: string; size: number }[]> {
    const root = await this.rootReal();
    const start = opts.prefix ? await this.resolve(opts.prefix) : root;
    return listDir(root, start, opts.recursive ?? false);
  }
}

/** Regular files under `dir` (relative to `root`), skipping dot files and symlinks that leave the root. */
export async function listDir(root: string, dir: string, recursive: boolean): Promise<{ relPath: string; size: number }[]> {
  const out: { relPath: string; size: number }[] = [];
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch((err) => (err?.code === 'ENOENT' ? [] : Promise.reject(err)));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive) out.push(...(await listDir(root, p, true)));
    } else if (e.isFile()) {
      const st = await fs.stat(p).catch(() => null);
      if (st) out.push({ relPath: path.relative(root, p).split(path.sep).join('/'), size: st.size });
    }
  }
  return out;
}
