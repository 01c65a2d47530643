// The JSON shapes of Strikes, Scans and ingests (Scale 6.0.0's ingest/serializers.py). A Strike's
// `job` and a Scan's `job` and `dry_run_job` are Scale's JobBaseSerializer: under /v6/ the v6 one
// (id, job_type, status), elsewhere the v5 one (id, job_type, job_type_rev, event, node, error,
// status, priority, num_exes). `is_active` (Strikes) is this server's own.
import type { Core } from '../core/index.ts';
import type { Ingest } from '../core/ingest/ingests.ts';
import type { Scan } from '../core/ingest/scans.ts';
import type { Strike } from '../core/ingest/strikes.ts';
import type { JobType } from '../core/job-types/service.ts';
import type { Job } from '../core/jobs/model.ts';
import { iso, jobTypeSummary } from './codecs.ts';
import { jobContext } from './context.ts';

/** Rendered jobs by id, for the Strikes and Scans of one response. */
export type JobShapes = Map<number, unknown>;

/** Scale's JobBaseSerializerV6 / V5 for a Strike's or Scan's job. */
export function ingestJobJson(j: Job, jt: JobType | undefined, v6: boolean) {
  const jobType = !jt
    ? { id: j.jobTypeId }
    : v6
      ? { id: jt.id, name: jt.name, version: jt.version, title: jt.title, description: jt.description, revision_num: jt.revisionNum, is_published: jt.isPublished, icon_code: jt.iconCode }
      : { ...jobTypeSummary(jt), is_published: jt.isPublished };
  if (v6) return { id: j.id, job_type: jobType, status: j.status };
  return {
    id: j.id, job_type: jobType, job_type_rev: { id: j.jobTypeRevId }, event: j.eventId ? { id: j.eventId } : null, node: null,
    error: j.errorId ? { id: j.errorId } : null, status: j.status, priority: j.priority, num_exes: j.numExes,
  };
}

/** The jobs these Strikes and Scans name, rendered for the request's API version. */
export async function ingestJobShapes(core: Core, ids: (number | null)[], v6: boolean): Promise<JobShapes> {
  const jobs = await core.jobQueries.jobsByIds([...new Set(ids.filter((id): id is number => id !== null))]);
  const ctx = await jobContext(core, [...jobs.values()]);
  return new Map([...jobs].map(([id, j]) => [Number(id), ingestJobJson(j, ctx.jobTypes.get(j.jobTypeId), v6)]));
}

const jobOf = (id: number | null, jobs?: JobShapes) => (id === null ? null : (jobs?.get(id) ?? { id }));

export function strikeJson(s: Strike, opts: { detail?: boolean; jobs?: JobShapes } = {}) {
  return {
    id: s.id, name: s.name, title: s.title, description: s.description, job: jobOf(s.jobId, opts.jobs), is_active: s.isActive,
    created: iso(s.created), last_modified: iso(s.lastModified), ...(opts.detail ? { configuration: s.configuration } : {}),
  };
}

export function scanJson(s: Scan, opts: { detail?: boolean; jobs?: JobShapes } = {}) {
  return {
    id: s.id, name: s.name, title: s.title, description: s.description, file_count: s.fileCount, job: jobOf(s.jobId, opts.jobs),
    dry_run_job: jobOf(s.dryRunJobId, opts.jobs), dry_run_started: iso(s.dryRunStarted), dry_run_ended: iso(s.dryRunEnded),
    started: iso(s.started), ended: iso(s.ended), created: iso(s.created), last_modified: iso(s.lastModified), ...(opts.detail ? { configuration: s.configuration } : {}),
  };
}

export function ingestJson(i: Ingest) {
  return {
    id: i.id, file_name: i.fileName, strike: i.strikeId === null ? null : { id: i.strikeId }, scan: i.scanId === null ? null : { id: i.scanId }, status: i.status,
    bytes_transferred: i.bytesTransferred, transfer_started: iso(i.transferStarted), transfer_ended: iso(i.transferEnded), media_type: i.mediaType, file_size: i.fileSize,
    data_type: i.dataTypes, file_path: i.filePath, workspace: i.workspaceId === null ? null : { id: i.workspaceId }, new_file_path: i.newFilePath,
    new_workspace: i.newWorkspaceId === null ? null : { id: i.newWorkspaceId }, error: i.error, ingest_started: iso(i.ingestStarted), ingest_ended: iso(i.ingestEnded),
    source_file: i.sourceFileId === null ? null : { id: i.sourceFileId }, created: iso(i.created), last_modified: iso(i.lastModified),
  };
}
