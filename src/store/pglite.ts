// Embedded adapter: a real PostgreSQL compiled to WASM, running in this process.
// It has one session, so transactions are serialised by PGlite itself.
import fs from 'node:fs/promises';
import { PGlite, types } from '@electric-sql/pglite';
import type { Db, QueryResult, Queryable, Row } from './db.ts';

const parsers = {
  [types.NUMERIC]: (v: string) => Number(v),
  [types.INT8]: (v: string) => Number(v),
};

function wrap(q: { query: PGlite['query'] }): Queryable {
  return {
    async query<T = Row>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
      const res = await q.query<T>(sql, params as any[]);
      return { rows: res.rows, rowCount: res.affectedRows ?? res.rows.length };
    },
  };
}

/** dataDir null means in memory (tests). */
export async function openPglite(dataDir: string | null): Promise<Db> {
  if (dataDir) await fs.mkdir(dataDir, { recursive: true });
  const pg = await PGlite.create(dataDir ?? undefined, { parsers });
  const base = wrap(pg);
  return {
    kind: 'pglite',
    query: base.query,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    exec: async (sql) => {
      await pg.exec(sql);
    },
    close: () => pg.close(),
  };
}
