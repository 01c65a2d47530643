// @ts-check
// The launcher: a small child process of the server that starts job commands for it.
//
// Why a separate process: fork() costs time in proportion to the forking process's memory, and the
// server holds an embedded PostgreSQL (PGlite, hundreds of MiB). Spawning /bin/true from the server
// runs at ~70/s; from this process, near the machine's raw rate. It is plain JavaScript, run by bare
// node, to stay as small as possible. It also writes the logs, off the server's event loop.
//
// Protocol (Node IPC messages):
//   server → launcher  {t:'run', id, cmd, args, cwd, env, log, pidFile, watch?}   {t:'kill', id, graceMs}
//   launcher → server  {t:'done', id, code, signal, error, artifacts, started, ended}
//                      {t:'line', id, line}   a stderr line matching `watch` (cwltool's step ends: progress)
// When the server goes away (the IPC channel closes), the launcher kills every command it started
// and exits, so a crashed server leaves nothing running.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createLogWriter } from '../log-writer.mjs';

/**
 * @typedef {{ t: 'run', id: number, cmd: string, args: string[], cwd: string, env: Record<string, string>, log: string, pidFile: string, stdio?: { stdin?: string, stdout?: string, stderr?: string }, uid?: number, gid?: number, watch?: string }} RunMessage
 * @typedef {{ t: 'kill', id: number, graceMs: number }} KillMessage
 * @typedef {{ t: 'done', id: number, code: number | null, signal: string | null, error: string | null,
 *             artifacts: { name: string, path: string }[], started: string | null, ended: string }} DoneMessage
 * @typedef {{ t: 'line', id: number, line: string }} LineMessage
 */

/**
 * The process start time from /proc, which tells a live pid from a reused one.
 * @param {number} pid
 * @returns {string | null}
 */
export function processStart(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); the fields after the parenthesised command name are space separated.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** @param {number} pid @param {NodeJS.Signals} signal */
function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

function main() {
  /** @type {Map<number, import('node:child_process').ChildProcess>} */
  const running = new Map();
  /** @param {DoneMessage | LineMessage} m */
  const send = (m) => process.send?.(m);

  process.on('message', (/** @type {RunMessage | KillMessage} */ m) => {
    if (m.t === 'kill') {
      const child = running.get(m.id);
      if (!child?.pid) return;
      const pid = child.pid;
      signalGroup(pid, 'SIGTERM');
      const t = setTimeout(() => signalGroup(pid, 'SIGKILL'), m.graceMs);
      child.once('exit', () => clearTimeout(t));
      return;
    }
    /** @type {DoneMessage['artifacts']} */
    const artifacts = [];
    const watch = m.watch ? new RegExp(m.watch) : null;
    const log = createLogWriter(m.log, (line) => {
      const a = /^ARTIFACT:([^:]+):(.+)$/.exec(line);
      if (a) artifacts.push({ name: a[1], path: a[2].trim() });
    }, watch ? (line) => watch.test(line) && send({ t: 'line', id: m.id, line }) : undefined);
    const started = new Date().toISOString();
    /** @param {Partial<DoneMessage>} fields */
    const done = (fields) =>
      void log.close().then(() => send({ t: 'done', id: m.id, code: null, signal: null, error: null, artifacts, started, ended: new Date().toISOString(), ...fields }));
    /** @type {import('node:child_process').ChildProcess} */
    let child;
    /** @type {number[]} */
    const fds = [];
    try {
      // Streams the command asked for (CWL stdin/stdout/stderr) are files; the rest go to the log.
      const open = (/** @type {string | undefined} */ p, /** @type {string} */ flags, /** @type {'ignore' | 'pipe'} */ otherwise) => {
        if (!p) return otherwise;
        const fd = openSync(p, flags);
        fds.push(fd);
        return fd;
      };
      const stdio = [open(m.stdio?.stdin, 'r', 'ignore'), open(m.stdio?.stdout, 'w', 'pipe'), open(m.stdio?.stderr, 'w', 'pipe')];
      // Its own process group (detached), so a kill reaches everything the command started.
      // As another user when asked (uid and gid; supplementary groups are dropped).
      child = spawn(m.cmd, m.args, { cwd: m.cwd, env: m.env, stdio, detached: true, ...(m.uid !== undefined ? { uid: m.uid, gid: m.gid } : {}) });
    } catch (err) {
      for (const fd of fds) closeSync(fd);
      done({ error: /** @type {Error} */ (err).message, started: null });
      return;
    }
    for (const fd of fds) closeSync(fd);
    running.set(m.id, child);
    child.stdout?.on('data', (c) => log.write('stdout', c));
    child.stderr?.on('data', (c) => log.write('stderr', c));
    if (child.pid) {
      try {
        writeFileSync(m.pidFile, `${child.pid} ${processStart(child.pid) ?? ''}`);
      } catch {
        /* without it only orphan recovery is weaker; the run goes on */
      }
    }
    /** @type {string | null} */
    let spawnError = null;
    child.once('error', (err) => (spawnError = err.message));
    child.once('close', (code, signal) => {
      running.delete(m.id);
      if (spawnError) {
        log.write('stderr', Buffer.from(`failed to start ${m.cmd}: ${spawnError}\n`));
        done({ error: spawnError, started: null });
      } else done({ code, signal });
    });
  });

  process.on('disconnect', () => {
    for (const child of running.values()) if (child.pid) signalGroup(child.pid, 'SIGKILL');
    process.exit(0);
  });
}

if (process.send) main();
