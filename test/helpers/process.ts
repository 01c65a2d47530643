// Servers as real child processes, for tests that kill them or run several against one database.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scaledMs, waitFor } from './server.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  url: string;
  proc: ChildProcess;
  output: () => string;
  /** SIGKILL: no cleanup at all, as in a crash; `withChildren` also kills its launcher process. */
  crash(opts?: { withChildren?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  let out = '';
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', SCALE_HEARTBEAT_SECONDS: '0.5', SCALE_SCHEDULER_INTERVAL_MS: '100', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (c) => (out += c));
  proc.stderr!.on('data', (c) => (out += c));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode}: ${out}`);
        const res = await fetch(`${url}/scale/status/`).catch(() => null);
        return res?.ok;
      },
      // Started afresh each time (tsx, migrations, PGlite): on a loaded machine that takes longer.
      { timeoutMs: scaledMs(30000), what: `server on port ${port}` },
    );
  } catch (err) {
    // A server that starts after its test gave up would keep running and hold its data directory.
    if (proc.exitCode === null) proc.kill('SIGKILL');
    await exited;
    throw err;
  }
  return {
    url,
    proc,
    output: () => out,
    async crash(opts = {}) {
      const children = opts.withChildren ? childPids(proc.pid!) : [];
      proc.kill('SIGKILL');
      for (const pid of children) process.kill(pid, 'SIGKILL');
      await exited;
    },
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** JSON over fetch, for talking to a child server. */
export async function api(url: string, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}${p}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
