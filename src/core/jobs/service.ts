// Jobs: creating them (validated, queued), reading them, canceling and requeueing them.
import type { Db, Queryable } from '../../store/db.ts';
import { Invalid, NotFound } from '../domain-errors.ts';
import type { CoreEvents } from '../events.ts';
import type { FileService, ScaleFile } from '../files/service.ts';
import type { JobType, JobTypeService, Revision } from '../job-types/service.ts';
import type { WorkspaceService } from '../workspaces/service.ts';
import { checkJobData, type CheckedJobData } from './job-data.ts';
import { type Job, type JobExecution, toExecution, toJob } from './model.ts';
import { SQL_CAN_BE_CANCELED, SQL_CAN_BE_REQUEUED } from './states.ts';
import { enqueue } from '../queue/enqueue.ts';

const MIB = 1024 * 1024;

export interface NewJob {
  jobTypeId: number;
  data: unknown;
  priority?: number;
}

export interface Created {
  job: Job;
  warnings: CheckedJobData['warnings'];
}

export interface RequeueFilter {
  started?: Date | null;
  ended?: Date | null;
  statuses?: ('FAILED' | 'CANCELED')[];
  jobIds?: number[];
  jobTypeIds?: number[];
  jobTypeNames?: string[];
  jobTypeCategories?: string[];
  priority?: number | null;
}

export type JobService = ReturnType<typeof createJobService>;

export function createJobService(deps: {
  db: Db;
  jobTypes: JobTypeService;
  files: FileService;
  workspaces: WorkspaceService;
  events: CoreEvents;
  defaultWorkspaceId: () => number | null;
}) {
  const { db, jobTypes, files, workspaces, events } = deps;

  async function prepare(n: NewJob, jobType: JobType, rev: Revision, root: string) {
    if (!jobType.isActive) throw new Invalid('job_type_id', `job type ${jobType.name} ${jobType.version} is archived and takes no new jobs`);
    if (n.priority !== undefined && (!Number.isInteger(n.priority) || n.priority < 1)) throw new Invalid('priority', 'must be an integer >= 1');
    const checked = await checkJobData(rev.interface, n.data, {
      files: (ids) => files.getMany(ids),
      workspaces: (ids) => workspaces.getMany(ids),
      defaultWorkspaceId: deps.defaultWorkspaceId(),
    }, root);
    const diskIn = checked.inputFiles.reduce((sum, f: ScaleFile) => sum + f.fileSize, 0) / MIB;
    return {
      checked,
      row: {
        jobTypeId: jobType.id,
        revId: rev.id,
        priority: n.priority ?? jobType.priority,
        timeout: jobType.timeout,
        maxTries: Math.max(jobType.maxTries, 1),
        cpus: jobType.cpusRequired,
        mem: jobType.memRequired,
        diskIn,
        diskOut: jobType.diskOutConstRequired + jobType.diskOutMultRequired * diskIn,
        input: JSON.stringify(checked.json),
      },
    };
  }

  /** Inserts QUEUED jobs and their queue rows in one statement each; returns the job ids in order. */
  async function insertQueued(tx: Queryable, rows: Awaited<ReturnType<typeof prepare>>['row'][]): Promise<number[]> {
    const col = <K extends keyof (typeof rows)[number]>(k: K) => rows.map((r) => r[k]);
    const res = await tx.query<{ id: number }>(
      `INSERT INTO job (job_type_id, job_type_rev_id, status, priority, timeout, max_tries, cpus_required, mem_required,
                        disk_in_required, disk_out_required, input, queued)
       SELECT t, r, 'QUEUED', p, tmo, mt, c, m, di, dout, i, now()
         FROM unnest($1::int[], $2::int[], $3::int[], $4::int[], $5::int[], $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::jsonb[])
           WITH ORDINALITY AS u(t, r, p, tmo, mt, c, m, di, dout, i, ord)
        ORDER BY ord
       RETURNING id`,
      [col('jobTypeId'), col('revId'), col('priority'), col('timeout'), col('maxTries'), col('cpus'), col('mem'), col('diskIn'), col('diskOut'), col('input')],
    );
    // Ids come from one sequence in insertion order, so sorting restores the input order.
    const ids = res.rows.map((r) => r.id).sort((a, b) => a - b);
    await enqueue(tx, ids);
    return ids;
  }

  async function create(n: NewJob): Promise<Created> {
    const jobType = await jobTypes.get(n.jobTypeId).catch((err) => {
      if (err instanceof NotFound) throw new Invalid('job_type_id', `job type ${n.jobTypeId} does not exist`);
      throw err;
    });
    const rev = await jobTypes.currentRevision(jobType);
    const p = await prepare(n, jobType, rev, 'job_data');
    const [id] = await db.transaction((tx) => insertQueued(tx, [p.row]));
    events.emit('queued', 1);
    return { job: await get(id), warnings: p.checked.warnings };
  }

  /** Creates many jobs of one job type in one transaction (batch submitters, benchmarks). */
  async function createMany(jobTypeId: number, datas: unknown[], priority?: number): Promise<number[]> {
    const jobType = await jobTypes.get(jobTypeId);
    const rev = await jobTypes.currentRevision(jobType);
    const rows: Awaited<ReturnType<typeof prepare>>['row'][] = [];
    for (let i = 0; i < datas.length; i++) rows.push((await prepare({ jobTypeId, data: datas[i], priority }, jobType, rev, `jobs[${i}].job_data`)).row);
    const ids = await db.transaction((tx) => insertQueued(tx, rows));
    events.emit('queued', ids.length);
    return ids;
  }

  async function get(id: number, q: Queryable = db): Promise<Job> {
    const res = await q.query('SELECT * FROM job WHERE id = $1', [id]);
    if (!res.rows[0]) throw new NotFound('job', id);
    return toJob(res.rows[0]);
  }

  async function executions(jobId: number): Promise<JobExecution[]> {
    const res = await db.query('SELECT * FROM job_exe WHERE job_id = $1 ORDER BY exe_num', [jobId]);
    return res.rows.map(toExecution);
  }

  /** Cancels a job that is not yet COMPLETED; a running execution is killed by its runner. */
  async function cancel(id: number): Promise<Job> {
    const job = await db.transaction(async (tx) => {
      // The queue row goes first: a claim holds it locked, so this waits for the claim (and then
      // cancels a RUNNING job) or takes the row before the claim can (see queue.claim).
      await tx.query('DELETE FROM queue WHERE job_id = $1', [id]);
      const res = await tx.query(
        `UPDATE job SET status = 'CANCELED', ended = coalesce(ended, now()), last_status_change = now(), last_modified = now()
          WHERE id = $1 AND ${SQL_CAN_BE_CANCELED} RETURNING *`,
        [id],
      );
      if (!res.rows[0]) {
        const current = await get(id, tx);
        if (current.status === 'CANCELED') return current;
        throw new Invalid('status', `job ${id} is ${current.status} and cannot be canceled`);
      }
      return toJob(res.rows[0]);
    });
    events.emit('canceled', [id]);
    return job;
  }

  /** Puts FAILED and CANCELED jobs back on the queue with more tries; returns the ids requeued. */
  async function requeue(f: RequeueFilter): Promise<number[]> {
    if (f.priority !== undefined && f.priority !== null && (!Number.isInteger(f.priority) || f.priority < 1)) throw new Invalid('priority', 'must be an integer >= 1');
    const params: unknown[] = [];
    const clauses: string[] = [];
    const add = (sql: string, v: unknown) => {
      params.push(v);
      clauses.push(sql.replace('?', `$${params.length}`));
    };
    if (f.started) add('j.last_modified >= ?', f.started);
    if (f.ended) add('j.last_modified <= ?', f.ended);
    if (f.statuses?.length) add('j.status = ANY(?::text[])', f.statuses);
    if (f.jobIds?.length) add('j.id = ANY(?::bigint[])', f.jobIds);
    if (f.jobTypeIds?.length) add('j.job_type_id = ANY(?::int[])', f.jobTypeIds);
    if (f.jobTypeNames?.length) add('j.job_type_id IN (SELECT id FROM job_type WHERE name = ANY(?::text[]))', f.jobTypeNames);
    if (f.jobTypeCategories?.length) add('j.job_type_id IN (SELECT id FROM job_type WHERE category = ANY(?::text[]))', f.jobTypeCategories);
    params.push(f.priority ?? null);
    const priorityParam = `$${params.length}`;
    const ids = await db.transaction(async (tx) => {
      const res = await tx.query<{ id: number }>(
        `WITH sel AS (
           SELECT j.id FROM job j
            WHERE j.${SQL_CAN_BE_REQUEUED} ${clauses.length ? `AND ${clauses.join(' AND ')}` : ''}
            FOR UPDATE)
         UPDATE job j SET status = 'QUEUED', error_id = NULL, ended = NULL, queued = now(),
                max_tries = j.num_exes + greatest(jt.max_tries, 1), priority = coalesce(${priorityParam}::int, j.priority),
                last_status_change = now(), last_modified = now()
           FROM job_type jt
          WHERE jt.id = j.job_type_id AND j.id IN (SELECT id FROM sel)
         RETURNING j.id`,
        params,
      );
      const got = res.rows.map((r) => r.id);
      await enqueue(tx, got);
      return got;
    });
    if (ids.length) events.emit('queued', ids.length);
    return ids;
  }

  return { create, createMany, get, executions, cancel, requeue };
}
