// The Broker port: how the core reads and writes the files of one workspace, whatever stores them.
import type { Readable } from 'node:stream';

export interface StoredFile {
  size: number;
  checksum: string; // sha256, hex
}

export interface Broker {
  readonly type: string;
  /** Streams data into relPath; the file appears only when complete, and never over an existing one (Conflict). */
  write(relPath: string, data: Readable, opts?: { maxBytes?: number }): Promise<StoredFile>;
  /** Stores a local file at relPath, moving it when possible. */
  putFile(localPath: string, relPath: string): Promise<StoredFile>;
  /** Opens relPath for reading, optionally a byte range (inclusive end). */
  read(relPath: string, range?: { start: number; end: number }): Promise<Readable>;
  size(relPath: string): Promise<number>;
  /** A path on this machine an executor can read the file at without copying (host storage). */
  localPath(relPath: string): Promise<string>;
  delete(relPath: string): Promise<void>;
  /** The files under the root (or under `prefix`), relative paths and sizes; dot files are left out. */
  list(opts?: { recursive?: boolean; prefix?: string }): Promise<{ relPath: string; size: number }[]>;
}
