import type { Row } from '../../store/db.ts';
import type { Runtime } from '../../scheduler/placement.ts';

// The job and execution states (Scale's), defined once: every other module names them through
// these constants (JOB.QUEUED), so a state is spelled in one place.
export const JOB_STATUSES = ['PENDING', 'BLOCKED', 'QUEUED', 'RUNNING', 'FAILED', 'COMPLETED', 'CANCELED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const JOB = Object.fromEntries(JOB_STATUSES.map((s) => [s, s])) as { readonly [S in JobStatus]: S };
/** States a job does not leave but by a requeue. */
export const FINAL_STATUSES: readonly JobStatus[] = [JOB.FAILED, JOB.COMPLETED, JOB.CANCELED];

export const EXE_STATUSES = ['RUNNING', 'FAILED', 'COMPLETED', 'CANCELED'] as const;
export type ExeStatus = (typeof EXE_STATUSES)[number];
export const EXE = Object.fromEntries(EXE_STATUSES.map((s) => [s, s])) as { readonly [S in ExeStatus]: S };

export interface Job {
  id: number;
  jobTypeId: number;
  jobTypeRevId: number;
  eventId: number | null;
  status: JobStatus;
  errorId: number | null;
  /** Its latest failed execution's words for why (see JobExecution.errorMessage); null once it completes. */
  errorMessage: string | null;
  priority: number;
  numExes: number;
  timeout: number;
  maxTries: number;
  cpusRequired: number;
  memRequired: number;
  diskInRequired: number;
  diskOutRequired: number;
  input: any;
  output: any;
  dockerImage: string | null;
  configuration: Record<string, any> | null;
  runtime: Runtime;
  /** The recipe the job was made for, if any. */
  recipeId: number | null;
  /** The batch its recipe belongs to, if any. */
  batchId: number | null;
  /** A reprocess ran its recipe node again: `supersededJobId` of the new job names this one. */
  isSuperseded: boolean;
  superseded: Date | null;
  /** The job this one replaced, and the first job of that chain. */
  supersededJobId: number | null;
  rootSupersededJobId: number | null;
  created: Date;
  queued: Date | null;
  started: Date | null;
  ended: Date | null;
  lastStatusChange: Date;
  lastModified: Date;
}

/** The times of a job. */
type JobTime = 'superseded' | 'created' | 'queued' | 'started' | 'ended' | 'lastStatusChange' | 'lastModified';

/**
 * A job as lists show it: without its data (input, output, configuration, runtime, image). Its
 * times may be text already as the API writes them (RFC 3339, UTC, milliseconds: a list reads them
 * so); a Job is a JobSummary too.
 */
export type JobSummary = Omit<Job, 'input' | 'output' | 'dockerImage' | 'configuration' | 'runtime' | JobTime> & { [K in JobTime]: Job[K] | (null extends Job[K] ? string | null : string) };

export interface JobExecution {
  id: number;
  jobId: number;
  exeNum: number;
  jobTypeId: number;
  nodeId: number | null;
  status: ExeStatus;
  clusterId: string | null;
  commandArguments: string | null;
  timeout: number;
  cpusScheduled: number;
  memScheduled: number;
  diskInScheduled: number;
  diskOutScheduled: number;
  diskTotalScheduled: number;
  environment: any;
  errorId: number | null;
  /** Why it failed, in the algorithm's or the engine's words (null when it did not fail or cannot say). */
  errorMessage: string | null;
  exitCode: number | null;
  preStarted: Date | null;
  preCompleted: Date | null;
  preExitCode: number | null;
  jobStarted: Date | null;
  jobCompleted: Date | null;
  jobExitCode: number | null;
  postStarted: Date | null;
  postCompleted: Date | null;
  postExitCode: number | null;
  results: any;
  resultsManifest: any;
  logPath: string | null;
  created: Date;
  queued: Date | null;
  started: Date | null;
  ended: Date | null;
  lastModified: Date;
}

export function toJob(r: Row): Job {
  return {
    id: r.id, jobTypeId: r.job_type_id, jobTypeRevId: r.job_type_rev_id, eventId: r.event_id, status: r.status, errorId: r.error_id, errorMessage: r.error_message ?? null,
    priority: r.priority, numExes: r.num_exes, timeout: r.timeout, maxTries: r.max_tries, cpusRequired: r.cpus_required,
    memRequired: r.mem_required, diskInRequired: r.disk_in_required, diskOutRequired: r.disk_out_required, input: r.input,
    output: r.output, dockerImage: r.docker_image, configuration: r.configuration, runtime: r.runtime, recipeId: r.recipe_id ?? null,
    batchId: r.batch_id ?? null, isSuperseded: r.is_superseded ?? false, superseded: r.superseded ?? null, supersededJobId: r.superseded_job_id ?? null,
    rootSupersededJobId: r.root_superseded_job_id ?? null, created: r.created, queued: r.queued, started: r.started, ended: r.ended,
    lastStatusChange: r.last_status_change, lastModified: r.last_modified,
  };
}

/**
 * SQL: a timestamp as UTC wall time, which PostgreSQL's JSON writes as ISO 8601 text
 * ("2026-12-07T23:29:26.695341"); apiTime makes that the API's text. Far cheaper for the database
 * than to_char, and for this process than a Date made and formatted.
 */
export const utcJson = (column: string) => `(${column} AT TIME ZONE 'UTC')`;

const UTC_TEXT = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?$/;

/**
 * A time as utcJson's JSON writes it → RFC 3339 in UTC with milliseconds, as Date.toISOString and
 * to_char(…, 'MS') write it (microseconds cut off, not rounded).
 */
export function apiTime(text: string | null): string | null {
  if (text === null) return null;
  // Microseconds written out in full: most times.
  if (text.length === 26 && text.charCodeAt(4) === 45) return `${text.slice(0, 23)}Z`;
  const m = UTC_TEXT.exec(text);
  if (!m) return new Date(`${text}Z`).toISOString();
  return `${m[1]}.${m[2] === undefined ? '000' : `${m[2]}00`.slice(0, 3)}Z`;
}

/** A summary row: the JSON array listJobSummaries reads (its columns in that order, the times as utcJson writes them). */
export function toJobSummary(r: any[]): JobSummary {
  return {
    id: r[0], jobTypeId: r[1], jobTypeRevId: r[2], eventId: r[3], status: r[4], errorId: r[5], errorMessage: r[6],
    priority: r[7], numExes: r[8], timeout: r[9], maxTries: r[10], cpusRequired: r[11], memRequired: r[12], diskInRequired: r[13], diskOutRequired: r[14],
    recipeId: r[15], batchId: r[16], isSuperseded: r[17] ?? false, supersededJobId: r[18], rootSupersededJobId: r[19],
    superseded: apiTime(r[20]), created: apiTime(r[21])!, queued: apiTime(r[22]), started: apiTime(r[23]), ended: apiTime(r[24]),
    lastStatusChange: apiTime(r[25])!, lastModified: apiTime(r[26])!,
  };
}

export function toExecution(r: Row): JobExecution {
  return {
    id: r.id, jobId: r.job_id, exeNum: r.exe_num, jobTypeId: r.job_type_id, nodeId: r.node_id, status: r.status,
    clusterId: r.cluster_id, commandArguments: r.command_arguments, timeout: r.timeout, cpusScheduled: r.cpus_scheduled,
    memScheduled: r.mem_scheduled, diskInScheduled: r.disk_in_scheduled, diskOutScheduled: r.disk_out_scheduled,
    diskTotalScheduled: r.disk_total_scheduled, environment: r.environment, errorId: r.error_id, errorMessage: r.error_message ?? null, exitCode: r.exit_code,
    preStarted: r.pre_started, preCompleted: r.pre_completed, preExitCode: r.pre_exit_code, jobStarted: r.job_started,
    jobCompleted: r.job_completed, jobExitCode: r.job_exit_code, postStarted: r.post_started, postCompleted: r.post_completed,
    postExitCode: r.post_exit_code, results: r.results, resultsManifest: r.results_manifest, logPath: r.log_path,
    created: r.created, queued: r.queued, started: r.started, ended: r.ended, lastModified: r.last_modified,
  };
}
