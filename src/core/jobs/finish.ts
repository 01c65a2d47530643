// Ending executions: one transaction writes a whole batch of outcomes (executions, products, jobs,
// retries), so completion costs a handful of statements however many jobs end at once.
// An execution that is no longer RUNNING (already declared lost, or ended by another process) is
// left alone: an outcome is applied at most once.
import type { Db, Queryable } from '../../store/db.ts';
import type { ErrorService } from '../errors/service.ts';
import type { FileService, NewProduct } from '../files/service.ts';
import type { ExeStatus } from './model.ts';

export interface Outcome {
  exeId: number;
  jobId: number;
  exeNum: number;
  status: Exclude<ExeStatus, 'RUNNING'>;
  /** The error of a FAILED execution (a builtin or mapped error name). */
  errorName?: string;
  exitCode?: number | null;
  commandArguments?: string | null;
  jobStarted?: Date | null;
  jobCompleted?: Date | null;
  /** Output files already stored in their workspaces (COMPLETED only). */
  products?: (NewProduct & { kind: 'file' | 'files' })[];
  resultsManifest?: unknown;
  logPath?: string | null;
}

export interface Applied {
  exeId: number;
  jobId: number;
  exeStatus: ExeStatus;
  jobStatus: string | null;
  retried: boolean;
}

export type Finisher = ReturnType<typeof createFinisher>;

export function createFinisher({ db, errors, files }: { db: Db; errors: ErrorService; files: FileService }) {
  async function apply(outcomes: Outcome[]): Promise<Applied[]> {
    if (!outcomes.length) return [];
    const errorByName = new Map<string, { id: number; retry: boolean }>();
    for (const o of outcomes) {
      if (o.status === 'FAILED') {
        const name = o.errorName ?? 'unknown';
        if (!errorByName.has(name)) {
          const e = await errors.byName(name).catch(() => errors.byName('unknown'));
          errorByName.set(name, { id: e.id, retry: e.shouldBeRetried });
        }
      }
    }
    return db.transaction((tx) => applyIn(tx, outcomes, errorByName));
  }

  async function applyIn(tx: Queryable, outcomes: Outcome[], errorByName: Map<string, { id: number; retry: boolean }>): Promise<Applied[]> {
    // Lock the jobs first, then claim the executions: only those still RUNNING are ours to end.
    const jobRows = await tx.query(
      `SELECT id, status, num_exes, max_tries FROM job WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`,
      [outcomes.map((o) => o.jobId)],
    );
    const jobs = new Map(jobRows.rows.map((r) => [r.id, r]));
    const live = await tx.query<{ id: number }>(
      `SELECT id FROM job_exe WHERE id = ANY($1::bigint[]) AND status = 'RUNNING' FOR UPDATE`,
      [outcomes.map((o) => o.exeId)],
    );
    const liveIds = new Set(live.rows.map((r) => r.id));
    const todo = outcomes.filter((o) => liveIds.has(o.exeId));
    if (!todo.length) return [];

    // Products of completed executions, then the results JSON that points at them.
    const productRows = todo.flatMap((o) => (o.status === 'COMPLETED' ? (o.products ?? []) : []));
    const productIds = await files.insertProducts(tx, productRows);
    const idOf = new Map(productRows.map((p, i) => [p, productIds[i]]));

    const applied: Applied[] = [];
    const exeUpdates: { o: Outcome; status: ExeStatus; errorId: number | null; results: unknown }[] = [];
    const jobUpdates: { id: number; status: string; errorId: number | null; output: unknown; ended: boolean }[] = [];
    const retries: number[] = [];
    for (const o of todo) {
      const job = jobs.get(o.jobId);
      const current = job && job.num_exes === o.exeNum && (job.status === 'RUNNING' || job.status === 'QUEUED');
      let exeStatus: ExeStatus = o.status;
      // A job canceled while running ends its execution as CANCELED, whatever the command did.
      if (job?.status === 'CANCELED') exeStatus = 'CANCELED';
      const err = exeStatus === 'FAILED' ? errorByName.get(o.errorName ?? 'unknown')! : null;
      let results: unknown = null;
      if (exeStatus === 'COMPLETED') {
        const byOutput = new Map<string, { kind: string; ids: number[] }>();
        for (const p of o.products ?? []) {
          const entry = byOutput.get(p.jobOutput) ?? { kind: p.kind, ids: [] };
          entry.ids.push(idOf.get(p)!);
          byOutput.set(p.jobOutput, entry);
        }
        results = {
          version: '1.0',
          output_data: [...byOutput].map(([name, e]) => (e.kind === 'files' ? { name, file_ids: e.ids } : { name, file_id: e.ids[0] })),
        };
      }
      exeUpdates.push({ o, status: exeStatus, errorId: err?.id ?? null, results });
      let jobStatus: string | null = null;
      let retried = false;
      if (current) {
        if (exeStatus === 'COMPLETED') jobStatus = 'COMPLETED';
        else if (exeStatus === 'FAILED') {
          retried = err!.retry && job.num_exes < job.max_tries;
          jobStatus = retried ? 'QUEUED' : 'FAILED';
        }
        if (jobStatus) {
          jobUpdates.push({ id: o.jobId, status: jobStatus, errorId: err?.id ?? null, output: results, ended: jobStatus !== 'QUEUED' });
          if (retried) retries.push(o.jobId);
        }
      }
      applied.push({ exeId: o.exeId, jobId: o.jobId, exeStatus, jobStatus, retried });
    }

    const col = <T>(f: (u: (typeof exeUpdates)[number]) => T) => exeUpdates.map(f);
    await tx.query(
      `UPDATE job_exe x SET status = u.status, error_id = u.error_id, exit_code = u.exit_code, job_exit_code = u.exit_code,
              command_arguments = coalesce(u.args, x.command_arguments), job_started = u.js, job_completed = u.jc,
              results = u.results, results_manifest = u.manifest, log_path = coalesce(u.log, x.log_path),
              ended = now(), last_modified = now()
         FROM unnest($1::bigint[], $2::text[], $3::int[], $4::int[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::jsonb[], $9::jsonb[], $10::text[])
           AS u(id, status, error_id, exit_code, args, js, jc, results, manifest, log)
        WHERE x.id = u.id`,
      [
        col((u) => u.o.exeId), col((u) => u.status), col((u) => u.errorId), col((u) => u.o.exitCode ?? null), col((u) => u.o.commandArguments ?? null),
        col((u) => u.o.jobStarted ?? null), col((u) => u.o.jobCompleted ?? null), col((u) => (u.results === null ? null : JSON.stringify(u.results))),
        col((u) => (u.o.resultsManifest == null ? null : JSON.stringify(u.o.resultsManifest))), col((u) => u.o.logPath ?? null),
      ],
    );
    if (jobUpdates.length) {
      await tx.query(
        `UPDATE job j SET status = u.status, error_id = u.error_id, output = coalesce(u.output, j.output),
                ended = CASE WHEN u.ended THEN now() ELSE NULL END,
                queued = CASE WHEN u.status = 'QUEUED' THEN now() ELSE j.queued END,
                last_status_change = now(), last_modified = now()
           FROM unnest($1::bigint[], $2::text[], $3::int[], $4::jsonb[], $5::boolean[]) AS u(id, status, error_id, output, ended)
          WHERE j.id = u.id`,
        [
          jobUpdates.map((u) => u.id), jobUpdates.map((u) => u.status), jobUpdates.map((u) => u.errorId),
          jobUpdates.map((u) => (u.output === null ? null : JSON.stringify(u.output))), jobUpdates.map((u) => u.ended),
        ],
      );
    }
    if (retries.length) {
      await tx.query(
        `INSERT INTO queue (job_id, job_type_id, exe_num, priority, queued, cpus, mem, disk_in, disk_out, timeout)
         SELECT id, job_type_id, num_exes + 1, priority, queued, cpus_required, mem_required, disk_in_required, disk_out_required, timeout
           FROM job WHERE id = ANY($1::bigint[])
         ON CONFLICT (job_id) DO NOTHING`,
        [retries],
      );
    }
    return applied;
  }

  return { apply };
}
