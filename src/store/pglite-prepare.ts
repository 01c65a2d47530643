// Makes a new embedded data directory ready in a process of its own: initdb and every migration run
// here, and the process then exits. The memory they take (PGlite's WebAssembly heap grown by initdb
// and index builds, and what the C allocator keeps of it once freed: ~100 MB that a worker thread,
// ended, still left in the server's process) goes with it. The server then opens a ready directory.
//
// Run as: node [--import tsx] src/store/pglite-prepare.ts <pglite dir>
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';

const SELF = fileURLToPath(import.meta.url);

/** Runs this file in a child process (the same node and loader flags, no debugger's port) on dir; rejects with its words when it fails. */
export function prepareInChild(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv.filter((a) => !a.startsWith('--inspect')), SELF, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) return resolve();
      // The child says a refusal (the directory locked) on its last line; keep its name for the caller.
      const last = stderr.trim().split('\n').pop() ?? '';
      const locked = /^DirLockedError: (.*)$/.exec(last);
      reject(Object.assign(new Error(locked?.[1] ?? `preparing the embedded database at ${dir} failed (${signal ?? `exit ${code}`}): ${stderr.trim().slice(-1500)}`), locked ? { name: 'DirLockedError' } : {}));
    });
  });
}

if (process.argv[1] === SELF) {
  const dir = process.argv[2];
  try {
    const db = await openPglite(dir);
    await migrate(db);
    await db.close();
    process.exit(0);
  } catch (err: any) {
    process.stderr.write(err?.name === 'DirLockedError' ? `DirLockedError: ${err.message}\n` : `${err?.stack ?? err}\n`);
    process.exit(1);
  }
}
