import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Db } from './db.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';
import { migrate } from './migrate.ts';
import { prepareInChild } from './pglite-prepare.ts';

export interface OpenDbOptions {
  databaseUrl: string | null;
  dataDir: string | null;
  poolMax?: number;
}

/** Opens the configured database and brings its schema up to date. */
export async function openDb(opts: OpenDbOptions): Promise<Db> {
  const pgliteDir = opts.dataDir ? path.join(opts.dataDir, 'pglite') : null;
  // A new embedded directory is made and migrated in a process of its own (pglite-prepare.ts), so
  // the server does not keep the memory that took.
  if (!opts.databaseUrl && pgliteDir && !existsSync(path.join(pgliteDir, 'PG_VERSION'))) await prepareInChild(pgliteDir);
  const db = opts.databaseUrl ? await openPostgres(opts.databaseUrl, opts.poolMax) : await openPglite(pgliteDir);
  await migrate(db);
  return db;
}
