// Job state changes that several services make, each written once: cancel (a job, a selection, a
// recipe's jobs, an undeployed process's jobs), fail a job that never ran (a recipe job that cannot be
// given its input, a run whose inputs could not be fetched), and block / unblock a recipe job below
// a failure. The others have one owner already: queueing (jobs/service.ts insertJobs, queueWaiting,
// requeue), starting (queue/service.ts claim), finishing and failing as lost (jobs/finish.ts).
// Every function runs inside the caller's transaction and returns the ids it moved; the caller tells
// CoreEvents once the transaction has committed. The guards are those of states.ts.
import type { Queryable } from '../../store/db.ts';
import type { JobStatus } from './model.ts';
import { SQL_CAN_BE_CANCELED } from './states.ts';

/**
 * Which jobs a cancel takes:
 * - cancelable: any not yet COMPLETED (Scale's cancel, which also cancels a FAILED job);
 * - unfinished: those that have not ended (a recipe's jobs);
 * - unstarted: those that never started running (the jobs of an undeployed process).
 */
export type CancelScope = 'cancelable' | 'unfinished' | 'unstarted';

const UNFINISHED: JobStatus[] = ['PENDING', 'BLOCKED', 'QUEUED', 'RUNNING'];
const UNSTARTED: JobStatus[] = ['PENDING', 'BLOCKED', 'QUEUED'];

const SCOPES: Record<CancelScope, string> = {
  cancelable: SQL_CAN_BE_CANCELED,
  unfinished: `status IN (${UNFINISHED.map((s) => `'${s}'`).join(', ')})`,
  unstarted: `status IN (${UNSTARTED.map((s) => `'${s}'`).join(', ')})`,
};

/**
 * Cancels these jobs as far as the scope allows; returns the ids canceled. Queue rows go first: a
 * claim holds them locked, so this waits for the claim (and then cancels a RUNNING job, which its
 * runner kills) or takes the row before the claim can (see queue.claim). Jobs are locked in id order,
 * as the recipe engine and reprocessing lock them.
 */
export async function cancelJobs(tx: Queryable, jobIds: number[], scope: CancelScope = 'cancelable'): Promise<number[]> {
  if (!jobIds.length) return [];
  await tx.query('DELETE FROM queue WHERE job_id = ANY($1::bigint[])', [jobIds]);
  if (jobIds.length > 1) await tx.query('SELECT id FROM job WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE', [jobIds]);
  const res = await tx.query<{ id: number }>(
    `UPDATE job SET status = 'CANCELED', ended = coalesce(ended, now()), last_status_change = now(), last_modified = now()
      WHERE id = ANY($1::bigint[]) AND ${SCOPES[scope]} RETURNING id`,
    [jobIds],
  );
  return res.rows.map((r) => r.id).sort((a, b) => a - b);
}

/** Fails jobs that never ran and wait for their input (PENDING or BLOCKED) with the given error; returns the ids failed. */
export async function failWaitingJobs(tx: Queryable, jobIds: number[], errorId: number): Promise<number[]> {
  if (!jobIds.length) return [];
  const res = await tx.query<{ id: number }>(
    `UPDATE job SET status = 'FAILED', error_id = $2, ended = now(), last_status_change = now(), last_modified = now()
      WHERE id = ANY($1::bigint[]) AND status IN ('PENDING', 'BLOCKED') AND num_exes = 0 RETURNING id`,
    [jobIds, errorId],
  );
  return res.rows.map((r) => r.id);
}

/** A recipe job below a failure waits BLOCKED; it is PENDING again once the failure is requeued. */
export async function blockJobs(tx: Queryable, jobIds: number[]): Promise<void> {
  if (jobIds.length) await tx.query(`UPDATE job SET status = 'BLOCKED', last_status_change = now(), last_modified = now() WHERE id = ANY($1::bigint[]) AND status = 'PENDING'`, [jobIds]);
}

export async function unblockJobs(tx: Queryable, jobIds: number[]): Promise<void> {
  if (jobIds.length) await tx.query(`UPDATE job SET status = 'PENDING', last_status_change = now(), last_modified = now() WHERE id = ANY($1::bigint[]) AND status = 'BLOCKED'`, [jobIds]);
}
