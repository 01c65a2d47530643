// Job type statistics of the Scale API: counts of recent jobs by status, what runs, what fails.
import type { Db } from '../../store/db.ts';
import type { Page } from '../../store/listing.ts';

export interface StatusCount {
  status: string;
  count: number;
  mostRecent: Date;
  category: string | null;
}

export type JobTypeStats = ReturnType<typeof createJobTypeStats>;

export function createJobTypeStats({ db }: { db: Db }) {
  /** Per job type, counts of jobs by status (FAILED split by error category) changed in [started, ended], plus everything RUNNING. */
  async function counts(jobTypeIds: number[], started: Date, ended: Date | null = null): Promise<Map<number, StatusCount[]>> {
    const out = new Map<number, StatusCount[]>(jobTypeIds.map((id) => [id, []]));
    if (!jobTypeIds.length) return out;
    const res = await db.query(
      `SELECT j.job_type_id, j.status, e.category, count(*)::int AS count, max(j.last_status_change) AS most_recent
         FROM job j LEFT JOIN error e ON e.id = j.error_id
        WHERE j.job_type_id = ANY($1::int[])
          AND ((j.last_modified >= $2 AND ($3::timestamptz IS NULL OR j.last_modified <= $3)) OR j.status = 'RUNNING')
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3`,
      [jobTypeIds, started, ended],
    );
    for (const r of res.rows) {
      out.get(r.job_type_id)!.push({ status: r.status, count: r.count, mostRecent: r.most_recent, category: r.status === 'FAILED' ? r.category : null });
    }
    return out;
  }

  /** Active job types, paged, for /job-types/status/. */
  async function activeTypes(page: Page): Promise<{ count: number; ids: number[] }> {
    const [count, rows] = await Promise.all([
      db.query<{ count: number }>('SELECT count(*)::int AS count FROM job_type WHERE is_active'),
      db.query<{ id: number }>('SELECT id FROM job_type WHERE is_active ORDER BY name, version, id LIMIT $1 OFFSET $2', [page.pageSize, (page.page - 1) * page.pageSize]),
    ]);
    return { count: count.rows[0].count, ids: rows.rows.map((r) => r.id) };
  }

  /** Per job type, how many jobs are in `status` and since when the oldest is, oldest first. */
  async function waitingIn(status: 'RUNNING' | 'PENDING', since: 'started' | 'last_status_change', page: Page): Promise<{ count: number; rows: { jobTypeId: number; count: number; oldest: Date }[] }> {
    const res = await db.query(
      `SELECT job_type_id, count(*)::int AS count, min(${since}) AS oldest, count(*) OVER ()::int AS total
         FROM job WHERE status = $3 GROUP BY job_type_id ORDER BY oldest, job_type_id LIMIT $1 OFFSET $2`,
      [page.pageSize, (page.page - 1) * page.pageSize, status],
    );
    return { count: res.rows[0]?.total ?? 0, rows: res.rows.map((r) => ({ jobTypeId: r.job_type_id, count: r.count, oldest: r.oldest })) };
  }

  const running = (page: Page) => waitingIn('RUNNING', 'started', page);
  /** Scale v6's pending job types: jobs waiting for their recipe's parents, the oldest by when it became PENDING. */
  const pending = (page: Page) => waitingIn('PENDING', 'last_status_change', page);

  async function systemFailures(page: Page): Promise<{ count: number; rows: { jobTypeId: number; errorId: number; count: number; firstError: Date; lastError: Date }[] }> {
    const res = await db.query(
      `SELECT j.job_type_id, j.error_id, count(*)::int AS count, min(j.ended) AS first_error, max(j.ended) AS last_error, count(*) OVER ()::int AS total
         FROM job j JOIN error e ON e.id = j.error_id
        WHERE j.status = 'FAILED' AND e.category = 'SYSTEM'
        GROUP BY 1, 2 ORDER BY last_error DESC, 1, 2 LIMIT $1 OFFSET $2`,
      [page.pageSize, (page.page - 1) * page.pageSize],
    );
    return {
      count: res.rows[0]?.total ?? 0,
      rows: res.rows.map((r) => ({ jobTypeId: r.job_type_id, errorId: r.error_id, count: r.count, firstError: r.first_error, lastError: r.last_error })),
    };
  }

  return { counts, activeTypes, running, pending, systemFailures };
}
