// A run: one execution of a process, whichever door asked for it. A run is a core job (of a SEED,
// Scale 1.0, Application Package or CWL job type; a CWL workflow runs as one job too), and its run id
// is the job id ("12"), so a job started through the Scale API is a run as well. Its status has one
// vocabulary, defined here with its final flag; the OGC API's statusCode and WPS's Status words are
// codecs of it in the doors.
import { FINAL_STATUSES, JOB_STATUSES, type JobStatus } from '../jobs/model.ts';

export const RUN_STATUSES = ['ACCEPTED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'DISMISSED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** The statuses by name, for comparisons (run.status === RUN.FAILED): no module spells them again. */
export const RUN = Object.fromEntries(RUN_STATUSES.map((s) => [s, s])) as { readonly [S in RunStatus]: S };

/** Statuses a run never leaves. */
export const FINAL_RUN_STATUSES: readonly RunStatus[] = [RUN.SUCCEEDED, RUN.FAILED, RUN.DISMISSED];
export const isFinal = (s: RunStatus): boolean => FINAL_RUN_STATUSES.includes(s);

/** Each job status as a run status. */
const OF_JOB: Record<JobStatus, RunStatus> = {
  PENDING: RUN.ACCEPTED, BLOCKED: RUN.ACCEPTED, QUEUED: RUN.ACCEPTED, RUNNING: RUN.RUNNING, COMPLETED: RUN.SUCCEEDED, FAILED: RUN.FAILED, CANCELED: RUN.DISMISSED,
};

/** A job's status as a run status; a dismissed job is DISMISSED whatever it became. */
export function runStatusOfJob(status: JobStatus, dismissed = false): RunStatus {
  return dismissed ? RUN.DISMISSED : (OF_JOB[status] ?? RUN.ACCEPTED);
}

/** The job statuses a run status stands for (the run list's filter). */
export function jobStatusesOf(s: RunStatus): JobStatus[] {
  return JOB_STATUSES.filter((j) => OF_JOB[j] === s);
}

/** Whether a job has ended (its last state): the job-state side of isFinal. */
export const jobHasEnded = (status: JobStatus): boolean => FINAL_STATUSES.includes(status);

const JOB_RUN = /^\d{1,15}$/;

/** The job a run id names, or null when it names nothing this server makes. */
export function parseRunId(id: string): number | null {
  return JOB_RUN.test(id) ? Number(id) : null;
}

export const jobRunId = (jobId: number): string => String(jobId);

/** One run as every door reports it. Times are Dates, or RFC 3339 text straight from a list query. */
export interface Run {
  id: string;
  /** The process id as clients name it (the job type's name; name:version when not the newest). */
  processId: string;
  status: RunStatus;
  created: Date | string;
  started: Date | string | null;
  ended: Date | string | null;
  updated: Date | string;
  /** Percent done where it can be told (0 accepted, 100 succeeded; while a CWL workflow runs, its share of finished steps). */
  progress: number | undefined;
  /** The core job behind the run, its job type and job type revision. */
  jobId: number;
  jobTypeId: number;
  revisionId: number;
}

/** Which runs a list shows: by status, creation time and duration (seconds), a page of them newest first. */
export interface RunWindow {
  statuses?: RunStatus[];
  createdFrom?: Date | null;
  createdTo?: Date | null;
  minDuration?: number | null;
  maxDuration?: number | null;
  limit: number;
  offset: number;
}

/** How a run's results were asked for when it was started (kept with the run). */
export interface RunRequest {
  /** Outputs asked for, each by value or by reference; null: every output, by value. */
  outputs: Record<string, 'value' | 'reference'> | null;
  response: 'raw' | 'document';
  /** Whom to tell when the run starts, succeeds or fails (OGC callbacks). */
  subscriber: Subscriber | null;
  /** The server URL the client used (links in callbacks). */
  baseUrl: string | null;
}

export interface Subscriber {
  successUri?: string;
  inProgressUri?: string;
  failedUri?: string;
}

/** Why a run failed (or was dismissed), in words its user can act on. */
export interface RunFailure {
  /** The error's name (Scale error name), e.g. "input-fetch". */
  name: string;
  title: string;
  category: string | null;
  /** The whole story: what failed and why. */
  detail: string;
}

/** One output of a finished run: a JSON value, or files the server keeps. */
export type RunOutput =
  | { kind: 'json'; value: unknown }
  /** A directory: every file in it (a STAC catalog's catalog.json among them, when it is one). */
  | { kind: 'file' | 'files'; files: RunFile[] }
  /** A directory: its name, and its files with their paths in it. */
  | { kind: 'directory'; name: string; files: RunFile[] };

export interface RunFile {
  id: number;
  mediaType: string;
  size: number;
  name: string;
  /** Where the workspace keeps it. */
  path: string;
  /** A directory output's file: its path inside the directory. */
  relPath?: string;
  /** Its CWL format IRI, when a CWL run gave it one. */
  format?: string;
  /** Its CWL secondary files, when a CWL run gave it some. */
  secondaryFiles?: RunFile[];
}
