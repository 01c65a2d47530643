// Jobs: creating them (validated, queued), reading them, canceling and requeueing them.
import { checkInputCount } from '../input-count.ts';
import { type Db, type Queryable, type Statement, statement } from '../../store/db.ts';
import { check } from '../../schemas.ts';
import { Invalid, NotFound } from '../../errors.ts';
import type { Idempotency, IdempotencyKey } from '../idempotency.ts';
import type { CoreEvents } from '../events.ts';
import type { FileService, ScaleFile } from '../files/service.ts';
import type { JobInterface } from '../job-types/model.ts';
import type { Runtime } from '../../scheduler/placement.ts';
import type { JobType, JobTypeService, Revision } from '../job-types/service.ts';
import type { Workspace, WorkspaceService } from '../workspaces/service.ts';
import { checkJobData, type CheckedJobData, countValues, emptyJobData, type JobData, type JobDataLookups } from './job-data.ts';
import { type Job, type JobExecution, toExecution, toJob } from './model.ts';
import { type JobSelection, selectionSql } from './selection.ts';
import { SQL_CAN_BE_CANCELED, SQL_CAN_BE_REQUEUED } from './states.ts';
import { cancelJobs, failWaitingJobs } from './transitions.ts';
import type { ErrorService } from '../errors/service.ts';
import { enqueue, QUEUE_COLUMNS, QUEUE_VALUES } from '../queue/enqueue.ts';

const MIB = 1024 * 1024;

/** What a job of this job type revision runs on: a CWL document (cwltool), a Docker image, or a process. */
function runtimeOf(jobType: JobType, rev: Revision): Runtime {
  if (rev.interface.format === 'cwl') return 'cwl';
  return rev.dockerImage ?? jobType.dockerImage ? 'docker' : 'process';
}

export interface NewJob {
  jobTypeId: number;
  /** What the job is given (the door decoded it from its wire shape); none: no inputs. */
  data?: JobData;
  /** v6 job configuration overriding the job type's (output workspaces, priority, non-secret settings). */
  configuration?: Record<string, any>;
  priority?: number;
  /** The request's Idempotency-Key: sent again, it gets the job the first request made. */
  idempotency?: IdempotencyKey;
  /** The job type (of jobTypeId) and its current revision, when the caller has just read them (a run's process): not read again. */
  of?: { jobType: JobType; rev: Revision };
  /** Workspaces the caller has just read (a run's default workspace): the output workspaces among them are not read again. */
  workspaces?: Workspace[];
  /** What another service records of the new job, written by the same statement (a run's record). */
  alongside?: Alongside;
}

/**
 * A row another service writes of a new job in the statement that makes it (a run's record): atomic
 * with the job, and no round trip of its own. New jobs made at once share one statement, so the
 * rows of one `kind` are written together: `sql` is one data-modifying statement for all of them,
 * reading the new jobs from `jn` (the job rows as inserted, numbered `n` from 1 in the batch's
 * order), `at` the numbers of the jobs that have a row of this kind and `values` theirs, each given
 * to the statement as a parameter (`param` answers its placeholder).
 */
export interface Alongside<T = any> {
  kind: string;
  value: T;
  sql(param: (value: unknown) => string, at: number[], values: T[]): string;
}

/** A job row ready to insert (input as JSON text, or null while a recipe job waits for it). */
export interface JobRow {
  jobTypeId: number;
  revId: number;
  priority: number;
  timeout: number;
  maxTries: number;
  cpus: number;
  mem: number;
  diskIn: number;
  diskOut: number;
  /** GPUs (SEED's `gpus` scalar); 0 for most jobs. */
  gpus?: number;
  input: string | null;
  dockerImage: string | null;
  /** What the job runs on (its job type's kind: a process, a Docker image, a CWL document). */
  runtime: Runtime;
  configuration: string | null;
  /** The recipe the job belongs to, if any. */
  recipeId?: number | null;
}

export interface Created {
  job: Job;
  warnings: CheckedJobData['warnings'];
  /** An earlier request with the same Idempotency-Key made this job. */
  replayed?: boolean;
}

export interface RequeueFilter extends JobSelection {
  statuses?: ('FAILED' | 'CANCELED')[];
  priority?: number | null;
}

export type JobService = ReturnType<typeof createJobService>;

// The job insert has a few texts (with or without what is written alongside): each is a named
// statement, parsed and planned once per connection rather than for every new job.
const insertStatements = new Map<string, Statement>();
function insertStatement(text: string): Statement | string {
  let st = insertStatements.get(text);
  if (!st) {
    // Never more than a few; past that, plain text (prepared statements live as long as their connection).
    if (insertStatements.size >= 20) return text;
    insertStatements.set(text, (st = statement(`insert_jobs_${insertStatements.size}`, text)));
  }
  return st;
}

export function createJobService(deps: {
  db: Db;
  jobTypes: JobTypeService;
  errors: ErrorService;
  files: FileService;
  workspaces: WorkspaceService;
  events: CoreEvents;
  idempotency: Idempotency;
  defaultWorkspaceId: () => number | null;
  /** Most inputs one job may be given (SCALE_MAX_INPUTS). */
  maxInputs?: number;
}) {
  const { db, jobTypes, files, workspaces, events } = deps;

  /** The job's v6 configuration: the job type's, overridden by the job's own; secrets stay masked. */
  function jobConfiguration(jobType: JobType, given: Record<string, any> | undefined): Record<string, any> | null {
    if (jobType.interfaceKind !== 'seed' && !given) return null;
    const base = jobType.configuration ?? {};
    // JobConfigurationV6 takes version 6 (or converts a 2.0 one); any other is refused.
    if (given?.version !== undefined && !['6', '2.0'].includes(given.version)) throw new Invalid('configuration.version', `${JSON.stringify(given.version)} is not a job configuration version: 6`);
    // As JobConfigurationV6._populate_default_values: an output_workspaces without default or outputs has none.
    const ow = given?.output_workspaces ?? base.output_workspaces;
    const c = {
      ...base,
      ...(given ?? {}),
      settings: { ...(base.settings ?? {}), ...(given?.settings ?? {}) },
      output_workspaces: ow !== null && typeof ow === 'object' && !Array.isArray(ow) ? { default: '', outputs: {}, ...ow } : (ow ?? { default: '', outputs: {} }),
    };
    const problems = check('scale/job-configuration-6', { mounts: {}, priority: 1, ...c }, 'configuration');
    if (problems.length) throw Invalid.many(problems);
    return c;
  }

  /** Workspace ids of the configuration's output workspaces, by output name. */
  async function configuredWorkspaces(iface: Revision['interface'], config: Record<string, any> | null, q: Queryable): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (!config) return out;
    const ow = config.output_workspaces ?? {};
    for (const o of iface.outputs) {
      if (o.kind === 'json') continue;
      const name = ow.outputs?.[o.name] ?? ow.default;
      if (!name) continue;
      const ws = await workspaces.byName(name, q);
      if (!ws) throw new Invalid('configuration.output_workspaces', `workspace ${JSON.stringify(name)} does not exist`);
      out.set(o.name, ws.id);
    }
    return out;
  }

  /** Needed resources: SEED scalars (value + inputMultiplier × input MiB), or the job type's columns. */
  function resources(jobType: JobType, rev: Revision, diskIn: number) {
    const seed = rev.interface.resources;
    if (!seed) {
      return { cpus: jobType.cpusRequired, mem: jobType.memRequired, diskOut: jobType.diskOutConstRequired + jobType.diskOutMultRequired * diskIn, gpus: 0 };
    }
    const need = (name: string) => {
      const r = seed.find((x) => x.name === name);
      return r ? r.value + r.inputMultiplier * diskIn : 0;
    };
    // Scale's minimums (job/models.py MIN_RESOURCE): a quarter of a cpu, 4 MiB of memory at the very least.
    return { cpus: Math.max(need('cpus'), 0.01), mem: Math.max(Math.ceil(need('mem')), 4), diskOut: Math.ceil(need('disk')), gpus: need('gpus') };
  }

  /** Checks a new job's data and works out its row; `q` is the transaction to read through, if any. */
  async function prepare(n: NewJob, jobType: JobType, rev: Revision, q: Queryable = db, lookups?: Partial<Pick<JobDataLookups, 'files' | 'workspaces'>>): Promise<{ checked: CheckedJobData; row: JobRow }> {
    if (!jobType.isActive) throw new Invalid('job_type_id', `job type ${jobType.name} ${jobType.version} is archived and takes no new jobs`);
    // A service's jobs (a Strike's, a Scan's) are made by that service, never queued for a node.
    if (jobType.isService) throw new Invalid('job_type_id', `job type ${jobType.name} ${jobType.version} is run by the server itself: its jobs are started by their Strike or Scan`);
    if (n.priority !== undefined && (!Number.isInteger(n.priority) || n.priority < 1)) throw new Invalid('priority', 'must be an integer >= 1');
    const data = n.data ?? emptyJobData();
    checkInputCount(countValues(data.inputs), deps.maxInputs);
    const configuration = jobConfiguration(jobType, n.configuration);
    const checked = await checkJobData(rev.interface, data, {
      files: lookups?.files ?? ((ids) => files.getMany(ids, q)),
      workspaces: lookups?.workspaces ?? ((ids) => workspaces.getMany(ids, q)),
      defaultWorkspaceId: deps.defaultWorkspaceId(),
      configuredWorkspaces: await configuredWorkspaces(rev.interface, configuration, q),
    });
    const diskIn = checked.inputFiles.reduce((sum, f: ScaleFile) => sum + f.fileSize, 0) / MIB;
    const need = resources(jobType, rev, diskIn);
    return {
      checked,
      row: {
        jobTypeId: jobType.id,
        revId: rev.id,
        priority: n.priority ?? configuration?.priority ?? jobType.priority,
        timeout: jobType.timeout,
        maxTries: Math.max(jobType.maxTries, 1),
        cpus: need.cpus,
        gpus: need.gpus,
        mem: need.mem,
        diskIn,
        diskOut: need.diskOut,
        input: JSON.stringify(checked.json),
        dockerImage: rev.dockerImage ?? jobType.dockerImage,
        runtime: runtimeOf(jobType, rev),
        configuration: configuration ? JSON.stringify(configuration) : null,
      },
    };
  }

  /**
   * Inserts jobs and, for QUEUED ones, their queue rows, in one statement (atomic without a
   * transaction of its own); returns the new job rows in order. Jobs of a recipe start PENDING or
   * BLOCKED without input when their parents have not run.
   */
  async function insertJobRows(q: Queryable, rows: JobRow[], status: 'QUEUED' | 'PENDING' | 'BLOCKED' = 'QUEUED', alongside?: (Alongside | undefined)[]): Promise<any[]> {
    if (!rows.length) return [];
    const col = <K extends keyof JobRow>(k: K) => rows.map((r) => r[k] ?? null);
    const params: unknown[] = [col('jobTypeId'), col('revId'), col('priority'), col('timeout'), col('maxTries'), col('cpus'), col('mem'), col('diskIn'), col('diskOut'), col('input'),
      col('dockerImage'), col('configuration'), status, col('recipeId'), col('gpus'), col('runtime')];
    // What other services write of these jobs, a statement per kind.
    const kinds = new Map<string, { first: Alongside; at: number[]; values: unknown[] }>();
    alongside?.forEach((a, i) => {
      if (!a) return;
      const k = kinds.get(a.kind) ?? { first: a, at: [], values: [] };
      k.at.push(i + 1);
      k.values.push(a.value);
      kinds.set(a.kind, k);
    });
    const param = (v: unknown) => `$${params.push(v)}`;
    const also = kinds.size
      ? `,\n       jn AS (SELECT j.*, row_number() OVER (ORDER BY j.id)::int AS n FROM j)${[...kinds.values()].map((k, i) => `,\n       alongside_${i} AS (${k.first.sql(param, k.at, k.values)})`).join('')}`
      : '';
    const res = await q.query(
      insertStatement(`WITH j AS (
       INSERT INTO job (job_type_id, job_type_rev_id, status, priority, timeout, max_tries, cpus_required, mem_required,
                        disk_in_required, disk_out_required, gpus_required, input, docker_image, configuration, queued, recipe_id, runtime)
       SELECT t, r, $13, p, tmo, mt, c, m, di, dout, coalesce(g, 0), i, img, cfg, CASE WHEN $13 = 'QUEUED' THEN now() END, rec, rt
         FROM unnest($1::int[], $2::int[], $3::int[], $4::int[], $5::int[], $6::float8[], $7::float8[], $8::float8[], $9::float8[], $10::jsonb[],
                     $11::text[], $12::jsonb[], $14::bigint[], $15::float8[], $16::text[])
           WITH ORDINALITY AS u(t, r, p, tmo, mt, c, m, di, dout, i, img, cfg, rec, g, rt, ord)
        ORDER BY ord
       RETURNING *),
       queued AS (INSERT INTO queue (${QUEUE_COLUMNS}) SELECT ${QUEUE_VALUES} FROM j WHERE j.status = 'QUEUED' ON CONFLICT (job_id) DO NOTHING)${also}
       SELECT * FROM j`),
      params,
    );
    // Ids come from one sequence in insertion order, so sorting restores the input order.
    return res.rows.sort((a, b) => Number(a.id) - Number(b.id));
  }

  // New single jobs (a run's, a Scale API request's) are inserted together with those asked for
  // while the statement before them runs: under load, one statement makes many jobs. The first is
  // not held back.
  const inserts = (() => {
    type Item = { row: JobRow; alongside?: Alongside; resolve: (row: any) => void; reject: (err: unknown) => void };
    let pending: Item[] = [];
    let draining = false;
    const MAX = 200;
    async function write(batch: Item[]): Promise<void> {
      try {
        const made = await insertJobRows(db, batch.map((b) => b.row), 'QUEUED', batch.map((b) => b.alongside));
        batch.forEach((b, i) => b.resolve(made[i]));
      } catch (err) {
        // A job's own data the database refused (text it cannot store): the batch again job by job,
        // so only that request fails. Anything else (a lost connection: the statement may have been
        // applied) is every request's answer, never tried again here.
        if (batch.length === 1 || !(err instanceof Invalid)) return batch.forEach((b) => b.reject(err));
        for (const b of batch) await write([b]);
      }
    }
    async function drain(): Promise<void> {
      draining = true;
      try {
        while (pending.length) {
          const batch = pending.slice(0, MAX);
          pending = pending.slice(MAX);
          await write(batch);
        }
      } finally {
        draining = false;
      }
    }
    return {
      add(row: JobRow, alongside?: Alongside): Promise<any> {
        return new Promise((resolve, reject) => {
          pending.push({ row, alongside, resolve, reject });
          if (!draining) void drain();
        });
      },
    };
  })();

  /** insertJobRows, answering the new jobs' ids in order. */
  async function insertJobs(tx: Queryable, rows: JobRow[], status: 'QUEUED' | 'PENDING' | 'BLOCKED' = 'QUEUED'): Promise<number[]> {
    return (await insertJobRows(tx, rows, status)).map((r) => r.id);
  }

  /** The row of a job whose input is not known yet: the job type's resources for no input. */
  function waitingRow(jobType: JobType, rev: Revision, opts: { priority?: number; configuration?: Record<string, any> } = {}): JobRow {
    const configuration = jobConfiguration(jobType, opts.configuration);
    const need = resources(jobType, rev, 0);
    return {
      jobTypeId: jobType.id, revId: rev.id, priority: opts.priority ?? configuration?.priority ?? jobType.priority, timeout: jobType.timeout,
      maxTries: Math.max(jobType.maxTries, 1), cpus: need.cpus, mem: need.mem, diskIn: 0, diskOut: need.diskOut, gpus: need.gpus, input: null,
      dockerImage: rev.dockerImage ?? jobType.dockerImage, runtime: runtimeOf(jobType, rev), configuration: configuration ? JSON.stringify(configuration) : null,
    };
  }

  /** Gives waiting (PENDING or BLOCKED) jobs their input and puts them on the queue; returns the ids moved. */
  async function queueWaiting(tx: Queryable, items: { jobId: number; row: JobRow }[]): Promise<number[]> {
    if (!items.length) return [];
    const col = <K extends keyof JobRow>(k: K) => items.map((x) => x.row[k]);
    const res = await tx.query<{ id: number }>(
      `UPDATE job SET status = 'QUEUED', input = u.i, priority = u.p, cpus_required = u.c, mem_required = u.m, disk_in_required = u.di,
              disk_out_required = u.dout, gpus_required = coalesce(u.g, 0), configuration = u.cfg, queued = now(), last_status_change = now(), last_modified = now()
         FROM unnest($1::bigint[], $2::jsonb[], $3::int[], $4::float8[], $5::float8[], $6::float8[], $7::float8[], $8::jsonb[], $9::float8[]) AS u(id, i, p, c, m, di, dout, cfg, g)
        WHERE job.id = u.id AND job.status IN ('PENDING', 'BLOCKED') AND job.num_exes = 0
       RETURNING job.id`,
      [items.map((x) => x.jobId), col('input'), col('priority'), col('cpus'), col('mem'), col('diskIn'), col('diskOut'), col('configuration'), col('gpus')],
    );
    const ids = res.rows.map((r) => r.id);
    await enqueue(tx, ids);
    return ids;
  }

  /** A job type that jobs are asked for by id: Invalid naming job_type_id when there is none. */
  async function jobTypeOf(jobTypeId: number): Promise<JobType> {
    return jobTypes.get(jobTypeId).catch((err) => {
      if (err instanceof NotFound) throw new Invalid('job_type_id', `job type ${jobTypeId} does not exist`);
      throw err;
    });
  }

  /** The interface new jobs of a job type are checked against (its current revision's): what a door decodes job data for. */
  async function interfaceOf(jobTypeId: number): Promise<JobInterface> {
    return (await jobTypes.currentRevision(await jobTypeOf(jobTypeId))).interface;
  }

  async function create(n: NewJob): Promise<Created> {
    const jobType = n.of?.jobType ?? (await jobTypeOf(n.jobTypeId));
    // Sent again under its Idempotency-Key, a request gets the job the first one made, unchecked
    // (its input files may be gone by now).
    const prior = n.idempotency ? await deps.idempotency.find(n.idempotency, 'job') : null;
    if (prior !== null) return { job: await get(prior), warnings: [], replayed: true };
    const rev = n.of?.rev ?? (await jobTypes.currentRevision(jobType));
    const known = n.workspaces?.length ? new Map(n.workspaces.map((w) => [w.id, w])) : null;
    const p = await prepare(n, jobType, rev, db, known ? {
      workspaces: (ids) => (ids.every((id) => known.has(id)) ? Promise.resolve(new Map(ids.map((id) => [id, known.get(id)!]))) : workspaces.getMany(ids)),
    } : undefined);
    if (!n.idempotency) {
      // One statement, the job as made (and what is recorded alongside it), shared with the jobs
      // made meanwhile: no transaction around it, no second read.
      const row = await inserts.add(p.row, n.alongside);
      events.emit('queued', 1, { newJobs: true });
      return { job: toJob(row), warnings: p.checked.warnings, replayed: false };
    }
    const { id, replayed } = await deps.idempotency.once(n.idempotency, 'job', async (tx) => (await insertJobRows(tx, [p.row], 'QUEUED', [n.alongside]))[0].id);
    if (!replayed) events.emit('queued', 1, { newJobs: true });
    return { job: await get(id), warnings: replayed ? [] : p.checked.warnings, replayed };
  }

  /** Creates many jobs of one job type in one transaction (batch submitters, benchmarks). */
  async function createMany(jobTypeId: number, datas: JobData[], priority?: number): Promise<number[]> {
    const jobType = await jobTypes.get(jobTypeId);
    const rev = await jobTypes.currentRevision(jobType);
    const rows: JobRow[] = [];
    for (const data of datas) rows.push((await prepare({ jobTypeId, data, priority }, jobType, rev)).row);
    const ids = await db.transaction((tx) => insertJobs(tx, rows));
    events.emit('queued', ids.length, { newJobs: true });
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
      if ((await cancelJobs(tx, [id])).length) return get(id, tx);
      const current = await get(id, tx);
      if (current.status === 'CANCELED') return current;
      throw new Invalid('status', `job ${id} is ${current.status} and cannot be canceled`);
    });
    events.emit('canceled', [id]);
    return job;
  }

  /** Cancels every job the selection names that can be canceled; returns their ids. */
  async function cancelMany(f: JobSelection): Promise<number[]> {
    const params: unknown[] = [];
    const clauses = selectionSql(f, params);
    const ids = await db.transaction(async (tx) => {
      const chosen = (await tx.query<{ id: number }>(`SELECT j.id FROM job j WHERE j.${SQL_CAN_BE_CANCELED} ${clauses.length ? `AND ${clauses.join(' AND ')}` : ''} ORDER BY j.id`, params)).rows.map((r) => r.id);
      return cancelJobs(tx, chosen);
    });
    if (ids.length) events.emit('canceled', ids);
    return ids;
  }

  /** A job of a run accepted before its inputs are staged: PENDING, without input, until supply() gives it. */
  async function createWaiting(tx: Queryable, jobType: JobType, rev: Revision): Promise<number> {
    if (!jobType.isActive) throw new Invalid('job_type_id', `job type ${jobType.name} ${jobType.version} is archived and takes no new jobs`);
    return (await insertJobs(tx, [waitingRow(jobType, rev)], 'PENDING'))[0];
  }

  /**
   * Gives a waiting job its input (checked as a new job's is) and queues it; `also` runs in the same
   * transaction. A job no longer waiting (canceled meanwhile) is left as it is.
   */
  async function supply(jobId: number, data: JobData, also?: (tx: Queryable) => Promise<void>): Promise<void> {
    const job = await get(jobId);
    const jobType = await jobTypes.get(job.jobTypeId);
    const rev = await jobTypes.revision(job.jobTypeRevId);
    const { row } = await prepare({ jobTypeId: jobType.id, data, priority: job.priority }, jobType, rev);
    const queued = await db.transaction(async (tx) => {
      const moved = await queueWaiting(tx, [{ jobId, row }]);
      await also?.(tx);
      return moved;
    });
    if (queued.length) events.emit('queued', queued.length);
  }

  /** Fails waiting jobs that will never get their input, with the named error; `also` runs in the same transaction. */
  async function failWaiting(jobIds: number[], errorName: string, also?: (tx: Queryable) => Promise<void>): Promise<number[]> {
    const error = await deps.errors.byName(errorName);
    const failed = await db.transaction(async (tx) => {
      const ids = await failWaitingJobs(tx, jobIds, error.id);
      await also?.(tx);
      return ids;
    });
    if (failed.length) events.emit('ended', failed);
    return failed;
  }

  /** Puts FAILED and CANCELED jobs back on the queue with more tries; returns the ids requeued. */
  async function requeue(f: RequeueFilter): Promise<number[]> {
    if (f.priority !== undefined && f.priority !== null && (!Number.isInteger(f.priority) || f.priority < 1)) throw new Invalid('priority', 'must be an integer >= 1');
    const params: unknown[] = [];
    const clauses = selectionSql(f, params);
    params.push(f.priority ?? null);
    const priorityParam = `$${params.length}`;
    const ids = await db.transaction(async (tx) => {
      // A recipe job canceled before it ever had input goes back to PENDING (Scale's uncancel);
      // the recipe engine queues it when its parents are done. A service's job (a Strike's, a
      // Scan's) goes back to PENDING too, never to the queue: its service runs it again (a Strike
      // restarts, a Scan sweeps again; src/core/ingest/ingest-jobs.ts).
      const res = await tx.query<{ id: number; status: string }>(
        `WITH sel AS (
           SELECT j.id FROM job j
            WHERE j.${SQL_CAN_BE_REQUEUED} ${clauses.length ? `AND ${clauses.join(' AND ')}` : ''}
            ORDER BY j.id
            FOR UPDATE)
         UPDATE job j SET status = CASE WHEN j.input IS NULL OR jt.is_service THEN 'PENDING' ELSE 'QUEUED' END, error_id = NULL, ended = NULL,
                queued = CASE WHEN j.input IS NULL OR jt.is_service THEN NULL ELSE now() END,
                max_tries = j.num_exes + greatest(jt.max_tries, 1), priority = coalesce(${priorityParam}::int, j.priority),
                last_status_change = now(), last_modified = now()
           FROM job_type jt
          WHERE jt.id = j.job_type_id AND j.id IN (SELECT id FROM sel)
         RETURNING j.id, j.status`,
        params,
      );
      await enqueue(tx, res.rows.filter((r) => r.status === 'QUEUED').map((r) => r.id));
      return res.rows.map((r) => r.id);
    });
    if (ids.length) events.emit('queued', ids.length);
    return ids;
  }

  return { interfaceOf, create, createMany, prepare, insertJobs, waitingRow, queueWaiting, createWaiting, supply, failWaiting, get, executions, cancel, cancelMany, requeue };
}
