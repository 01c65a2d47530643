// One process owns an embedded database directory, as PostgreSQL's postmaster.pid makes one
// postmaster own its data directory: two PGlite instances on the same files do not see each
// other's writes and corrupt the files when both write.
//
// The lock is a Linux abstract-namespace Unix socket named after the directory's real path: binding
// it is atomic, a second bind fails with EADDRINUSE, and the kernel drops it when the holder exits
// for any reason (SIGKILL included), so a crash never leaves a stale lock. A pid file beside the data
// (`<dir>.pid`, outside the data directory, whose files PGlite owns) names the holder for the message. Elsewhere than Linux (no abstract sockets) the pid
// file alone is the lock: created exclusively, taken over when the pid it names is not alive.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';

export class DirLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly holder: { pid: number | null; host?: string; since?: string },
  ) {
    const who = holder.pid ? `process ${holder.pid}${holder.host && holder.host !== os.hostname() ? ` on ${holder.host}` : ''}${holder.since ? ` (since ${holder.since})` : ''}` : 'another process';
    super(`the embedded database at ${dir} is in use by ${who}: stop that server first, or give this one another SCALE_DATA_DIR (or a DATABASE_URL)`);
    this.name = 'DirLockedError';
  }
}

export interface DirLock {
  release(): void;
}

const pidFileOf = (dir: string) => `${dir}.pid`;

function readHolder(dir: string): { pid: number | null; host?: string; since?: string } {
  try {
    const o = JSON.parse(fs.readFileSync(pidFileOf(dir), 'utf8'));
    return { pid: Number.isInteger(o.pid) ? o.pid : null, host: o.host, since: o.since };
  } catch {
    return { pid: null };
  }
}

const holderRecord = () => `${JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() })}\n`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the directory's lock for this process's lifetime, or throws DirLockedError. */
export async function lockDir(dir: string): Promise<DirLock> {
  fs.mkdirSync(dir, { recursive: true });
  const real = fs.realpathSync(dir);
  return process.platform === 'linux' ? socketLock(real) : pidFileLock(real);
}

async function socketLock(dir: string): Promise<DirLock> {
  const name = `\0scale-ades-db-${createHash('sha256').update(dir).digest('hex').slice(0, 40)}`;
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new DirLockedError(dir, readHolder(dir)) : err));
    server.listen(name, () => resolve());
  });
  server.unref(); // the lock must not keep the process alive
  fs.writeFileSync(pidFileOf(dir), holderRecord());
  return heldLock(dir, () => server.close());
}

/** The lock as held: releasing it (once) removes the pid file while it still names us, then `after`. */
function heldLock(dir: string, after: () => void = () => {}): DirLock {
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      if (readHolder(dir).pid === process.pid) fs.rmSync(pidFileOf(dir), { force: true });
      after();
    },
  };
}

/** The lock where there are no abstract sockets (not Linux): the pid file alone. Exported for its test. */
export function pidFileLock(dir: string): DirLock {
  const pidFile = pidFileOf(dir);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(pidFile, holderRecord(), { flag: 'wx' });
      return heldLock(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readHolder(dir);
      if (holder.pid !== null && (holder.host === undefined || holder.host === os.hostname()) && !alive(holder.pid)) {
        fs.rmSync(pidFile, { force: true }); // left by a process that died
        continue;
      }
      throw new DirLockedError(dir, holder);
    }
  }
  throw new DirLockedError(dir, readHolder(dir));
}
