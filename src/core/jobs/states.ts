// Scale's job state machine (job/models.py Job.can_be_*): the guards every transition checks.
// The SQL that moves jobs repeats these conditions in its WHERE clauses so a race cannot break them;
// these functions are the single readable statement of the rules, and the tests hold both to them.
import type { JobStatus } from './model.ts';

export interface JobState {
  status: JobStatus;
  numExes: number;
  hasInput: boolean;
}

const hasBeenQueued = (j: JobState) => j.numExes > 0 || j.status === 'QUEUED' || j.status === 'RUNNING';

export const canBePending = (j: JobState) => j.status !== 'PENDING' && !hasBeenQueued(j);
export const canBeBlocked = (j: JobState) => j.status !== 'BLOCKED' && !hasBeenQueued(j);
/** First queueing: from PENDING or BLOCKED, with input, never executed. */
export const canBeQueued = (j: JobState) => (j.status === 'PENDING' || j.status === 'BLOCKED') && j.hasInput && j.numExes === 0;
/** Requeue (POST /queue/requeue-jobs/) takes jobs that ended without success and have their input. */
export const canBeRequeued = (j: JobState) => (j.status === 'FAILED' || j.status === 'CANCELED') && j.hasInput;
export const canBeRunning = (j: JobState) => j.status === 'QUEUED';
/** QUEUED is allowed too: the RUNNING update may arrive after the end (Scale does the same). */
export const canBeCompleted = (j: JobState) => j.status === 'QUEUED' || j.status === 'RUNNING';
export const canBeFailed = canBeCompleted;
export const canBeCanceled = (j: JobState) => j.status !== 'CANCELED' && j.status !== 'COMPLETED';
export const canBeUncanceled = (j: JobState) => j.status === 'CANCELED' && j.numExes === 0;

/** SQL fragments with the same meaning, for WHERE clauses on the job table. */
export const SQL_CAN_BE_CANCELED = `status NOT IN ('CANCELED', 'COMPLETED')`;
export const SQL_CAN_BE_REQUEUED = `status IN ('FAILED', 'CANCELED')`;
