import path from 'node:path';
import type { Db } from './db.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import { migrate } from './migrate.ts';

export interface OpenDbOptions {
  databaseUrl: string | null;
  dataDir: string | null;
  poolMax?: number;
}

/** Opens the configured database and brings its schema up to date. */
export async function openDb(opts: OpenDbOptions): Promise<Db> {
  const db = opts.databaseUrl
    ? await openPostgres(opts.databaseUrl, opts.poolMax)
    : await openPglite(opts.dataDir ? path.join(opts.dataDir, 'pglite') : null);
  await migrate(db);
  return db;
}
