// What this door keeps about the jobs it starts (table ogc_job: how results were asked for, whom
// to call back, dismissal), and the job list OGC clients see: the core's jobs without those a
// client dismissed, filtered as the job-list conformance class asks.
import { coreStatuses } from '../../seed-mapping/ogc-process.ts';
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

/** A run of a deployed CWL workflow (OGC job id `wf-<id>`) as the job list and its status show it. */
export interface RunTimes {
  id: number;
  /** The workflow's process id: its recipe type's name. */
  processId: string;
  recipeTypeRevId: number;
  /** Already an OGC status: a run's status is made from its recipe and its steps' jobs. */
  status: 'accepted' | 'running' | 'successful' | 'failed' | 'dismissed';
  created: Date | string;
  started: Date | string | null;
  ended: Date | string | null;
  lastModified: Date | string;
  /** Steps whose jobs all completed. */
  stepsDone: number;
}

export type ListedJob = ({ kind: 'job' } & JobTimes) | ({ kind: 'run' } & RunTimes);

export interface JobListFilter {
  /** Job type ids per process id asked for; an empty list matches no job. */
  jobTypeIds?: number[];
  /** Recipe type ids of the workflows asked for; an empty list matches no workflow run. */
  recipeTypeIds?: number[];
  /** OGC statuses. */
  statuses?: string[];
  createdFrom?: Date | null;
  createdTo?: Date | null;
  minDuration?: number | null;
  maxDuration?: number | null;
  limit: number;
  offset: number;
}

/** A workflow run's subscriber, as callbacks read it. */
export interface RunSubscription {
  recipeId: number;
  subscriber: OgcJob['subscriber'];
  baseUrl: string | null;
  notified: string | null;
  callbackAttempts: number;
}

export type CallbackKind = 'job' | 'run';
const CALLBACK_TABLES: Record<CallbackKind, { table: string; key: string }> = { job: { table: 'ogc_job', key: 'job_id' }, run: { table: 'ogc_run', key: 'recipe_id' } };

const RUN_STATUSES = ['accepted', 'running', 'successful', 'failed', 'dismissed'];

/**
 * Runs of deployed workflows (top-level recipes of recipe types with a process) with their OGC status,
 * times and finished steps, all from the recipe and its steps' jobs. The one definition of a run's
 * status: the job list filters on it and a run's status document shows it. `$where` is replaced by
 * conditions on `r` (the recipe).
 */
const RUNS = `
  SELECT r.id, r.recipe_type_id, r.recipe_type_rev_id, rt.name AS process_id, r.created, r.last_modified, s.started,
         CASE WHEN r.is_completed OR r.is_canceled OR s.failed OR s.canceled THEN coalesce(r.completed, s.ended) END AS ended,
         CASE WHEN r.is_completed THEN 'successful' WHEN r.is_canceled THEN 'dismissed' WHEN s.failed THEN 'failed'
              WHEN s.canceled THEN 'dismissed' WHEN s.started IS NOT NULL THEN 'running' ELSE 'accepted' END AS status,
         d.steps_done
    FROM recipe r JOIN recipe_type rt ON rt.id = r.recipe_type_id AND rt.process IS NOT NULL
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

const toRun = (r: any): RunTimes => ({
  id: Number(r.id), processId: r.process_id, recipeTypeRevId: r.recipe_type_rev_id, status: r.status, created: r.created, started: r.started,
  ended: r.ended, lastModified: r.last_modified, stepsDone: r.steps_done,
});

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
   * A page of jobs and workflow runs, newest first, and whether more follow. No total count: counting
   * every matching job would cost a scan of the job table on every page, and the spec does not ask for one.
   */
  async function listJobs(f: JobListFilter): Promise<{ more: boolean; jobs: ListedJob[] }> {
    const params: unknown[] = [];
    const param = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    // A job's (or run's) duration: from its start to its end, or to now while it runs (never started: none).
    const durations = (started: string, ended: string, out: string[]) => {
      const d = `extract(epoch FROM coalesce(${ended}, now()) - ${started})`;
      if (f.minDuration != null) out.push(`${started} IS NOT NULL AND ${d} >= ${param(f.minDuration)}`);
      if (f.maxDuration != null) out.push(`${started} IS NOT NULL AND ${d} <= ${param(f.maxDuration)}`);
    };
    const branches: string[] = [];
    const jobStatuses = f.statuses?.flatMap(coreStatuses);
    if (!(f.jobTypeIds?.length === 0 || jobStatuses?.length === 0)) {
      const w = [`NOT EXISTS (SELECT 1 FROM ogc_job o WHERE o.job_id = j.id AND o.dismissed IS NOT NULL)`];
      if (f.jobTypeIds) w.push(`j.job_type_id = ANY(${param(f.jobTypeIds)}::int[])`);
      if (jobStatuses) w.push(`j.status = ANY(${param(jobStatuses)}::text[])`);
      if (f.createdFrom) w.push(`j.created >= ${param(f.createdFrom)}`);
      if (f.createdTo) w.push(`j.created <= ${param(f.createdTo)}`);
      durations('j.started', 'j.ended', w);
      // Only what a status document shows (input and output can be large).
      branches.push(`SELECT 'job' AS kind, j.id, j.job_type_id, NULL::text AS process_id, NULL::int AS recipe_type_rev_id, j.status,
                            j.created, j.started, j.ended, j.last_modified, NULL::int AS steps_done
                       FROM job j WHERE ${w.join(' AND ')}`);
    }
    const runStatuses = f.statuses?.filter((s) => RUN_STATUSES.includes(s));
    if (!(f.recipeTypeIds?.length === 0 || runStatuses?.length === 0)) {
      const r = ['true'];
      if (f.recipeTypeIds) r.push(`r.recipe_type_id = ANY(${param(f.recipeTypeIds)}::int[])`);
      if (f.createdFrom) r.push(`r.created >= ${param(f.createdFrom)}`);
      if (f.createdTo) r.push(`r.created <= ${param(f.createdTo)}`);
      const w = ['true'];
      if (runStatuses) w.push(`w.status = ANY(${param(runStatuses)}::text[])`);
      durations('w.started', 'w.ended', w);
      branches.push(`SELECT 'run' AS kind, w.id, NULL::int AS job_type_id, w.process_id, w.recipe_type_rev_id, w.status, w.created, w.started, w.ended, w.last_modified, w.steps_done
                       FROM (${RUNS.replace('$where', r.join(' AND '))}) w WHERE ${w.join(' AND ')}`);
    }
    if (!branches.length) return { more: false, jobs: [] };
    // Each branch is cut to the rows the page can reach, in (created, id) order, so the job table's
    // index serves it without reading every job; only the page's rows are formatted.
    const order = 'ORDER BY created DESC, id DESC';
    const reach = param(f.offset + f.limit + 1);
    const rows = await db.query(
      `SELECT x.kind, x.id, x.job_type_id, x.process_id, x.recipe_type_rev_id, x.status, x.steps_done,
              ${rfc3339('x.created')} AS created, ${rfc3339('x.started')} AS started, ${rfc3339('x.ended')} AS ended, ${rfc3339('x.last_modified')} AS last_modified
         FROM (SELECT * FROM (${branches.map((b) => `(${b} ${order} LIMIT ${reach})`).join(' UNION ALL ')}) u
                ${order}, kind LIMIT ${param(f.limit + 1)} OFFSET ${param(f.offset)}) x
        ORDER BY x.created DESC, x.id DESC, x.kind`,
      params,
    );
    return {
      more: rows.rows.length > f.limit,
      jobs: rows.rows.slice(0, f.limit).map((r): ListedJob => (r.kind === 'run'
        ? { kind: 'run', ...toRun(r) }
        : { kind: 'job', id: Number(r.id), jobTypeId: r.job_type_id, status: r.status, created: r.created, started: r.started, ended: r.ended, lastModified: r.last_modified })),
    };
  }

  /** A workflow run by its recipe id, or null when that recipe is not a run of a deployed workflow. */
  async function run(recipeId: number): Promise<RunTimes | null> {
    const res = await db.query(RUNS.replace('$where', 'r.id = $1'), [recipeId]);
    return res.rows[0] ? toRun(res.rows[0]) : null;
  }

  /**
   * What this door keeps of a workflow run: the outputs a WPS Execute asked for and how, and whom to
   * call back (an OGC execute's subscriber). Each given part is kept; the others stay as they were.
   */
  async function recordRun(recipeId: number, r: { outputs?: Record<string, 'value' | 'reference'>; subscriber?: OgcJob['subscriber']; baseUrl?: string }): Promise<void> {
    await db.query(
      `INSERT INTO ogc_run (recipe_id, outputs, subscriber, base_url, callback_next) VALUES ($1, $2, $3, $4, CASE WHEN $3::jsonb IS NULL THEN NULL ELSE now() END)
       ON CONFLICT (recipe_id) DO UPDATE SET outputs = coalesce(EXCLUDED.outputs, ogc_run.outputs), subscriber = coalesce(EXCLUDED.subscriber, ogc_run.subscriber),
              base_url = coalesce(EXCLUDED.base_url, ogc_run.base_url), callback_next = coalesce(ogc_run.callback_next, EXCLUDED.callback_next)`,
      [recipeId, r.outputs ? JSON.stringify(r.outputs) : null, r.subscriber ? JSON.stringify(r.subscriber) : null, r.baseUrl ?? null],
    );
  }

  async function runOutputs(recipeId: number): Promise<Record<string, 'value' | 'reference'> | null> {
    const res = await db.query('SELECT outputs FROM ogc_run WHERE recipe_id = $1', [recipeId]);
    return res.rows[0]?.outputs ?? null;
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

  /** Claims workflow runs with a callback due, as claimCallbacks does jobs. */
  async function claimRunCallbacks(limit: number, leaseSeconds: number): Promise<RunSubscription[]> {
    const res = await db.query(
      `WITH due AS (
         SELECT o.recipe_id FROM ogc_run o
          WHERE o.subscriber IS NOT NULL AND NOT o.callback_done AND o.callback_next <= now()
          ORDER BY o.callback_next LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE ogc_run o SET callback_next = now() + make_interval(secs => $2) FROM due WHERE o.recipe_id = due.recipe_id RETURNING o.*`,
      [limit, leaseSeconds],
    );
    return res.rows.map((r) => ({ recipeId: Number(r.recipe_id), subscriber: r.subscriber, baseUrl: r.base_url, notified: r.notified, callbackAttempts: r.callback_attempts }));
  }

  /** Records a delivered (or abandoned) callback; `done` when nothing more will be sent. */
  async function notified(kind: CallbackKind, id: number, state: string, done: boolean): Promise<void> {
    const { table, key } = CALLBACK_TABLES[kind];
    await db.query(`UPDATE ${table} SET notified = $2, callback_attempts = 0, callback_done = $3, callback_next = CASE WHEN $3 THEN NULL ELSE now() END WHERE ${key} = $1`, [id, state, done]);
  }

  async function retryCallback(kind: CallbackKind, id: number, attempts: number, delaySeconds: number): Promise<void> {
    const { table, key } = CALLBACK_TABLES[kind];
    await db.query(`UPDATE ${table} SET callback_attempts = $2, callback_next = now() + make_interval(secs => $3) WHERE ${key} = $1`, [id, attempts, delaySeconds]);
  }

  /** Puts jobs whose state changed back in line for their callbacks. */
  async function callbacksDue(jobIds: number[]): Promise<void> {
    if (!jobIds.length) return;
    await db.query(`UPDATE ogc_job SET callback_next = now() WHERE job_id = ANY($1::bigint[]) AND subscriber IS NOT NULL AND NOT callback_done`, [jobIds]);
  }

  return { record, get, dismiss, listJobs, run, recordRun, runOutputs, claimCallbacks, claimRunCallbacks, notified, retryCallback, callbacksDue };
}
