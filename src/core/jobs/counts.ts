// The count of matching jobs a Scale job list shows, kept while the job table stands still.
// Counting 100,000 jobs takes tens of milliseconds (hundreds on PGlite, whose one session waits
// meanwhile): far more than the page of rows. A sequence that every statement changing job rows
// moves on (migration 029) tells whether a count taken before still holds; the page query reads it
// as one more column, so a page whose count is known costs one query. A count older than TTL_MS is
// taken again in the background (its page is answered with the kept one): filters that read other
// tables (job type categories, recipe nodes, error categories), and a count taken just as a writer
// committed, are as fresh as that. One count per filter runs at a time.
import type { Db } from '../../store/db.ts';

const TTL_MS = 10_000;
const MAX_ENTRIES = 1000;
const MAX_KEY = 4096;

/** The job table's change counter, as a column of a query over it. */
export const JOB_VERSION_SQL = `(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM job_change_seq)`;

interface Counted {
  count: number;
  version: number;
  at: number;
}

export type JobCounts = ReturnType<typeof createJobCounts>;

export function createJobCounts(db: Db) {
  const counts = new Map<string, Counted>();
  const running = new Map<string, Promise<Counted>>();
  const keyOf = (whereSql: string, params: unknown[]) => `${whereSql}\u0000${JSON.stringify(params)}`;

  function take(key: string, whereSql: string, params: unknown[]): Promise<Counted> {
    let p = running.get(key);
    if (!p) {
      p = db
        .query<{ count: number; version: number }>(`SELECT count(*)::int AS count, ${JOB_VERSION_SQL} AS version FROM job ${whereSql}`, params)
        .then((res) => {
          const c = { count: res.rows[0].count, version: Number(res.rows[0].version), at: Date.now() };
          // Long keys (a list of thousands of job ids) are counted each time rather than kept.
          if (key.length <= MAX_KEY) {
            if (counts.size >= MAX_ENTRIES) counts.clear();
            counts.set(key, c);
          }
          return c;
        })
        .finally(() => running.delete(key));
      running.set(key, p);
    }
    return p;
  }

  /**
   * The count for `where` (its SQL and parameters), given the version the page query read (null:
   * it returned no row to read it from).
   */
  async function count(whereSql: string, params: unknown[], version: number | null): Promise<number> {
    const key = keyOf(whereSql, params);
    const kept = counts.get(key);
    if (kept && version !== null && kept.version === version) {
      if (Date.now() - kept.at > TTL_MS) take(key, whereSql, params).catch(() => {});
      return kept.count;
    }
    const c = await take(key, whereSql, params);
    // A count that was already running may have begun before the change this page saw.
    return version === null || c.version >= version ? c.count : (await take(key, whereSql, params)).count;
  }

  /** Whether a count for `where` was taken (a page may then be read before its count is checked). */
  const known = (whereSql: string, params: unknown[]) => counts.has(keyOf(whereSql, params));

  return { count, known };
}
