// The run table beside the job table, and the one definition of a run's status: its job's (and
// whether a client dismissed it). The run list, a run by id, the requests kept with runs, staging
// leases and callback leases are all here.
import type { Db, Queryable } from '../../store/db.ts';
import { apiTime, type JobStatus, utcJson } from '../jobs/model.ts';
import type { Alongside } from '../jobs/service.ts';
import { jobStatusesOf, type RunRequest, type RunStatus, runStatusOfJob, type RunWindow, type Subscriber } from './model.ts';

/** A run as the list and status queries read it, before its process id is known. */
export interface RunRow {
  id: number;
  jobTypeId: number;
  revisionId: number;
  status: RunStatus;
  created: Date | string;
  started: Date | string | null;
  ended: Date | string | null;
  updated: Date | string;
  /** A running job's progress, in percent, where its runtime tells it. */
  progress: number | null;
}

export interface RunListFilter extends RunWindow {
  /** Job type ids of the processes asked for; an empty list matches no job. */
  jobTypeIds?: number[];
}

/** A run's record: the request kept with it and its callback progress. */
export interface RunRecord extends RunRequest {
  notified: string | null;
  callbackAttempts: number;
  dismissed: Date | null;
}

/** Where a run's callback stands, claimed for delivery. */
export interface CallbackDue {
  jobId: number;
  subscriber: Subscriber | null;
  baseUrl: string | null;
  notified: string | null;
  attempts: number;
}

/** The progress of a running job's current execution (only a running job has one to read). */
const PROGRESS_OF = `CASE WHEN j.status = 'RUNNING' THEN (SELECT e.progress FROM job_exe e WHERE e.job_id = j.id ORDER BY e.exe_num DESC LIMIT 1) END`;
const PROGRESS = `${PROGRESS_OF} AS progress`;

const toRecord = (r: any): RunRecord => ({
  response: r.response, outputs: r.outputs, subscriber: r.subscriber, baseUrl: r.base_url, notified: r.notified, callbackAttempts: r.callback_attempts, dismissed: r.dismissed,
});

export type RunStore = ReturnType<typeof createRunStore>;

export function createRunStore(db: Db) {
  /** Records what a run's request asked for (nothing is changed when the run has a record already); `stage`: inputs still to fetch. */
  async function record(q: Queryable, jobId: number, r: RunRequest, stage?: unknown): Promise<void> {
    await q.query(
      `INSERT INTO run (job_id, response, outputs, subscriber, base_url, callback_next, stage, stage_state, stage_lease)
       VALUES ($1, $2, $3, $4, $5, CASE WHEN $4::jsonb IS NULL THEN NULL ELSE now() END, $6, CASE WHEN $6::jsonb IS NULL THEN NULL ELSE 'pending' END,
               CASE WHEN $6::jsonb IS NULL THEN NULL ELSE now() END)
       ON CONFLICT (job_id) DO NOTHING`,
      [jobId, r.response, r.outputs ? JSON.stringify(r.outputs) : null, r.subscriber ? JSON.stringify(r.subscriber) : null, r.baseUrl, stage === undefined ? null : JSON.stringify(stage)],
    );
  }

  /** The record of a new run, written by the statement that makes its job (jobs.create's `alongside`; several runs' at once). */
  const recordAlongside = (r: RunRequest): Alongside<RunRequest> => ({
    kind: 'run',
    value: r,
    sql: (param, at, rs) => `INSERT INTO run (job_id, response, outputs, subscriber, base_url, callback_next, stage, stage_state, stage_lease)
       SELECT jn.id, u.response, u.outputs, u.subscriber, u.base_url, CASE WHEN u.subscriber IS NULL THEN NULL ELSE now() END, NULL, NULL, NULL
         FROM unnest(${param(at)}::int[], ${param(rs.map((x) => x.response))}::text[], ${param(rs.map((x) => (x.outputs ? JSON.stringify(x.outputs) : null)))}::jsonb[],
                     ${param(rs.map((x) => (x.subscriber ? JSON.stringify(x.subscriber) : null)))}::jsonb[], ${param(rs.map((x) => x.baseUrl))}::text[])
              AS u(n, response, outputs, subscriber, base_url)
         JOIN jn ON jn.n = u.n
       ON CONFLICT (job_id) DO NOTHING`,
  });

  async function recordOf(jobId: number): Promise<RunRecord | null> {
    const res = await db.query('SELECT * FROM run WHERE job_id = $1', [jobId]);
    return res.rows[0] ? toRecord(res.rows[0]) : null;
  }

  /** Marks a job's run dismissed: clients of the doors no longer see it (jobs started through the Scale API get a record too). */
  async function dismissJob(jobId: number): Promise<void> {
    await db.query(
      `INSERT INTO run (job_id, dismissed, callback_done) VALUES ($1, now(), true)
       ON CONFLICT (job_id) DO UPDATE SET dismissed = coalesce(run.dismissed, now()), callback_done = true`,
      [jobId],
    );
  }

  /** A job with its run status, and whether a client dismissed it; null when there is no such job. */
  async function jobRow(jobId: number): Promise<(RunRow & { dismissed: boolean }) | null> {
    const res = await db.query(
      `SELECT j.id, j.job_type_id, j.job_type_rev_id, j.status, j.created, j.started, j.ended, j.last_modified, r.dismissed IS NOT NULL AS dismissed, ${PROGRESS}
         FROM job j LEFT JOIN run r ON r.job_id = j.id WHERE j.id = $1`,
      [jobId],
    );
    const r = res.rows[0];
    if (!r) return null;
    return {
      id: Number(r.id), jobTypeId: r.job_type_id, revisionId: r.job_type_rev_id, status: runStatusOfJob(r.status as JobStatus),
      created: r.created, started: r.started, ended: r.ended, updated: r.last_modified, dismissed: r.dismissed, progress: r.progress ?? null,
    };
  }

  /**
   * A page of runs, newest first, and whether more follow; dismissed ones are left out. No total
   * count: counting every matching job would cost a scan of the job table on every page.
   */
  async function list(f: RunListFilter): Promise<{ more: boolean; rows: RunRow[] }> {
    const jobStatuses = f.statuses?.flatMap(jobStatusesOf);
    if (f.jobTypeIds?.length === 0 || jobStatuses?.length === 0) return { more: false, rows: [] };
    const params: unknown[] = [];
    const param = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const w = [`NOT EXISTS (SELECT 1 FROM run o WHERE o.job_id = j.id AND o.dismissed IS NOT NULL)`];
    if (f.jobTypeIds) w.push(`j.job_type_id = ANY(${param(f.jobTypeIds)}::int[])`);
    if (jobStatuses) w.push(`j.status = ANY(${param(jobStatuses)}::text[])`);
    if (f.createdFrom) w.push(`j.created >= ${param(f.createdFrom)}`);
    if (f.createdTo) w.push(`j.created <= ${param(f.createdTo)}`);
    // A run's duration: from its start to its end, or to now while it runs (never started: none).
    const d = `extract(epoch FROM coalesce(j.ended, now()) - j.started)`;
    if (f.minDuration != null) w.push(`j.started IS NOT NULL AND ${d} >= ${param(f.minDuration)}`);
    if (f.maxDuration != null) w.push(`j.started IS NOT NULL AND ${d} <= ${param(f.maxDuration)}`);
    // Read in (created, id) order so the job table's index serves it; only the page's rows are
    // formatted, each as one JSON array (one value per row for the driver to parse, not nine).
    const res = await db.query<{ run: string }>(
      `SELECT json_build_array(j.id, j.job_type_id, j.job_type_rev_id, j.status, ${utcJson('j.created')}, ${utcJson('j.started')}, ${utcJson('j.ended')}, ${utcJson('j.last_modified')}, ${PROGRESS_OF})::text AS run
         FROM job j WHERE ${w.join(' AND ')}
        ORDER BY j.created DESC, j.id DESC LIMIT ${param(f.limit + 1)} OFFSET ${param(f.offset)}`,
      params,
    );
    const rows: any[][] = res.rows.length ? JSON.parse(`[${res.rows.slice(0, f.limit).map((r) => r.run).join(',')}]`) : [];
    return {
      more: res.rows.length > f.limit,
      rows: rows.map((r): RunRow => ({
        id: r[0], jobTypeId: r[1], revisionId: r[2], status: runStatusOfJob(r[3]), created: apiTime(r[4])!, started: apiTime(r[5]), ended: apiTime(r[6]), updated: apiTime(r[7])!, progress: r[8],
      })),
    };
  }

  // ---- staging ----

  /** Claims runs whose inputs are still to be fetched (a lease of `leaseSeconds`: one process stages a run at a time). */
  async function claimStaging(limit: number, leaseSeconds: number): Promise<{ jobId: number; stage: any; baseUrl: string | null }[]> {
    const res = await db.query(
      `WITH due AS (
         SELECT id FROM run WHERE stage_state = 'pending' AND stage_lease <= now() ORDER BY stage_lease LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE run SET stage_lease = now() + make_interval(secs => $2) FROM due WHERE run.id = due.id
       RETURNING run.job_id, run.stage, run.base_url`,
      [limit, leaseSeconds],
    );
    return res.rows.map((r) => ({ jobId: Number(r.job_id), stage: r.stage, baseUrl: r.base_url }));
  }

  /** The end of a run's staging: done, or failed with the reason. */
  async function staged(q: Queryable, jobId: number, outcome: { failed: string } | 'done'): Promise<void> {
    await q.query(`UPDATE run SET stage_state = $2, stage_error = $3, stage_lease = NULL WHERE job_id = $1`, [jobId, outcome === 'done' ? 'done' : 'failed', outcome === 'done' ? null : outcome.failed]);
  }

  /** Keeps a run's staging lease for `seconds` more (before each fetch). */
  async function renewStaging(jobId: number, seconds: number): Promise<void> {
    await db.query(`UPDATE run SET stage_lease = now() + make_interval(secs => $2) WHERE job_id = $1 AND stage_state = 'pending'`, [jobId, seconds]);
  }

  /** Hands a run's staging back at once (this process stops before it finished). */
  async function releaseStaging(jobId: number): Promise<void> {
    await db.query(`UPDATE run SET stage_lease = now() WHERE job_id = $1 AND stage_state = 'pending'`, [jobId]);
  }

  /** Why a run's staging failed, or null when it did not. */
  async function stagingFailure(jobId: number): Promise<string | null> {
    const res = await db.query(`SELECT stage_error FROM run WHERE job_id = $1 AND stage_state = 'failed'`, [jobId]);
    return res.rows[0]?.stage_error ?? null;
  }

  // ---- callbacks ----

  /** Claims runs with a callback due (a lease of `leaseSeconds`, so two processes never both call). */
  async function claimCallbacks(limit: number, leaseSeconds: number): Promise<CallbackDue[]> {
    const res = await db.query(
      `WITH due AS (
         SELECT id FROM run WHERE subscriber IS NOT NULL AND NOT callback_done AND callback_next <= now() ORDER BY callback_next LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE run SET callback_next = now() + make_interval(secs => $2) FROM due WHERE run.id = due.id
       RETURNING run.*`,
      [limit, leaseSeconds],
    );
    return res.rows.map((r) => ({ jobId: Number(r.job_id), subscriber: r.subscriber, baseUrl: r.base_url, notified: r.notified, attempts: r.callback_attempts }));
  }

  /** Records a delivered (or abandoned) callback; `done` when nothing more will be sent. */
  async function notified(jobId: number, state: string, done: boolean): Promise<void> {
    await db.query(`UPDATE run SET notified = $2, callback_attempts = 0, callback_done = $3, callback_next = CASE WHEN $3 THEN NULL ELSE now() END WHERE job_id = $1`, [jobId, state, done]);
  }

  async function retryCallback(jobId: number, attempts: number, delaySeconds: number): Promise<void> {
    await db.query(`UPDATE run SET callback_attempts = $2, callback_next = now() + make_interval(secs => $3) WHERE job_id = $1`, [jobId, attempts, delaySeconds]);
  }

  /** Puts the runs of jobs whose state changed back in line for their callbacks; how many were (none: no pass is needed). */
  async function callbacksDue(jobIds: number[]): Promise<number> {
    if (!jobIds.length) return 0;
    const res = await db.query(`UPDATE run SET callback_next = now() WHERE job_id = ANY($1::bigint[]) AND subscriber IS NOT NULL AND NOT callback_done`, [jobIds]);
    return res.rowCount;
  }

  return { record, recordAlongside, recordOf, dismissJob, jobRow, list, claimStaging, renewStaging, releaseStaging, staged, stagingFailure, claimCallbacks, notified, retryCallback, callbacksDue };
}
