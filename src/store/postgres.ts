// PostgreSQL adapter over a pg connection pool; several server processes may share one database.
import pg from 'pg';
import type { Db, QueryResult, Queryable, Row, Statement } from './db.ts';

const INT8 = 20;
const NUMERIC = 1700;

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
    const res = typeof sql === 'string' ? await c.query(sql, params as any[]) : await c.query({ name: sql.name, text: sql.text, values: params as any[] });
    return { rows: res.rows as T[], rowCount: res.rowCount ?? res.rows.length };
  };

  return {
    kind: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const c = await pool.connect();
      // A connection lost while checked out (the server restarted, the backend was terminated) is an
      // 'error' event on the client: without a listener it would crash the process. The transaction
      // fails instead, and the broken client is thrown away rather than put back in the pool.
      let lost: Error | null = null;
      const onError = (err: Error) => {
        lost = err;
      };
      c.on('error', onError);
      try {
        await c.query('BEGIN');
        const result = await fn({ query: (sql, params) => run(c, sql, params) });
        await c.query('COMMIT');
        return result;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        c.off('error', onError);
        c.release(lost ?? undefined);
      }
    },
    exec: async (sql) => {
      await pool.query(sql);
    },
    close: () => pool.end(),
    stats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}
