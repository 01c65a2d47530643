// The jobs Strikes and Scans show, as Scale shows them: one of the system job type scale-strike per
// Strike run (RUNNING while the Strike's monitor runs), one of scale-scan per Scan sweep (its dry
// runs too). Scale ran these as jobs on its nodes; here the server's ingest service does the work
// itself, so the jobs are a record of that work with the job model's status, times and logs.
//
// How they stay out of the scheduler's way: a job is made RUNNING at once, with its execution (no
// node), and never gets a queue row; the queue only ever holds QUEUED jobs, so the node scheduler
// never sees these. Their job types are marked is_service: the jobs service refuses to make jobs
// of them and a requeue hands them back here as PENDING (never QUEUED), where the Strike or Scan
// service runs them again. Nothing else moves them: no runner holds their execution and no node
// owns it, so lost-node recovery passes them by. This module is the one place their state is written
// (besides the jobs API's cancel, which goes through cancelJobs and which the Strike service
// notices on its next sweep). No CoreEvents are sent: no runner, recipe or run waits on them.
//
// Logs: each execution has a log file (the execution log format of src/executors/log-writer.mjs:
// `<o|e> <ISO time> <text>` per line) under the ingest log directory, so /job-executions/{id}/logs/
// shows what the Strike or Scan did. A Strike swept by a server on another machine writes its lines
// there, in that machine's directory.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Db, Queryable } from '../../store/db.ts';
import { Conflict } from '../../errors.ts';
import { BUILTIN } from '../errors/model.ts';
import type { ErrorService } from '../errors/service.ts';
import type { JobType, JobTypeInput, JobTypeService } from '../job-types/service.ts';
import { storedJobData } from '../jobs/job-data.ts';
import { EXE, JOB, type ExeStatus } from '../jobs/model.ts';
import { cancelJobs } from '../jobs/transitions.ts';

export type IngestJobKind = 'strike' | 'scan';

/** Scale's own fixtures (ingest/fixtures/ingest_job_types.json, 6.0.0); the command is a label only. */
const TYPES: Record<IngestJobKind, JobTypeInput & { name: string; version: string }> = {
  strike: {
    name: 'scale-strike', version: '1.0', title: 'Scale Strike', description: 'Monitors a directory for incoming source files to ingest', category: 'system',
    is_long_running: true, icon_code: 'f0e7', priority: 5, timeout: 0, max_tries: 0, cpus_required: 1, mem_required: 1024,
    interface: { version: '1.0', command: 'scale_strike', command_arguments: '${-i :Strike ID}', input_data: [{ name: 'Strike ID', type: 'property' }] },
  },
  scan: {
    name: 'scale-scan', version: '1.0', title: 'Scale Scan', description: 'Scans a workspace for existing files to ingest', category: 'system',
    is_long_running: false, icon_code: 'f02a', priority: 5, timeout: 0, max_tries: 0, cpus_required: 1, mem_required: 1024,
    interface: {
      version: '1.0', command: 'scale_scan', command_arguments: '${-i :Scan ID} ${-d :Dry Run}',
      input_data: [{ name: 'Scan ID', type: 'property' }, { name: 'Dry Run', type: 'property' }],
    },
  },
};

export type IngestJobs = ReturnType<typeof createIngestJobs>;

/** Why a job failed, and the error it fails with. */
export interface Failure {
  failed: string;
  errorId: number;
}

/** What a batch did, as log lines: one per file, then the counts. */
export function batchLines(r: { ingested: number; deferred: number; duplicates: number; errored: number; plan: { file: string; status: string; workspace: string | null; path: string | null }[] }, dryRun = false): string[] {
  const line = (p: (typeof r.plan)[number]) =>
    p.status === 'INGESTED' ? `${p.file}: ${dryRun ? 'would go' : 'goes'} to ${p.workspace}:${p.path}` : `${p.file}: ${dryRun ? 'would be ' : ''}${p.status}`;
  return [
    ...r.plan.map(line),
    `${r.plan.length} file(s): ${r.ingested} ingested, ${r.deferred} deferred, ${r.duplicates} duplicate(s), ${r.errored} errored${dryRun ? ' (dry run: nothing was changed)' : ''}`,
  ];
}

export function createIngestJobs(deps: { db: Db; jobTypes: JobTypeService; errors: ErrorService; logDir: string | null }) {
  const { db, jobTypes } = deps;
  const made = new Map<IngestJobKind, JobType>();

  /** The job type, if it was made already (nothing to look after otherwise). */
  async function existing(kind: IngestJobKind): Promise<JobType | null> {
    const cached = made.get(kind);
    if (cached) return cached;
    const t = await jobTypes.byNameVersion(TYPES[kind].name, TYPES[kind].version);
    if (t?.isService) made.set(kind, t);
    return t?.isService ? t : null;
  }

  /** The job type, made the first time a Strike or Scan needs it (so a server without either lists no such type). */
  async function jobType(kind: IngestJobKind): Promise<JobType> {
    const known = await existing(kind);
    if (known) return known;
    let t = await jobTypes.byNameVersion(TYPES[kind].name, TYPES[kind].version);
    if (!t) {
      try {
        t = (await jobTypes.create(TYPES[kind], { isSystem: true })).jobType;
      } catch (err) {
        // Another server process made it first.
        if (!(err instanceof Conflict)) throw err;
        t = await jobTypes.byNameVersion(TYPES[kind].name, TYPES[kind].version);
        if (!t) throw err;
      }
    }
    // A service's job type, and not an OGC process: a tool of the server's.
    await db.query(`UPDATE job_type SET is_service = true, visibility = 'private' WHERE id = $1 AND NOT is_service`, [t.id]);
    const ready = { ...t, isService: true, visibility: 'private' as const };
    made.set(kind, ready);
    return ready;
  }

  const logPathOf = (exeId: number) => (deps.logDir ? path.join(deps.logDir, `${exeId}.log`) : null);

  /** A new execution of a job that is RUNNING now (its exe_num is the job's num_exes). */
  async function newExecution(tx: Queryable, jobId: number, commandArguments: string): Promise<number> {
    const res = await tx.query<{ id: number }>(
      `INSERT INTO job_exe (job_id, exe_num, job_type_id, status, cluster_id, command_arguments, timeout, cpus_scheduled, mem_scheduled,
                            disk_in_scheduled, disk_out_scheduled, disk_total_scheduled, queued, started, job_started)
       SELECT j.id, j.num_exes, j.job_type_id, $2, 'scale_' || j.id || '_' || j.num_exes, $3, j.timeout, 0, 0, 0, 0, 0, now(), now(), now()
         FROM job j WHERE j.id = $1 RETURNING id`,
      [jobId, EXE.RUNNING, commandArguments],
    );
    const exeId = Number(res.rows[0].id);
    const logPath = logPathOf(exeId);
    if (logPath) await tx.query('UPDATE job_exe SET log_path = $2 WHERE id = $1', [exeId, logPath]);
    return exeId;
  }

  /** Ends the job's open executions (one at most) as `status`. */
  async function closeExecutions(tx: Queryable, jobId: number, status: Exclude<ExeStatus, 'RUNNING'>, errorId: number | null = null, message: string | null = null): Promise<void> {
    await tx.query(
      `UPDATE job_exe SET status = $2, ended = now(), job_completed = now(), error_id = $3, error_message = $4, last_modified = now()
        WHERE job_id = $1 AND status = $5`,
      [jobId, status, errorId, message, EXE.RUNNING],
    );
  }

  return {
    existing,
    jobType,

    /**
     * A new job of the type, RUNNING with its first execution, in the caller's transaction. It needs
     * no node (no resources), has no timeout and is never queued; `inputs` are its property inputs.
     */
    async start(tx: Queryable, type: JobType, inputs: Record<string, string>, commandArguments: string): Promise<{ jobId: number; exeId: number }> {
      const data = { inputs: new Map(Object.entries(inputs).map(([k, v]) => [k, { kind: 'property' as const, value: v }])), outputs: new Map() };
      const res = await tx.query<{ id: number }>(
        `INSERT INTO job (job_type_id, job_type_rev_id, status, priority, num_exes, timeout, max_tries, cpus_required, mem_required,
                          input, started, last_status_change)
         SELECT t.id, r.id, $2, t.priority, 1, t.timeout, t.max_tries, 0, 0, $3, now(), now()
           FROM job_type t JOIN job_type_revision r ON r.job_type_id = t.id AND r.revision_num = t.revision_num
          WHERE t.id = $1 RETURNING id`,
        [type.id, JOB.RUNNING, JSON.stringify(storedJobData(data))],
      );
      const jobId = Number(res.rows[0].id);
      return { jobId, exeId: await newExecution(tx, jobId, commandArguments) };
    },

    /** A requeued job (PENDING) runs again: RUNNING with a new execution; null when it is not PENDING (any more). */
    async resume(tx: Queryable, jobId: number, commandArguments: string): Promise<number | null> {
      const res = await tx.query(
        `UPDATE job SET status = $2, num_exes = num_exes + 1, started = now(), ended = NULL, error_id = NULL, error_message = NULL,
                last_status_change = now(), last_modified = now()
          WHERE id = $1 AND status = $3 RETURNING id`,
        [jobId, JOB.RUNNING, JOB.PENDING],
      );
      if (!res.rows.length) return null;
      // An execution left open by a cancel made through the jobs API ends with the cancel.
      await closeExecutions(tx, jobId, EXE.CANCELED);
      return newExecution(tx, jobId, commandArguments);
    },

    /** A failure to finish a job with: why, and Scale's error for it (read before the transaction finish runs in). */
    async failure(why: string): Promise<Failure> {
      return { failed: why, errorId: (await deps.errors.byName(BUILTIN.unknown)).id };
    },

    /** The job is done: COMPLETED, or FAILED with why (a RUNNING job only: a cancel meanwhile stands). */
    async finish(tx: Queryable, jobId: number, outcome: Failure | null): Promise<void> {
      const errorId = outcome?.errorId ?? null;
      const status = outcome ? JOB.FAILED : JOB.COMPLETED;
      const res = await tx.query(
        `UPDATE job SET status = $2, ended = now(), error_id = $3, error_message = $4, last_status_change = now(), last_modified = now()
          WHERE id = $1 AND status = $5 RETURNING id`,
        [jobId, status, errorId, outcome?.failed ?? null, JOB.RUNNING],
      );
      // Not RUNNING any more: it was canceled meanwhile (the jobs API), and its execution ends so too.
      if (res.rows.length) await closeExecutions(tx, jobId, outcome ? EXE.FAILED : EXE.COMPLETED, errorId, outcome?.failed ?? null);
      else await closeExecutions(tx, jobId, EXE.CANCELED);
    },

    /** The job is stopped (the Strike was): CANCELED as any cancel is, its execution with it. */
    async stop(tx: Queryable, jobId: number): Promise<void> {
      await cancelJobs(tx, [jobId], 'unfinished');
      await closeExecutions(tx, jobId, EXE.CANCELED);
    },

    /** The job was ended elsewhere (a cancel through the jobs API): its open execution ends too. */
    closeExecutions,

    /** A job still RUNNING shows its work is alive (see staleScanJobs). */
    async heartbeat(jobId: number): Promise<void> {
      await db.query('UPDATE job_exe SET last_modified = now() WHERE job_id = $1 AND status = $2', [jobId, EXE.RUNNING]).catch(() => {});
    },

    /** Jobs of the type in `status` (RUNNING ones only when their execution has been silent for `silentSeconds`). */
    async jobsOf(type: JobType, status: 'PENDING' | 'RUNNING', silentSeconds = 0): Promise<{ id: number; input: any }[]> {
      const res = await db.query(
        `SELECT j.id, j.input FROM job j
          WHERE j.job_type_id = $1 AND j.status = $2
            AND ($3::int = 0 OR NOT EXISTS (SELECT 1 FROM job_exe x WHERE x.job_id = j.id AND x.status = $4 AND x.last_modified > now() - make_interval(secs => $3)))
          ORDER BY j.id`,
        [type.id, status, silentSeconds, EXE.RUNNING],
      );
      return res.rows.map((r) => ({ id: Number(r.id), input: r.input }));
    },

    /** Appends lines to the log of the job's latest execution (never fails the work it reports on). */
    async log(jobId: number | null, stream: 'stdout' | 'stderr', text: string | string[]): Promise<void> {
      if (!deps.logDir || jobId === null) return;
      try {
        const res = await db.query<{ log_path: string | null }>('SELECT log_path FROM job_exe WHERE job_id = $1 ORDER BY exe_num DESC LIMIT 1', [jobId]);
        const file = res.rows[0]?.log_path;
        if (!file) return;
        const now = new Date().toISOString();
        const mark = stream === 'stdout' ? 'o' : 'e';
        const lines = (Array.isArray(text) ? text : [text]).flatMap((t) => t.split('\n'));
        await fs.mkdir(path.dirname(file), { recursive: true });
        await fs.appendFile(file, lines.map((l) => `${mark} ${now} ${l}\n`).join(''));
      } catch {
        // A full disk or an unwritable directory loses log lines, never ingests.
      }
    },
  };
}
