// A real server for a test file: real database, real scheduler and executor, HTTP on a free port.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { buildServer, type Server } from '../../src/server.ts';
import { freshDatabase, type DbKind } from './db.ts';

export interface TestServer extends Server {
  dataDir: string;
  kind: DbKind;
  databaseUrl: string | null;
}

export async function tempDir(prefix = 'scale-test-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function startServer(kind: DbKind, env: Record<string, string> = {}): Promise<TestServer> {
  const dataDir = await tempDir();
  const database = await freshDatabase(kind);
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    SCALE_DATA_DIR: dataDir,
    SCALE_SCHEDULER_INTERVAL_MS: '100',
    SCALE_HEARTBEAT_SECONDS: '1',
    SCALE_KILL_GRACE_SECONDS: '1',
    SCALE_NODE_NAME: `test-${path.basename(dataDir)}`,
    ...env,
  });
  const db = await database.open();
  const server = await buildServer(config, { db, log: createLogger({}, (process.env.TEST_LOG_LEVEL as any) ?? 'silent') });
  return {
    ...server,
    dataDir,
    kind,
    databaseUrl: database.url,
    async close() {
      await server.close();
      await db.close();
      await database.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls fn until it returns a truthy value or the timeout passes. */
/**
 * A wait for the machine's pace: `ms` on an idle machine, longer in proportion when more runs than
 * it has cores (a 2-core CI host running cwltool beside the tests), at most four times as long.
 */
export function scaledMs(ms: number): number {
  const busy = os.loadavg()[0] / Math.max(1, os.cpus().length);
  return Math.round(ms * Math.min(4, Math.max(1, busy)) * slowdown());
}

/** TEST_SLOWDOWN=3 stretches every scaled wait threefold, for a machine known to be slow or shared. */
function slowdown(): number {
  const f = Number(process.env.TEST_SLOWDOWN ?? 1);
  return Number.isFinite(f) && f >= 1 ? f : 1;
}

export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15000);
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.what ?? 'condition'}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}
