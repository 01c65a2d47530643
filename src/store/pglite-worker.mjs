// @ts-check
// PGlite in a worker thread. PGlite runs PostgreSQL compiled to WebAssembly, and every query runs
// to completion on the thread that calls it; in the server's main thread that would stall the
// event loop (staging, logs, HTTP) for the length of each query. Here it has a thread of its own.
// It has one session, so a transaction owns it until COMMIT or ROLLBACK; other work waits.
//
// Messages: main → worker {id, op: 'query'|'exec'|'begin'|'commit'|'rollback'|'close', sql?, params?, tx?}
//           worker → main {id, rows?, rowCount?, error?}
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, types } from '@electric-sql/pglite';

const parsers = {
  [types.NUMERIC]: (/** @type {string} */ v) => Number(v),
  [types.INT8]: (/** @type {string} */ v) => Number(v),
};

/**
 * PostgreSQL's memory settings for one embedded session. Its defaults size a server for a hundred
 * connections: 128 MB of shared buffers, which the WebAssembly heap keeps once touched (it never
 * shrinks). One session over a job server's working set is served as well by 16 MB; index builds
 * (migrations) by 16 MB of maintenance_work_mem.
 */
const SETTINGS = ['shared_buffers = 16MB', 'maintenance_work_mem = 16MB'].join('\n');

/** @param {any} err */
function serialise(err) {
  const out = { message: String(err?.message ?? err) };
  for (const k of ['code', 'detail', 'hint', 'constraint', 'table', 'column', 'severity', 'where', 'position']) {
    if (err && err[k] !== undefined) /** @type {any} */ (out)[k] = err[k];
  }
  return out;
}

async function main() {
  const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort);
  const db = await PGlite.create(workerData.dataDir ?? undefined, { parsers, postgresqlconf: SETTINGS });
  if (workerData.initOnly) {
    // The data directory is made (initdb); the worker that made it is thrown away with its memory.
    await db.close();
    port.postMessage({ id: 0, ready: true });
    return;
  }
  /** @type {number | null} the transaction that owns the session */
  let owner = null;
  /** @type {any[]} messages waiting for the session */
  const waiting = [];

  /** @param {any} m */
  const run = async (m) => {
    try {
      if (m.op === 'exec') {
        await db.exec(m.sql);
        return { id: m.id };
      }
      if (m.op === 'close') {
        await db.close();
        return { id: m.id };
      }
      const sql = m.op === 'begin' ? 'BEGIN' : m.op === 'commit' ? 'COMMIT' : m.op === 'rollback' ? 'ROLLBACK' : m.sql;
      const res = await db.query(sql, m.params ?? []);
      return { id: m.id, rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
    } catch (err) {
      return { id: m.id, error: serialise(err) };
    }
  };

  // One message at a time; while a transaction is open, only its own messages run.
  let busy = false;
  const pump = async () => {
    if (busy) return;
    busy = true;
    for (;;) {
      const i = waiting.findIndex((m) => owner === null || m.tx === owner);
      if (i < 0) break;
      const m = waiting.splice(i, 1)[0];
      if (m.op === 'begin') owner = m.tx;
      const reply = await run(m);
      if (m.op === 'begin' && reply.error) owner = null;
      if (m.op === 'commit' || m.op === 'rollback') owner = null;
      port.postMessage(reply);
      if (m.op === 'close') process.exit(0);
    }
    busy = false;
  };
  port.on('message', (m) => {
    waiting.push(m);
    void pump();
  });
  port.postMessage({ id: 0, ready: true });
}

main().catch((err) => {
  parentPort?.postMessage({ id: 0, error: serialise(err) });
});
