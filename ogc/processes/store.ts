// What this door keeps about the jobs it starts (table ogc_job: how results were asked for, whom
// to call back, dismissal), and the job list OGC clients see: the core's jobs without those a
// client dismissed, filtered as the job-list conformance class asks.
import type { Db } from '../../src/store/db.ts';

export interface OgcJob {
  jobId: number;
  response: 'raw' | 'document';
  /** Requested outputs (null: all), by id. */
  outputs: Record<string, 'value' | 'reference'> | null;
  subscriber: { successUri?: string; inProgressUri?: string; failedUri?: string } | null;
  baseUrl: string | null;
  notified: string | null;
  callbackAttempts: number;
  dismissed: Date | null;
}

/** What a status document needs of a job; times as Dates or as RFC 3339 text. */
export interface JobTimes {
  id: number;
  jobTypeId: number;
  status: string;
  created: Date | string;
  started: Date | string | null;
  ended: Date | string | null;
  lastModified: Date | string;
}

export interface JobListFilter {
  /** Job type ids per process id asked for; an empty list matches nothing. */
  jobTypeIds?: number[];
  statuses?: string[];
  createdFrom?: Date | null;
  createdTo?: Date | null;
  minDuration?: number | null;
  maxDuration?: number | null;
  limit: number;
  offset: number;
}

const toOgcJob = (r: any): OgcJob => ({
  jobId: r.job_id, response: r.response, outputs: r.outputs, subscriber: r.subscriber, baseUrl: r.base_url, notified: r.notified, callbackAttempts: r.callback_attempts,
  dismissed: r.dismissed,
});

export type OgcStore = ReturnType<typeof createOgcStore>;

export function createOgcStore(db: Db) {
  async function record(j: { jobId: number; response: 'raw' | 'document'; outputs: Record<string, 'value' | 'reference'> | null; subscriber: OgcJob['subscriber']; baseUrl: string }): Promise<void> {
    await db.query(
      `INSERT INTO ogc_job (job_id, response, outputs, subscriber, base_url, callback_next) VALUES ($1, $2, $3, $4, $5, CASE WHEN $4::jsonb IS NULL THEN NULL ELSE now() END)
       ON CONFLICT (job_id) DO NOTHING`,
      [j.jobId, j.response, j.outputs ? JSON.stringify(j.outputs) : null, j.subscriber ? JSON.stringify(j.subscriber) : null, j.baseUrl],
    );
  }

  async function get(jobId: number): Promise<OgcJob | null> {
    const res = await db.query('SELECT * FROM ogc_job WHERE job_id = $1', [jobId]);
    return res.rows[0] ? toOgcJob(res.rows[0]) : null;
  }

  /** Marks a job dismissed for OGC clients (jobs started through the Scale API get a row too). */
  async function dismiss(jobId: number): Promise<void> {
    await db.query(
      `INSERT INTO ogc_job (job_id, dismissed, callback_done) VALUES ($1, now(), true)
       ON CONFLICT (job_id) DO UPDATE SET dismissed = coalesce(ogc_job.dismissed, now()), callback_done = true`,
      [jobId],
    );
  }

  /**
   * A page of jobs, newest first, and whether more follow. No total count: counting every matching
   * job would cost a scan of the job table on every page, and the spec does not ask for one.
   */
  async function listJobs(f: JobListFilter): Promise<{ more: boolean; jobs: JobTimes[] }> {
    const clauses = [`NOT EXISTS (SELECT 1 FROM ogc_job o WHERE o.job_id = j.id AND o.dismissed IS NOT NULL)`];
    const params: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      clauses.push(sql.replace('?', `$${params.length}`));
    };
    if (f.jobTypeIds) add('j.job_type_id = ANY(?::int[])', f.jobTypeIds);
    if (f.statuses) add('j.status = ANY(?::text[])', f.statuses);
    if (f.createdFrom) add('j.created >= ?', f.createdFrom);
    if (f.createdTo) add('j.created <= ?', f.createdTo);
    // A job's duration: from its start to its end, or to now while it runs (never-started jobs have none).
    const duration = `extract(epoch FROM coalesce(j.ended, now()) - j.started)`;
    if (f.minDuration != null) add(`j.started IS NOT NULL AND ${duration} >= ?`, f.minDuration);
    if (f.maxDuration != null) add(`j.started IS NOT NULL AND ${duration} <= ?`, f.maxDuration);
    const n = params.length;
    // Only what a status document shows (input and output can be large), and the times already in
    // RFC 3339 text: parsing hundreds of timestamps into Dates only to print them again is most of a page's cost.
    const t = (c: string) => `to_char(j.${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${c}`;
    const rows = await db.query(
      `SELECT j.id, j.job_type_id, j.status, ${t('created')}, ${t('started')}, ${t('ended')}, ${t('last_modified')}
         FROM job j WHERE ${clauses.join(' AND ')} ORDER BY j.created DESC, j.id DESC LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...params, f.limit + 1, f.offset],
    );
    return {
      more: rows.rows.length > f.limit,
      jobs: rows.rows.slice(0, f.limit).map((r) => ({ id: r.id, jobTypeId: r.job_type_id, status: r.status, created: r.created, started: r.started, ended: r.ended, lastModified: r.last_modified })),
    };
  }

  /** Claims jobs with a callback due (a lease of `leaseSeconds`, so two processes never both call). */
  async function claimCallbacks(limit: number, leaseSeconds: number): Promise<(OgcJob & { status: string })[]> {
    const res = await db.query(
      `WITH due AS (
         SELECT o.job_id FROM ogc_job o
          WHERE o.subscriber IS NOT NULL AND NOT o.callback_done AND o.callback_next <= now()
          ORDER BY o.callback_next LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE ogc_job o SET callback_next = now() + make_interval(secs => $2) FROM due WHERE o.job_id = due.job_id
       RETURNING o.*, (SELECT status FROM job WHERE id = o.job_id) AS status`,
      [limit, leaseSeconds],
    );
    return res.rows.map((r) => ({ ...toOgcJob(r), status: r.status }));
  }

  /** Records a delivered (or abandoned) callback; `done` when nothing more will be sent. */
  async function notified(jobId: number, state: string, done: boolean): Promise<void> {
    await db.query(`UPDATE ogc_job SET notified = $2, callback_attempts = 0, callback_done = $3, callback_next = CASE WHEN $3 THEN NULL ELSE now() END WHERE job_id = $1`, [jobId, state, done]);
  }

  async function retryCallback(jobId: number, attempts: number, delaySeconds: number): Promise<void> {
    await db.query(`UPDATE ogc_job SET callback_attempts = $2, callback_next = now() + make_interval(secs => $3) WHERE job_id = $1`, [jobId, attempts, delaySeconds]);
  }

  /** Puts jobs whose state changed back in line for their callbacks. */
  async function callbacksDue(jobIds: number[]): Promise<void> {
    if (!jobIds.length) return;
    await db.query(`UPDATE ogc_job SET callback_next = now() WHERE job_id = ANY($1::bigint[]) AND subscriber IS NOT NULL AND NOT callback_done`, [jobIds]);
  }

  return { record, get, dismiss, listJobs, claimCallbacks, notified, retryCallback, callbacksDue };
}
