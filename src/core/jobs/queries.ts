// Read-side queries over jobs and executions: the filtered, paged lists of the REST API.
// Filters on job type name or category become sub-selects on job_type so the job indexes still serve.
import type { Db } from '../../store/db.ts';
import { type ListRequest, type ListResult, Where, orderBy, pagedList } from '../../store/listing.ts';
import type { JobStatus } from './model.ts';
import { type Job, type JobExecution, toExecution, toJob } from './model.ts';

export interface JobListFilter extends ListRequest {
  started?: Date | null;
  ended?: Date | null;
  statuses?: JobStatus[];
  jobIds?: number[];
  jobTypeIds?: number[];
  jobTypeNames?: string[];
  jobTypeCategories?: string[];
  errorCategories?: string[];
  errorIds?: number[];
  batchIds?: number[];
  recipeIds?: number[];
  /** true: superseded jobs only; false: none of them (v5 lists hide them unless asked); none: all. */
  isSuperseded?: boolean | null;
}

export interface ExecutionListFilter extends ListRequest {
  started?: Date | null;
  ended?: Date | null;
  statuses?: string[];
  jobTypeIds?: number[];
  jobTypeNames?: string[];
  jobTypeCategories?: string[];
  nodeIds?: number[];
  jobIds?: number[];
  errorIds?: number[];
  errorCategories?: string[];
}

const JOB_ORDERABLE: Record<string, string> = {
  id: 'id', status: 'status', priority: 'priority', num_exes: 'num_exes', timeout: 'timeout', max_tries: 'max_tries',
  created: 'created', queued: 'queued', started: 'started', ended: 'ended', last_status_change: 'last_status_change',
  last_modified: 'last_modified', job_type: 'job_type_id', job_type_id: 'job_type_id', batch: 'batch_id', batch_id: 'batch_id',
  is_superseded: 'is_superseded', superseded: 'superseded',
  job_type__name: '(SELECT name FROM job_type t WHERE t.id = job.job_type_id)',
  job_type__version: '(SELECT version FROM job_type t WHERE t.id = job.job_type_id)',
};

const EXE_ORDERABLE: Record<string, string> = {
  id: 'id', status: 'status', exe_num: 'exe_num', created: 'created', queued: 'queued', started: 'started', ended: 'ended',
  last_modified: 'last_modified', node: 'node_id', node_id: 'node_id', job: 'job_id', job_id: 'job_id',
  job_type__name: '(SELECT name FROM job_type t WHERE t.id = job_exe.job_type_id)',
};

function jobTypeFilters(where: Where, col: string, f: { jobTypeIds?: number[]; jobTypeNames?: string[]; jobTypeCategories?: string[] }): Where {
  where.anyOf(col, f.jobTypeIds, 'int');
  if (f.jobTypeNames?.length) where.add(`${col} IN (SELECT id FROM job_type WHERE name = ANY(?::text[]))`, f.jobTypeNames);
  if (f.jobTypeCategories?.length) where.add(`${col} IN (SELECT id FROM job_type WHERE category = ANY(?::text[]))`, f.jobTypeCategories);
  return where;
}

export type JobQueries = ReturnType<typeof createJobQueries>;

export function createJobQueries({ db }: { db: Db }) {
  async function listJobs(f: JobListFilter): Promise<ListResult<Job>> {
    const where = jobTypeFilters(new Where().range('last_modified', f.started, f.ended).anyOf('status', f.statuses, 'text').anyOf('id', f.jobIds, 'bigint'), 'job_type_id', f);
    if (f.errorCategories?.length) where.add('error_id IN (SELECT id FROM error WHERE category = ANY(?::text[]))', f.errorCategories);
    where.anyOf('error_id', f.errorIds, 'int');
    where.anyOf('batch_id', f.batchIds, 'int');
    if (f.recipeIds?.length) where.add('id IN (SELECT job_id FROM recipe_node WHERE recipe_id = ANY(?::bigint[]) AND job_id IS NOT NULL)', f.recipeIds);
    if (f.isSuperseded !== undefined && f.isSuperseded !== null) where.add('is_superseded = ?', f.isSuperseded);
    const res = await pagedList(db, { select: '*', from: 'job', where, orderSql: orderBy(f.order, JOB_ORDERABLE, ['-last_modified']), tiebreak: 'id DESC', page: f });
    return { count: res.count, rows: res.rows.map(toJob) };
  }

  async function listExecutions(f: ExecutionListFilter): Promise<ListResult<JobExecution>> {
    const where = jobTypeFilters(
      new Where().range('last_modified', f.started, f.ended).anyOf('status', f.statuses, 'text').anyOf('node_id', f.nodeIds, 'int').anyOf('job_id', f.jobIds, 'bigint'),
      'job_type_id',
      f,
    );
    where.anyOf('error_id', f.errorIds, 'int');
    if (f.errorCategories?.length) where.add('error_id IN (SELECT id FROM error WHERE category = ANY(?::text[]))', f.errorCategories);
    const res = await pagedList(db, { select: '*', from: 'job_exe', where, orderSql: orderBy(f.order, EXE_ORDERABLE, ['-last_modified']), tiebreak: 'id DESC', page: f });
    return { count: res.count, rows: res.rows.map(toExecution) };
  }

  async function jobsByIds(ids: number[]): Promise<Map<number, Job>> {
    if (!ids.length) return new Map();
    const res = await db.query('SELECT * FROM job WHERE id = ANY($1::bigint[])', [ids]);
    return new Map(res.rows.map((r) => [r.id, toJob(r)]));
  }

  /** The job that superseded this one (a reprocess ran its recipe node again), if any. */
  async function successor(jobId: number): Promise<Job | null> {
    const res = await db.query('SELECT * FROM job WHERE superseded_job_id = $1 ORDER BY id LIMIT 1', [jobId]);
    return res.rows[0] ? toJob(res.rows[0]) : null;
  }

  /** The latest execution of each job. */
  async function latestExecutions(jobIds: number[]): Promise<Map<number, JobExecution>> {
    if (!jobIds.length) return new Map();
    const res = await db.query(
      `SELECT DISTINCT ON (job_id) * FROM job_exe WHERE job_id = ANY($1::bigint[]) ORDER BY job_id, exe_num DESC`,
      [jobIds],
    );
    return new Map(res.rows.map((r) => [r.job_id, toExecution(r)]));
  }

  async function execution(id: number): Promise<JobExecution | null> {
    const res = await db.query('SELECT * FROM job_exe WHERE id = $1', [id]);
    return res.rows[0] ? toExecution(res.rows[0]) : null;
  }

  async function runningOnNodes(nodeIds: number[]): Promise<JobExecution[]> {
    if (!nodeIds.length) return [];
    const res = await db.query(`SELECT * FROM job_exe WHERE status = 'RUNNING' AND node_id = ANY($1::int[]) ORDER BY id`, [nodeIds]);
    return res.rows.map(toExecution);
  }

  /** Lost executions whose stray outputs are still to be removed, oldest first. */
  async function outputsToDiscard(limit: number): Promise<JobExecution[]> {
    const res = await db.query(`SELECT * FROM job_exe WHERE discard_outputs ORDER BY id LIMIT $1`, [limit]);
    return res.rows.map(toExecution);
  }

  return { listJobs, listExecutions, jobsByIds, successor, latestExecutions, execution, runningOnNodes, outputsToDiscard };
}
