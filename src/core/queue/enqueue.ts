// The queue row of a job, built from the job's own columns. Every path that puts a job on the
// queue (creation, retry after a failure, requeue) inserts through these two fragments.
import type { Queryable } from '../../store/db.ts';

export const QUEUE_COLUMNS = 'job_id, job_type_id, exe_num, priority, queued, cpus, mem, disk_in, disk_out, gpus, timeout, runtime';

/** The values of QUEUE_COLUMNS from a row (or RETURNING list) that has the job's columns. */
export const QUEUE_VALUES = 'id, job_type_id, num_exes + 1, priority, queued, cpus_required, mem_required, disk_in_required, disk_out_required, gpus_required, timeout, runtime';

/** Puts the given jobs on the queue (a job already on it stays as it is). */
export async function enqueue(tx: Queryable, jobIds: number[]): Promise<void> {
  if (!jobIds.length) return;
  await tx.query(`INSERT INTO queue (${QUEUE_COLUMNS}) SELECT ${QUEUE_VALUES} FROM job WHERE id = ANY($1::bigint[]) ON CONFLICT (job_id) DO NOTHING`, [jobIds]);
}
