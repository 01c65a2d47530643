// PostgreSQL adapter over a pg connection pool; several server processes may share one database.
import pg from 'pg';
import { Unavailable } from '../errors.ts';
import { type Db, type QueryResult, type Queryable, type Row, type Statement, unstorableText } from './db.ts';

const INT8 = 20;
const NUMERIC = 1700;

// Errors that mean the connection went away (the database restarted, the backend was terminated,
// the network dropped), not that the statement was wrong: class 08, 57P01-57P03, socket errors.
const LOST_CODES = new Set(['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH']);
const LOST_MESSAGES = /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect|Client was closed and is not queryable/i;

function isConnectionLoss(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  return LOST_CODES.has(code) || code.startsWith('08') || LOST_MESSAGES.test(String(e?.message ?? ''));
}

/** A statement that only reads: run again on another connection when its own was lost, it cannot have done anything twice. */
const readOnly = (sql: string | Statement) => /^\s*SELECT\b/i.test(typeof sql === 'string' ? sql : sql.text) && !/\bFOR\s+(NO\s+KEY\s+)?(UPDATE|SHARE)\b|\b(INSERT|UPDATE|DELETE|nextval|pg_advisory)/i.test(typeof sql === 'string' ? sql : sql.text);

/** A lost connection becomes Unavailable (503 at the front doors: try again), keeping the driver's code. */
function connectionLoss(err: unknown): unknown {
  if (err instanceof Unavailable || !isConnectionLoss(err)) return err;
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  return Object.assign(new Unavailable(`the database cannot be reached right now (${String(e?.message ?? code)}); try again`), { code, cause: err });
}

export async function openPostgres(url: string, poolMax = 10): Promise<Db> {
  const typeParsers = {
    getTypeParser(oid: number, format?: any) {
      if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v);
      return pg.types.getTypeParser(oid, format);
    },
  };
  const pool = new pg.Pool({ connectionString: url, max: poolMax, types: typeParsers as any });
  // An idle client that loses its server (restart, network) must not crash the process.
  pool.on('error', () => {});
  // Fail fast with a clear message when the database is unreachable.
  const client = await pool.connect();
  client.release();

  const run = async <T = Row>(c: pg.Pool | pg.PoolClient, sql: string | Statement, params: unknown[] = []): Promise<QueryResult<T>> => {
    // Outside a transaction, a read whose connection was terminated (a database restart, an
    // administrator, a pooler) is tried once more on a fresh one rather than failing the request.
    for (let attempt = 1; ; attempt++) {
      try {
        const res = typeof sql === 'string' ? await c.query(sql, params as any[]) : await c.query({ name: sql.name, text: sql.text, values: params as any[] });
        return { rows: res.rows as T[], rowCount: res.rowCount ?? res.rows.length };
      } catch (err) {
        if (attempt === 1 && c === pool && isConnectionLoss(err) && readOnly(sql)) continue;
        throw unstorableText(connectionLoss(err));
      }
    }
  };

  async function transaction<T>(fn: (tx: Queryable) => Promise<T>, retried = false): Promise<T> {
    // A connection lost while checked out (the server restarted, the backend was terminated) is an
    // 'error' event on the client: without a listener it would crash the process. The transaction
    // fails instead, and the broken client is thrown away rather than put back in the pool. The
    // listener is attached inside the pool's callback: a backend's FATAL can arrive in the same read
    // as the message that completed the checkout, before an `await pool.connect()` caller resumes
    // (seen as a crash under the fault-injection test's connection cuts).
    let lost: Error | null = null;
    const onError = (err: Error) => {
      lost = err;
    };
    const c = await new Promise<pg.PoolClient>((resolve, reject) => {
      pool.connect((err, client) => {
        if (err || !client) return reject(connectionLoss(err ?? new Error('no client')));
        client.on('error', onError);
        resolve(client);
      });
    });
    try {
      await c.query('BEGIN');
    } catch (err) {
      c.off('error', onError);
      c.release(err as Error);
      // A pooled connection found dead at BEGIN: nothing was done yet, so once more on a fresh one.
      if (!retried && isConnectionLoss(err)) return transaction(fn, true);
      throw connectionLoss(err);
    }
    try {
      const result = await fn({ query: (sql, params) => run(c, sql, params) });
      await c.query('COMMIT');
      return result;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw connectionLoss(err);
    } finally {
      c.off('error', onError);
      c.release(lost ?? undefined);
    }
  }

  return {
    kind: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    transaction: (fn) => transaction(fn),
    exec: async (sql) => {
      await pool.query(sql);
    },
    close: () => pool.end(),
    stats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}
