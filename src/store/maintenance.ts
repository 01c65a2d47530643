// Housekeeping PostgreSQL does by itself but embedded PGlite does not: PGlite runs no autovacuum,
// so dead rows from status changes would pile up and plans would age. A periodic VACUUM (ANALYZE)
// of the busy tables keeps list queries on index-only scans.
import type { Logger } from '../log.ts';
import type { Db } from './db.ts';

const BUSY_TABLES = ['job', 'job_exe', 'queue', 'scale_file', 'node', 'job_load'];

export async function vacuum(db: Db): Promise<void> {
  await db.exec(`VACUUM (ANALYZE) ${BUSY_TABLES.join(', ')}`);
}

/** Starts the periodic vacuum for PGlite; returns a stop function (a no-op for PostgreSQL). */
export function startMaintenance(db: Db, log: Logger, intervalMs: number): () => void {
  if (db.kind !== 'pglite' || intervalMs <= 0) return () => {};
  let busy = false;
  const t = setInterval(() => {
    if (busy) return;
    busy = true;
    const t0 = performance.now();
    vacuum(db)
      .then(() => log.debug('vacuumed', { ms: Math.round(performance.now() - t0) }))
      .catch((err) => log.warn('vacuum failed', { err }))
      .finally(() => (busy = false));
  }, intervalMs);
  t.unref();
  return () => clearInterval(t);
}
