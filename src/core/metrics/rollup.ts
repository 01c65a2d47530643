// The hourly roll-up: rows of the metrics tables are (re)computed for the hours that changed since
// the last roll-up — the hours in which jobs, executions or ingests modified since then ended (or,
// for a job sent back to the queue, in which its executions ended). The first roll-up computes
// every hour. One roll-up at a time (the state row is locked), so servers never interleave theirs.
import type { Db, Queryable } from '../../store/db.ts';
import { METRICS_TYPES, storedColumns } from './definitions.ts';
import { hourlySql, hourOf, INGEST_DONE, INGEST_MOMENT, Params, type HourRange } from './hourly.ts';

/**
 * How far back changes are looked for again: a transaction stamps its rows with its start time,
 * so one that commits after a roll-up ran may carry an earlier last_modified than that roll-up saw.
 */
export const RESCAN_MS = 10 * 60_000;

const HOUR_MS = 3600_000;

/** The hours changed since `since` (UTC hour starts). */
async function changedHours(q: Queryable, since: Date): Promise<Date[]> {
  const res = await q.query<{ h: Date }>(
    `SELECT DISTINCT h FROM (
       SELECT ${hourOf('ended')} AS h FROM job WHERE last_modified >= $1 AND ended IS NOT NULL
       UNION ALL
       SELECT ${hourOf('x.ended')} FROM job j JOIN job_exe x ON x.job_id = j.id WHERE j.last_modified >= $1 AND j.ended IS NULL AND x.ended IS NOT NULL
       UNION ALL
       SELECT ${hourOf('ended')} FROM job_exe WHERE last_modified >= $1 AND ended IS NOT NULL
       UNION ALL
       SELECT ${hourOf(INGEST_MOMENT)} FROM ingest i WHERE i.last_modified >= $1 AND ${INGEST_DONE}
     ) d ORDER BY h`,
    [since],
  );
  return res.rows.map((r) => new Date(r.h));
}

/** Replaces the rows of the given hours (every row when `hours` is null) with freshly computed ones. */
async function recompute(q: Queryable, hours: Date[] | null): Promise<void> {
  let range: HourRange = {};
  if (hours) {
    if (!hours.length) return;
    const times = hours.map((h) => h.getTime());
    const first = times.reduce((a, b) => Math.min(a, b));
    const last = times.reduce((a, b) => Math.max(a, b));
    range = { lo: new Date(first), hi: new Date(last + HOUR_MS), hours };
  }
  for (const t of METRICS_TYPES) {
    if (hours) await q.query(`DELETE FROM ${t.table} WHERE occurred = ANY($1::timestamptz[])`, [hours]);
    else await q.query(`DELETE FROM ${t.table}`);
    const p = new Params();
    const select = hourlySql(t, p, range);
    await q.query(`INSERT INTO ${t.table} (occurred, ${t.choice}, ${storedColumns(t).join(', ')}) ${select}`, p.values);
  }
}

export interface RollUpResult {
  /** Hours recomputed, or 'all' for the first roll-up. */
  hours: number | 'all';
  scannedTo: Date;
}

export function createRollUp(db: Db) {
  /** Folds every change since the last roll-up into the hourly tables. */
  async function rollUp(): Promise<RollUpResult> {
    return db.transaction(async (tx) => {
      const st = await tx.query<{ scanned_to: Date | null; now: Date }>('SELECT scanned_to, now() AS now FROM metrics_rollup WHERE id = 1 FOR UPDATE');
      const { scanned_to: scannedTo, now } = st.rows[0];
      let hours: number | 'all';
      if (!scannedTo) {
        await recompute(tx, null);
        hours = 'all';
      } else {
        const changed = await changedHours(tx, new Date(new Date(scannedTo).getTime() - RESCAN_MS));
        await recompute(tx, changed);
        hours = changed.length;
      }
      // Rows stamped from this transaction's start on are the next roll-up's.
      await tx.query('UPDATE metrics_rollup SET scanned_to = $1 WHERE id = 1', [now]);
      return { hours, scannedTo: new Date(now) };
    });
  }

  /** When the last roll-up looked (null: never). */
  async function scannedTo(): Promise<Date | null> {
    const res = await db.query<{ scanned_to: Date | null }>('SELECT scanned_to FROM metrics_rollup WHERE id = 1');
    return res.rows[0]?.scanned_to ? new Date(res.rows[0].scanned_to) : null;
  }

  return { rollUp, scannedTo };
}
