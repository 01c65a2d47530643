// The long-lived cwltool (cwltool-forkserver.py) as this server runs it: started in the background
// on the first CWL run (or the first ask whether it is ready), not at start-up, as it holds 50–70 MB
// that a server running no CWL should not pay; the runs before it is up start cwltool themselves. With the Python that runs the `cwltool` program; while it is up, a run's
// command is its client (cwltool-client.py, a few milliseconds of Python) instead of `cwltool`, and
// everything else about the run (arguments, user, logs, kill) is unchanged. When it cannot start or
// dies, runs use `cwltool` itself: slower to start, never different in what they do.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log.ts';
import { findProgram } from './cwltool.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface CwltoolServer {
  /** The command a run starts: the client while the server is up, else `fallback`. */
  command(): string[];
  /** Resolves when runs go through the long-lived cwltool (true), or when they never will (false). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/** The Python interpreter a `cwltool` program runs with (its #! line), when it is a Python script. */
export function pythonOf(program: string): string | null {
  const file = findProgram(program);
  if (!file) return null;
  let first = '';
  try {
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(256);
    const n = fs.readSync(fd, buf, 0, 256, 0);
    fs.closeSync(fd);
    first = buf.subarray(0, n).toString('utf8').split('\n')[0];
  } catch {
    return null;
  }
  const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
  if (!m) return null;
  // `#!/usr/bin/env python3` names the interpreter by its argument.
  const interpreter = path.basename(m[1]) === 'env' && m[2] ? findProgram(m[2]) : m[1];
  return interpreter && /python/.test(path.basename(interpreter)) ? interpreter : null;
}

/**
 * Starts the long-lived cwltool for `fallback` (SCALE_CWLTOOL) when that is a single Python program;
 * answers at once, and switches runs over when the server says it is ready.
 */
export function startCwltoolServer(fallback: string[], log: Logger): CwltoolServer {
  const python = fallback.length === 1 ? pythonOf(fallback[0]) : null;
  if (!python) {
    log.info('cwltool is not a Python program this server can keep running; each run starts cwltool', { cwltool: fallback.join(' ') });
    return { command: () => fallback, ready: async () => false, close: async () => {} };
  }
  // Reachable by the unprivileged CWL user: the directory can be passed, the socket and client read.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scale-cwltool-'));
  fs.chmodSync(dir, 0o711);
  const client = path.join(dir, 'cwltool-client.py');
  fs.copyFileSync(path.join(HERE, 'cwltool-client.py'), client);
  fs.chmodSync(client, 0o644);
  const socket = path.join(dir, 'cwltool.sock');
  let ready = false;
  let closed = false;
  let settle: (up: boolean) => void = () => {};
  const firstStart = new Promise<boolean>((r) => (settle = r));
  let child: ChildProcess | null = null;
  let started = Date.now();

  const start = () => {
    started = Date.now();
    child = spawn(python, [path.join(HERE, 'cwltool-forkserver.py'), socket], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
    let errors = '';
    child.stdout!.on('data', (d: Buffer) => {
      if (!ready && d.toString().includes('ready')) {
        ready = true;
        settle(true);
        log.info('the long-lived cwltool is ready', { seconds: Math.round((Date.now() - started) / 100) / 10 });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (errors = (errors + d.toString()).slice(-2000)));
    child.on('error', (err) => log.warn('the long-lived cwltool did not start; each run starts cwltool', { err }));
    child.on('exit', (code, signal) => {
      const was = ready;
      ready = false;
      child = null;
      settle(false);
      if (closed) return;
      log.warn('the long-lived cwltool ended; each run starts cwltool', { code, signal, stderr: errors.trim().slice(-500) });
      // It ran before: start it again (once it has been up a while, so a broken install does not loop).
      if (was) setTimeout(() => !closed && start(), 1000).unref();
    });
  };
  let asked = false;
  const startOnce = () => {
    if (asked || closed) return;
    asked = true;
    start();
  };

  return {
    command: () => {
      startOnce();
      return ready ? [python, '-S', '-E', client, socket, 'cwltool'] : fallback;
    },
    ready: () => {
      startOnce();
      return firstStart;
    },
    async close() {
      closed = true;
      settle(false);
      const c = child;
      if (c) {
        c.kill('SIGTERM');
        await new Promise<void>((r) => {
          const t = setTimeout(r, 2000);
          c.once('exit', () => (clearTimeout(t), r()));
        });
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
