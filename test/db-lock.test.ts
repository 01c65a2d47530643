// The embedded database belongs to one process at a time, as a PostgreSQL data directory belongs
// to one postmaster: a second server (or `migrate`) on the same SCALE_DATA_DIR exits at once naming
// the holder, the holder keeps working and loses nothing, and a holder killed with SIGKILL leaves
// no stale lock behind. Real server processes on a real PGlite directory.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { lockDir, DirLockedError, pidFileLock } from '../src/store/dir-lock.ts';
import { loadMigrations } from '../src/store/migrate.ts';
import { openPglite } from '../src/store/pglite.ts';
import { prepareInChild } from '../src/store/pglite-prepare.ts';
import { api, spawnServer, type ServerProcess } from './helpers/process.ts';
import { scaledMs, tempDir } from './helpers/server.ts';

const run = promisify(execFile);
const ROOT = path.join(import.meta.dirname, '..');

/** Runs the CLI to its end; resolves with its exit code, output and how long it took. */
async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; ms: number }> {
  const started = Date.now();
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, timeout: scaledMs(60_000) });
    return { code: 0, out: stdout + stderr, ms: Date.now() - started };
  } catch (err: any) {
    return { code: typeof err.code === 'number' ? err.code : -1, out: `${err.stdout ?? ''}${err.stderr ?? ''}`, ms: Date.now() - started };
  }
}

const jobTypeNames = async (s: ServerProcess) => ((await api(s.url, 'GET', '/scale/job-types/?page_size=100')).body.results as any[]).map((j) => j.name).sort();

describe('one process owns the embedded database directory', function () {
  this.timeout(180_000);
  let dataDir: string;
  let first: ServerProcess | undefined;
  before(async () => {
    dataDir = await tempDir('scale-lock-');
  });
  after(async () => {
    await first?.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('a second server and migrate on the same directory exit at once naming the holder; the holder keeps its data', async () => {
    const env = { SCALE_DATA_DIR: dataDir, DATABASE_URL: '', SCALE_EXECUTOR: 'local' };
    first = await spawnServer(env);
    const created = await api(first.url, 'POST', '/scale/job-types/', { name: 'lock-one', version: '1.0', title: 'Lock one', interface: { version: '1.0', command: 'true', command_arguments: '' } });
    assert.equal(created.status, 201, JSON.stringify(created.body));

    for (const args of [['serve'], ['migrate']]) {
      const second = await cli(args, { ...env, PORT: '0' });
      assert.notEqual(second.code, 0, `${args[0]} on a held directory must fail: ${second.out}`);
      assert.match(second.out, new RegExp(`in use by process ${first.proc.pid}\\b`), second.out);
      assert.ok(second.out.includes(path.join(dataDir, 'pglite')), `the message names the directory: ${second.out}`);
      assert.doesNotMatch(second.out, /\n\s+at /, 'one line, not a stack trace');
    }

    // The holder still answers, reads and writes.
    const more = await api(first.url, 'POST', '/scale/job-types/', { name: 'lock-two', version: '1.0', title: 'Lock two', interface: { version: '1.0', command: 'true', command_arguments: '' } });
    assert.equal(more.status, 201, JSON.stringify(more.body));
    assert.deepEqual((await jobTypeNames(first)).filter((n) => n.startsWith('lock-')), ['lock-one', 'lock-two']);
  });

  it('after a SIGKILL of the holder the next server starts at once with the data intact', async () => {
    await first!.crash();
    first = await spawnServer({ SCALE_DATA_DIR: dataDir, DATABASE_URL: '', SCALE_EXECUTOR: 'local' });
    assert.deepEqual((await jobTypeNames(first)).filter((n) => n.startsWith('lock-')), ['lock-one', 'lock-two']);
    const pid = JSON.parse(await fs.readFile(`${path.join(await fs.realpath(dataDir), 'pglite')}.pid`, 'utf8')).pid;
    assert.equal(pid, first.proc.pid, 'the pid file names the new holder');
  });

  it('in one process: a held directory is refused, a released one can be taken again', async () => {
    const dir = path.join(dataDir, 'in-process');
    const lock = await lockDir(dir);
    await assert.rejects(lockDir(dir), (err: unknown) => err instanceof DirLockedError && err.holder.pid === process.pid);
    lock.release();
    const again = await lockDir(dir);
    again.release();
  });

  it('a new directory is made and migrated in a child process, which refuses a directory another process holds', async () => {
    const dir = path.join(dataDir, 'prepared');
    const held = await lockDir(dir);
    await assert.rejects(prepareInChild(dir), (err: Error) => err.name === 'DirLockedError' && err.message.includes(String(process.pid)));
    held.release();
    await prepareInChild(dir);
    // Opened without migrating: the child applied every migration.
    const db = await openPglite(dir);
    try {
      const applied = (await db.query<{ version: number }>('SELECT version FROM scale_migration ORDER BY version')).rows.map((r) => r.version);
      assert.deepEqual(applied, (await loadMigrations()).map((m) => m.version));
    } finally {
      await db.close();
    }
  });

  it('without abstract sockets (not Linux): the pid file is the lock, taken over when the process it names is dead', async () => {
    const dir = path.join(dataDir, 'pid-file');
    await fs.mkdir(dir, { recursive: true });
    const held = pidFileLock(dir);
    assert.throws(() => pidFileLock(dir), (err: unknown) => err instanceof DirLockedError && err.holder.pid === process.pid);
    held.release();
    // A holder that died without releasing: a process that has exited.
    const dead = await run(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    await fs.writeFile(`${dir}.pid`, JSON.stringify({ pid: Number(dead.stdout), host: (await import('node:os')).hostname(), since: new Date().toISOString() }));
    const taken = pidFileLock(dir);
    assert.equal(JSON.parse(await fs.readFile(`${dir}.pid`, 'utf8')).pid, process.pid);
    taken.release();
  });
});
