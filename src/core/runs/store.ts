// The run table and the one definition of a run's status: a job's from its job row (and whether a
// client dismissed it), a workflow run's from its recipe, its steps' jobs and its staging. The run
// list, a run by id, the requests kept with runs, staging leases and callback leases are all here.
import type { Db, Queryable } from '../../store/db.ts';
import { type JobStatus } from '../jobs/model.ts';
import { jobStatusesOf, type RunRequest, type RunStatus, runStatusOfJob, type RunWindow, type Subscriber } from './model.ts';

/** A row of the job list and the status queries, before the process id is known (jobs) or as the recipe type names it (workflows). */
export interface RunRow {
  kind: 'job' | 'workflow';
  id: number;
  jobTypeId: number | null;
  revisionId: number;
  /** Workflows: the recipe type's name. */
  processName: string | null;
  status: RunStatus;
  created: Date | string;
  started: Date | string | null;
  ended: Date | string | null;
  updated: Date | string;
  /** Workflows: steps whose jobs all completed. */
  stepsDone: number | null;
}

export interface RunListFilter extends RunWindow {
  /** Job type ids of the processes asked for; an empty list matches no job. */
  jobTypeIds?: number[];
  /** Recipe type ids of the workflows asked for; an empty list matches no workflow run. */
  recipeTypeIds?: number[];
}

/** A run's record: the request kept with it and its callback progress. */
export interface RunRecord extends RunRequest {
  notified: string | null;
  callbackAttempts: number;
  dismissed: Date | null;
}

/** Where a run's callback stands, claimed for delivery. */
export interface CallbackDue {
  kind: 'job' | 'workflow';
  /** Job id or recipe id. */
  id: number;
  subscriber: Subscriber | null;
  baseUrl: string | null;
  notified: string | null;
  attempts: number;
}

/**
 * Runs of deployed workflows (top-level recipes of recipe types with a process) with their status,
 * times and finished steps, from the recipe, its steps' jobs and its staging. `$where` is replaced by
 * conditions on `r` (the recipe).
 */
const WORKFLOW_RUNS = `
  SELECT r.id, r.recipe_type_id, r.recipe_type_rev_id, rt.name AS process_name, r.created, r.last_modified, s.started,
         CASE WHEN r.is_completed OR r.is_canceled OR s.failed OR s.canceled OR st.stage_state = 'failed' THEN coalesce(r.completed, s.ended, r.last_modified) END AS ended,
         CASE WHEN r.is_completed THEN 'SUCCEEDED' WHEN st.stage_state = 'failed' THEN 'FAILED' WHEN r.is_canceled THEN 'DISMISSED' WHEN s.failed THEN 'FAILED'
              WHEN s.canceled THEN 'DISMISSED' WHEN s.started IS NOT NULL THEN 'RUNNING' ELSE 'ACCEPTED' END AS status,
         d.steps_done
    FROM recipe r JOIN recipe_type rt ON rt.id = r.recipe_type_id AND rt.process IS NOT NULL
    LEFT JOIN run st ON st.recipe_id = r.id
   CROSS JOIN LATERAL (
         SELECT min(j.started) AS started, max(j.ended) AS ended,
                coalesce(bool_or(j.status = 'FAILED'), false) AS failed, coalesce(bool_or(j.status = 'CANCELED'), false) AS canceled
           FROM recipe_node n JOIN job j ON j.id = n.job_id WHERE n.recipe_id = r.id AND n.is_original) s
   CROSS JOIN LATERAL (
         SELECT count(*)::int AS steps_done FROM (
           SELECT 1 FROM recipe_node n LEFT JOIN job j ON j.id = n.job_id WHERE n.recipe_id = r.id GROUP BY n.node_name
           HAVING bool_and(coalesce(j.status = 'COMPLETED', false) OR coalesce(n.outcome = 'EMPTY', false))) done) d
   WHERE r.recipe_id IS NULL AND $where`;

/** RFC 3339 text straight from SQL: parsing hundreds of timestamps into Dates only to print them again is most of a page's cost. */
const rfc3339 = (c: string) => `to_char(${c} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const toWorkflowRow = (r: any): RunRow => ({
  kind: 'workflow', id: Number(r.id), jobTypeId: null, revisionId: r.recipe_type_rev_id, processName: r.process_name, status: r.status,
  created: r.created, started: r.started, ended: r.ended, updated: r.last_modified, stepsDone: r.steps_done,
});

const toRecord = (r: any): RunRecord => ({
  response: r.response, outputs: r.outputs, subscriber: r.subscriber, baseUrl: r.base_url, notified: r.notified, callbackAttempts: r.callback_attempts, dismissed: r.dismissed,
});

export type RunTarget = { jobId: number } | { recipeId: number };

/** The column and value that find a run's record: its job's id, or its recipe's. */
const keyOf = (t: RunTarget): [string, number] => ('jobId' in t ? ['job_id', t.jobId] : ['recipe_id', t.recipeId]);

export type RunStore = ReturnType<typeof createRunStore>;

export function createRunStore(db: Db) {
  /** Records what a run's request asked for (nothing is changed when the run has a record already). */
  async function record(q: Queryable, target: RunTarget, r: RunRequest, stage?: unknown): Promise<void> {
    const byJob = 'jobId' in target;
    await q.query(
      `INSERT INTO run (job_id, recipe_id, response, outputs, subscriber, base_url, callback_next, stage, stage_state, stage_lease)
       VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $5::jsonb IS NULL THEN NULL ELSE now() END, $7, CASE WHEN $7::jsonb IS NULL THEN NULL ELSE 'pending' END,
               CASE WHEN $7::jsonb IS NULL THEN NULL ELSE now() END)
       ON CONFLICT (${byJob ? 'job_id' : 'recipe_id'}) DO NOTHING`,
      [byJob ? target.jobId : null, byJob ? null : target.recipeId, r.response, r.outputs ? JSON.stringify(r.outputs) : null, r.subscriber ? JSON.stringify(r.subscriber) : null,
        r.baseUrl, stage === undefined ? null : JSON.stringify(stage)],
    );
  }

  async function recordOf(target: RunTarget): Promise<RunRecord | null> {
    const res = 'jobId' in target
      ? await db.query('SELECT * FROM run WHERE job_id = $1', [target.jobId])
      : await db.query('SELECT * FROM run WHERE recipe_id = $1', [target.recipeId]);
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

  /** A job with its run status (DISMISSED when a client dismissed it), or null. */
  async function jobRow(jobId: number): Promise<(RunRow & { dismissed: boolean }) | null> {
    const res = await db.query(
      `SELECT j.id, j.job_type_id, j.job_type_rev_id, j.status, j.created, j.started, j.ended, j.last_modified, r.dismissed IS NOT NULL AS dismissed, r.stage_state
         FROM job j LEFT JOIN run r ON r.job_id = j.id WHERE j.id = $1`,
      [jobId],
    );
    const r = res.rows[0];
    if (!r) return null;
    return {
      kind: 'job', id: Number(r.id), jobTypeId: r.job_type_id, revisionId: r.job_type_rev_id, processName: null, status: runStatusOfJob(r.status as JobStatus),
      created: r.created, started: r.started, ended: r.ended, updated: r.last_modified, stepsDone: null, dismissed: r.dismissed,
    };
  }

  /** A workflow run by its recipe id, or null when that recipe is not a run of a deployed workflow. */
  async function workflowRow(recipeId: number): Promise<RunRow | null> {
    const res = await db.query(WORKFLOW_RUNS.replace('$where', 'r.id = $1'), [recipeId]);
    return res.rows[0] ? toWorkflowRow(res.rows[0]) : null;
  }

  /**
   * A page of jobs and workflow runs, newest first, and whether more follow; dismissed jobs are left
   * out. No total count: counting every matching job would cost a scan of the job table on every page.
   */
  async function list(f: RunListFilter): Promise<{ more: boolean; rows: RunRow[] }> {
    const params: unknown[] = [];
    const param = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    // A run's duration: from its start to its end, or to now while it runs (never started: none).
    const durations = (started: string, ended: string, out: string[]) => {
      const d = `extract(epoch FROM coalesce(${ended}, now()) - ${started})`;
      if (f.minDuration != null) out.push(`${started} IS NOT NULL AND ${d} >= ${param(f.minDuration)}`);
      if (f.maxDuration != null) out.push(`${started} IS NOT NULL AND ${d} <= ${param(f.maxDuration)}`);
    };
    const branches: string[] = [];
    const jobStatuses = f.statuses?.flatMap(jobStatusesOf);
    if (!(f.jobTypeIds?.length === 0 || jobStatuses?.length === 0)) {
      const w = [`NOT EXISTS (SELECT 1 FROM run o WHERE o.job_id = j.id AND o.dismissed IS NOT NULL)`];
      if (f.jobTypeIds) w.push(`j.job_type_id = ANY(${param(f.jobTypeIds)}::int[])`);
      if (jobStatuses) w.push(`j.status = ANY(${param(jobStatuses)}::text[])`);
      if (f.createdFrom) w.push(`j.created >= ${param(f.createdFrom)}`);
      if (f.createdTo) w.push(`j.created <= ${param(f.createdTo)}`);
      durations('j.started', 'j.ended', w);
      // Only what a status document shows (input and output can be large).
      branches.push(`SELECT 'job' AS kind, j.id, j.job_type_id, NULL::text AS process_name, j.job_type_rev_id AS revision_id, j.status,
                            j.created, j.started, j.ended, j.last_modified, NULL::int AS steps_done
                       FROM job j WHERE ${w.join(' AND ')}`);
    }
    if (!(f.recipeTypeIds?.length === 0 || f.statuses?.length === 0)) {
      const r = ['true'];
      if (f.recipeTypeIds) r.push(`r.recipe_type_id = ANY(${param(f.recipeTypeIds)}::int[])`);
      if (f.createdFrom) r.push(`r.created >= ${param(f.createdFrom)}`);
      if (f.createdTo) r.push(`r.created <= ${param(f.createdTo)}`);
      const w = ['true'];
      if (f.statuses) w.push(`w.status = ANY(${param(f.statuses)}::text[])`);
      durations('w.started', 'w.ended', w);
      branches.push(`SELECT 'workflow' AS kind, w.id, NULL::int AS job_type_id, w.process_name, w.recipe_type_rev_id AS revision_id, w.status, w.created, w.started, w.ended,
                            w.last_modified, w.steps_done
                       FROM (${WORKFLOW_RUNS.replace('$where', r.join(' AND '))}) w WHERE ${w.join(' AND ')}`);
    }
    if (!branches.length) return { more: false, rows: [] };
    // Each branch is cut to the rows the page can reach, in (created, id) order, so the job table's
    // index serves it without reading every job; only the page's rows are formatted.
    const order = 'ORDER BY created DESC, id DESC';
    const reach = param(f.offset + f.limit + 1);
    const res = await db.query(
      `SELECT x.kind, x.id, x.job_type_id, x.process_name, x.revision_id, x.status, x.steps_done,
              ${rfc3339('x.created')} AS created, ${rfc3339('x.started')} AS started, ${rfc3339('x.ended')} AS ended, ${rfc3339('x.last_modified')} AS last_modified
         FROM (SELECT * FROM (${branches.map((b) => `(${b} ${order} LIMIT ${reach})`).join(' UNION ALL ')}) u
                ${order}, kind LIMIT ${param(f.limit + 1)} OFFSET ${param(f.offset)}) x
        ORDER BY x.created DESC, x.id DESC, x.kind`,
      params,
    );
    return {
      more: res.rows.length > f.limit,
      rows: res.rows.slice(0, f.limit).map((r): RunRow => ({
        kind: r.kind, id: Number(r.id), jobTypeId: r.job_type_id, revisionId: r.revision_id, processName: r.process_name,
        status: r.kind === 'job' ? runStatusOfJob(r.status) : r.status, created: r.created, started: r.started, ended: r.ended, updated: r.last_modified,
        stepsDone: r.steps_done,
      })),
    };
  }

  // ---- staging ----

  /** Claims runs whose inputs are still to be fetched (a lease of `leaseSeconds`: one process stages a run at a time). */
  async function claimStaging(limit: number, leaseSeconds: number): Promise<{ jobId: number | null; recipeId: number | null; stage: any; baseUrl: string | null }[]> {
    const res = await db.query(
      `WITH due AS (
         SELECT id FROM run WHERE stage_state = 'pending' AND stage_lease <= now() ORDER BY stage_lease LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE run SET stage_lease = now() + make_interval(secs => $2) FROM due WHERE run.id = due.id
       RETURNING run.job_id, run.recipe_id, run.stage, run.base_url`,
      [limit, leaseSeconds],
    );
    return res.rows.map((r) => ({ jobId: r.job_id === null ? null : Number(r.job_id), recipeId: r.recipe_id === null ? null : Number(r.recipe_id), stage: r.stage, baseUrl: r.base_url }));
  }

  /** The end of a run's staging: done, or failed with the reason. */
  async function staged(q: Queryable, target: RunTarget, outcome: { failed: string } | 'done'): Promise<void> {
    const [col, id] = keyOf(target);
    await q.query(
      `UPDATE run SET stage_state = $2, stage_error = $3, stage_lease = NULL WHERE ${col} = $1`,
      [id, outcome === 'done' ? 'done' : 'failed', outcome === 'done' ? null : outcome.failed],
    );
  }

  /** Keeps a run's staging lease for `seconds` more (before each fetch). */
  async function renewStaging(target: RunTarget, seconds: number): Promise<void> {
    const [col, id] = keyOf(target);
    await db.query(`UPDATE run SET stage_lease = now() + make_interval(secs => $2) WHERE ${col} = $1 AND stage_state = 'pending'`, [id, seconds]);
  }

  /** Hands a run's staging back at once (this process stops before it finished). */
  async function releaseStaging(target: RunTarget): Promise<void> {
    const [col, id] = keyOf(target);
    await db.query(`UPDATE run SET stage_lease = now() WHERE ${col} = $1 AND stage_state = 'pending'`, [id]);
  }

  /** Why a run's staging failed, or null when it did not. */
  async function stagingFailure(target: RunTarget): Promise<string | null> {
    const [col, id] = keyOf(target);
    const res = await db.query(`SELECT stage_error FROM run WHERE ${col} = $1 AND stage_state = 'failed'`, [id]);
    return res.rows[0]?.stage_error ?? null;
  }

  // ---- callbacks ----

  /** Claims runs with a callback due (a lease of `leaseSeconds`, so two processes never both call), with their jobs' statuses. */
  async function claimCallbacks(limit: number, leaseSeconds: number): Promise<CallbackDue[]> {
    const res = await db.query(
      `WITH due AS (
         SELECT id FROM run WHERE subscriber IS NOT NULL AND NOT callback_done AND callback_next <= now() ORDER BY callback_next LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE run SET callback_next = now() + make_interval(secs => $2) FROM due WHERE run.id = due.id
       RETURNING run.*`,
      [limit, leaseSeconds],
    );
    return res.rows.map((r) => ({
      kind: r.job_id !== null ? 'job' : 'workflow', id: Number(r.job_id ?? r.recipe_id), subscriber: r.subscriber, baseUrl: r.base_url, notified: r.notified,
      attempts: r.callback_attempts,
    }));
  }

  const callbackKey = (d: Pick<CallbackDue, 'kind' | 'id'>) => (d.kind === 'job' ? 'job_id' : 'recipe_id');

  /** Records a delivered (or abandoned) callback; `done` when nothing more will be sent. */
  async function notified(d: Pick<CallbackDue, 'kind' | 'id'>, state: string, done: boolean): Promise<void> {
    await db.query(`UPDATE run SET notified = $2, callback_attempts = 0, callback_done = $3, callback_next = CASE WHEN $3 THEN NULL ELSE now() END WHERE ${callbackKey(d)} = $1`, [d.id, state, done]);
  }

  async function retryCallback(d: Pick<CallbackDue, 'kind' | 'id'>, attempts: number, delaySeconds: number): Promise<void> {
    await db.query(`UPDATE run SET callback_attempts = $2, callback_next = now() + make_interval(secs => $3) WHERE ${callbackKey(d)} = $1`, [d.id, attempts, delaySeconds]);
  }

  /** Puts the runs of jobs whose state changed back in line for their callbacks. */
  async function callbacksDue(jobIds: number[]): Promise<void> {
    if (!jobIds.length) return;
    await db.query(`UPDATE run SET callback_next = now() WHERE job_id = ANY($1::bigint[]) AND subscriber IS NOT NULL AND NOT callback_done`, [jobIds]);
  }

  return { record, recordOf, dismissJob, jobRow, workflowRow, list, claimStaging, renewStaging, releaseStaging, staged, stagingFailure, claimCallbacks, notified, retryCallback, callbacksDue };
}
