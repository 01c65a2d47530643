// Read-side queries over jobs and executions: the filtered, paged lists of the REST API.
// Filters on job type name or category become sub-selects on job_type so the job indexes still serve.
import { type Db, type Row } from '../../store/db.ts';
import { type ListRequest, type ListResult, Where, orderBy, pagedList } from '../../store/listing.ts';
import { createJobCounts, JOB_VERSION_SQL } from './counts.ts';
import type { JobStatus } from './model.ts';
import { type Job, type JobExecution, type JobSummary, toExecution, toJob, toJobSummary, utcJson } from './model.ts';
import { addSourceMetadataFilters, type SourceMetadataFilter } from '../files/source-metadata.ts';

export interface JobListFilter extends ListRequest, SourceMetadataFilter {
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

/**
 * The job columns a list shows, without the job's data, as one JSON array per row (toJobSummary
 * reads it by position): the driver then parses one value per row rather than 27, and the times
 * come as text made the API's by slicing (formatting Dates was most of a row's cost).
 * No output column is named like a job column: ORDER BY created must still name the column, and its index.
 */
const SUMMARY_JSON = `json_build_array(${[
  'id', 'job_type_id', 'job_type_rev_id', 'event_id', 'status', 'error_id', 'error_message', 'priority', 'num_exes', 'timeout', 'max_tries',
  'cpus_required', 'mem_required', 'disk_in_required', 'disk_out_required', 'recipe_id', 'batch_id', 'is_superseded', 'superseded_job_id', 'root_superseded_job_id',
  ...['superseded', 'created', 'queued', 'started', 'ended', 'last_status_change', 'last_modified'].map(utcJson),
].join(', ')})::text AS summary`;

export type JobQueries = ReturnType<typeof createJobQueries>;

export function createJobQueries({ db }: { db: Db }) {
  const counts = createJobCounts(db);

  function jobWhere(f: JobListFilter): Where {
    const where = jobTypeFilters(new Where().range('last_modified', f.started, f.ended).anyOf('status', f.statuses, 'text').anyOf('id', f.jobIds, 'bigint'), 'job_type_id', f);
    if (f.errorCategories?.length) where.add('error_id IN (SELECT id FROM error WHERE category = ANY(?::text[]))', f.errorCategories);
    where.anyOf('error_id', f.errorIds, 'int');
    where.anyOf('batch_id', f.batchIds, 'int');
    if (f.recipeIds?.length) where.add('id IN (SELECT job_id FROM recipe_node WHERE recipe_id = ANY(?::bigint[]) AND job_id IS NOT NULL)', f.recipeIds);
    if (f.isSuperseded !== undefined && f.isSuperseded !== null) where.add('is_superseded = ?', f.isSuperseded);
    addSourceMetadataFilters(where, 'job.input', f);
    return where;
  }

  /**
   * A page of jobs and the count of all that match: one query when the count is known and the job
   * table has not changed since (counts.ts), the page's query and a count otherwise.
   */
  async function jobPage(f: JobListFilter, select: string): Promise<ListResult<Row>> {
    const where = jobWhere(f);
    const whereSql = where.sql();
    const n = where.params.length;
    const text = `SELECT ${select}, ${JOB_VERSION_SQL} AS list_version FROM job ${whereSql}
                   ORDER BY ${orderBy(f.order, JOB_ORDERABLE, ['-last_modified'])}, id DESC LIMIT $${n + 1} OFFSET $${n + 2}`;
    const rows = db.query(text, [...where.params, f.pageSize, (f.page - 1) * f.pageSize]);
    // A filter counted for the first time is counted beside the page rather than after it.
    if (!counts.known(whereSql, where.params)) {
      const [count, res] = await Promise.all([counts.count(whereSql, where.params, null), rows]);
      return { count, rows: res.rows };
    }
    const res = await rows;
    return { count: await counts.count(whereSql, where.params, res.rows.length ? Number(res.rows[0].list_version) : null), rows: res.rows };
  }

  async function listJobs(f: JobListFilter): Promise<ListResult<Job>> {
    const res = await jobPage(f, '*');
    return { count: res.count, rows: res.rows.map(toJob) };
  }

  /** A page of jobs without their data (input, output, configuration): what a list of jobs shows, read and parsed for less. */
  async function listJobSummaries(f: JobListFilter): Promise<ListResult<JobSummary>> {
    const res = await jobPage(f, SUMMARY_JSON);
    // One parse for the page: cheaper than one per row.
    const rows: unknown[][] = res.rows.length ? JSON.parse(`[${res.rows.map((r) => r.summary).join(',')}]`) : [];
    return { count: res.count, rows: rows.map(toJobSummary) };
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

  return { listJobs, listJobSummaries, listExecutions, jobsByIds, successor, latestExecutions, execution, runningOnNodes, outputsToDiscard };
}
