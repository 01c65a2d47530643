// Embedded adapter: a real PostgreSQL compiled to WASM (PGlite), run in a worker thread
// (pglite-worker.mjs) so queries never block the server's event loop. The Db port is the same as
// the PostgreSQL adapter's; transactions hold PGlite's single session until they end.
import fs from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { lockDir } from './dir-lock.ts';
import { type Db, type QueryResult, type Queryable, type Row, type Statement, unstorableText } from './db.ts';

const SCRIPT = new URL('./pglite-worker.mjs', import.meta.url);

/** Makes a new data directory in a worker that then ends, taking initdb's memory with it. */
async function initDataDir(dataDir: string): Promise<void> {
  const worker = new Worker(SCRIPT, { workerData: { dataDir, initOnly: true }, execArgv: [] });
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (m: any) => (m.error ? reject(Object.assign(new Error(m.error.message), m.error)) : resolve()));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the embedded database's first start ended with code ${code}`)));
    });
  } finally {
    await worker.terminate();
  }
}

/** dataDir null means in memory (tests). */
export async function openPglite(dataDir: string | null): Promise<Db> {
  if (dataDir) await fs.mkdir(dataDir, { recursive: true });
  // One process owns the files: a second server (or `migrate`) on them is refused before it reads a byte.
  const lock = dataDir ? await lockDir(dataDir) : null;
  // initdb, on a first start, leaves ~450 MB in the WebAssembly heap that is never given back: it
  // runs in a worker of its own that is then ended, and the database is opened afresh.
  if (dataDir && !(await fs.stat(path.join(dataDir, 'PG_VERSION')).catch(() => null))) {
    await initDataDir(dataDir).catch((err) => {
      lock?.release();
      throw err;
    });
  }
  // The worker's own JavaScript is a thin relay of rows: a 4 MB young generation serves it, where
  // V8's default (up to 48 MB, kept once grown) was a third of the embedded database's idle memory.
  const worker = new Worker(SCRIPT, { workerData: { dataDir }, execArgv: [], resourceLimits: { maxYoungGenerationSizeMb: 4 } });
  worker.once('exit', () => lock?.release());
  const pending = new Map<number, { resolve: (m: any) => void }>();
  let nextId = 1;
  let nextTx = 1;
  let failed: Error | null = null;

  await new Promise<void>((resolve, reject) => {
    const onReady = (m: any) => {
      if (m.id !== 0) return;
      worker.off('message', onReady);
      if (m.error) reject(Object.assign(new Error(m.error.message), m.error));
      else resolve();
    };
    worker.on('message', onReady);
    worker.once('error', reject);
  }).catch((err) => {
    lock?.release();
    throw err;
  });
  worker.on('message', (m: any) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    p.resolve(m);
  });
  const die = (err: Error) => {
    failed = err;
    for (const p of pending.values()) p.resolve({ error: { message: `the embedded database stopped: ${err.message}` } });
    pending.clear();
  };
  worker.on('error', die);
  worker.on('exit', (code) => die(new Error(`worker exited with code ${code}`)));

  const call = (msg: Record<string, unknown>): Promise<any> => {
    if (failed) return Promise.reject(new Error(`the embedded database stopped: ${failed.message}`));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, {
        resolve: (m) => (m.error ? reject(Object.assign(new Error(m.error.message), m.error)) : resolve(m)),
      });
      worker.postMessage({ id, ...msg });
    });
  };
  const queryVia = (tx: number | null): Queryable => ({
    async query<T = Row>(sql: string | Statement, params: unknown[] = []): Promise<QueryResult<T>> {
      const m = await call({ op: 'query', sql: typeof sql === 'string' ? sql : sql.text, params, tx }).catch((err) => Promise.reject(unstorableText(err)));
      return { rows: m.rows, rowCount: m.rowCount };
    },
  });
  const base = queryVia(null);

  return {
    kind: 'pglite',
    query: base.query,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const tx = nextTx++;
      await call({ op: 'begin', tx });
      try {
        const result = await fn(queryVia(tx));
        await call({ op: 'commit', tx });
        return result;
      } catch (err) {
        await call({ op: 'rollback', tx }).catch(() => {});
        throw err;
      }
    },
    exec: async (sql) => {
      await call({ op: 'exec', sql });
    },
    // One session in a worker: busy while any request is in flight, the rest wait behind it.
    stats: () => ({ total: 1, idle: pending.size === 0 ? 1 : 0, waiting: Math.max(0, pending.size - 1) }),
    close: async () => {
      if (failed) return;
      const exited = new Promise((r) => worker.once('exit', r));
      await call({ op: 'close' }).catch(() => {});
      await exited;
    },
  };
}
