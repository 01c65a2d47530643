// Databases for tests: PGlite always; PostgreSQL too when DATABASE_URL is set (CI sets it and
// REQUIRE_POSTGRES=1, so a missing server fails the run instead of silently skipping).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Db } from '../../src/store/db.ts';
import { openDb } from '../../src/store/open.ts';

export type DbKind = 'pglite' | 'postgres';

export function dbKinds(): DbKind[] {
  if (process.env.DATABASE_URL) return ['pglite', 'postgres'];
  if (process.env.REQUIRE_POSTGRES === '1') throw new Error('REQUIRE_POSTGRES=1 but DATABASE_URL is not set: the PostgreSQL tests would be skipped');
  return ['pglite'];
}

export interface TestDatabase {
  url: string | null;
  open(): Promise<Db>;
  drop(): Promise<void>;
}

/** A fresh, empty database of the given kind (a new PostgreSQL database per call). */
export async function freshDatabase(kind: DbKind): Promise<TestDatabase> {
  if (kind === 'pglite') return { url: null, open: () => openDb({ databaseUrl: null, dataDir: null }), drop: async () => {} };
  const base = process.env.DATABASE_URL!;
  const name = `scale_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    open: () => openDb({ databaseUrl: url.toString(), dataDir: null, poolMax: 10 }),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
