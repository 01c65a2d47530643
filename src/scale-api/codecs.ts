// The Scale v5 JSON shapes (seed 002) of the core's models. Field names and nesting follow the
// documented examples; nothing here reads the database.
import type { ScaleError } from '../core/errors/model.ts';
import type { ScaleFile } from '../core/files/service.ts';
import type { JobType } from '../core/job-types/service.ts';
import type { JobExecution, JobSummary } from '../core/jobs/model.ts';
import type { BatchSummary } from '../core/batches/model.ts';
import type { Node, Resources } from '../core/nodes/service.ts';
import type { Workspace } from '../core/workspaces/service.ts';

export const iso = (d: Date | string | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

export function errorJson(e: ScaleError | null | undefined) {
  if (!e) return null;
  return {
    id: e.id, name: e.name, title: e.title, description: e.description, category: e.category,
    is_builtin: e.isBuiltin, should_be_retried: e.shouldBeRetried, created: iso(e.created), last_modified: iso(e.lastModified),
  };
}

export function workspaceJson(w: Workspace, detail = false) {
  return {
    id: w.id, name: w.name, title: w.title, description: w.description, base_url: w.baseUrl, is_active: w.isActive,
    used_size: w.usedSize, total_size: w.totalSize, created: iso(w.created), archived: iso(w.archived), last_modified: iso(w.lastModified),
    ...(detail ? { json_config: maskedConfig(w.jsonConfig) } : {}),
  };
}

/** A workspace configuration as clients see it: an S3 secret key is never shown (send it back as ***** to keep it). */
export function maskedConfig(c: Workspace['jsonConfig']): Workspace['jsonConfig'] {
  const creds = (c.broker as { credentials?: Record<string, unknown> }).credentials;
  if (!creds || typeof creds !== 'object') return c;
  return { ...c, broker: { ...c.broker, credentials: { ...creds, secret_access_key: '*****' } } };
}

export function fileUrl(f: ScaleFile): string | null {
  return f.workspaceBaseUrl ? `${f.workspaceBaseUrl.replace(/\/+$/, '')}/${f.filePath}` : null;
}

export function fileJson(f: ScaleFile) {
  const base = {
    id: f.id, workspace: { id: f.workspaceId, name: f.workspaceName }, file_name: f.fileName, file_path: f.filePath, file_type: f.fileType,
    media_type: f.mediaType, file_size: f.fileSize, checksum: f.checksum, data_type: f.dataTypeTags, is_deleted: f.isDeleted, uuid: f.uuid,
    url: fileUrl(f), created: iso(f.created), deleted: iso(f.deleted), data_started: iso(f.dataStarted), data_ended: iso(f.dataEnded),
    source_started: iso(f.sourceStarted), source_ended: iso(f.sourceEnded), geometry: f.geometry, center_point: f.centerPoint,
    countries: f.countries, meta_data: f.metaData, last_modified: iso(f.lastModified),
  };
  if (f.fileType !== 'PRODUCT') return base;
  return {
    ...base, is_operational: true, is_published: f.isPublished, published: iso(f.published), unpublished: iso(f.unpublished),
    job_type: f.jobTypeId ? { id: f.jobTypeId } : null, job: f.jobId ? { id: f.jobId } : null, job_exe: f.jobExeId ? { id: f.jobExeId } : null,
    job_output: f.jobOutput,
  };
}

export function jobTypeSummary(t: JobType) {
  return {
    id: t.id, name: t.name, version: t.version, title: t.title, description: t.description, category: t.category,
    author_name: t.authorName, author_url: t.authorUrl, is_system: t.isSystem, is_long_running: t.isLongRunning,
    is_active: t.isActive, is_operational: t.isOperational, is_paused: t.isPaused, icon_code: t.iconCode,
  };
}

export function jobTypeJson(t: JobType) {
  return {
    ...jobTypeSummary(t),
    uses_docker: Boolean(t.dockerImage), docker_privileged: t.dockerPrivileged, docker_image: t.dockerImage, revision_num: t.revisionNum,
    priority: t.priority, timeout: t.timeout, max_scheduled: t.maxScheduled, max_tries: t.maxTries, cpus_required: t.cpusRequired,
    mem_required: t.memRequired, disk_out_const_required: t.diskOutConstRequired, disk_out_mult_required: t.diskOutMultRequired,
    created: iso(t.created), archived: iso(t.archived), paused: iso(t.paused), last_modified: iso(t.lastModified),
  };
}

export function statusCountJson(c: { status: string; count: number; mostRecent: Date; category: string | null }) {
  return { status: c.status, count: c.count, most_recent: iso(c.mostRecent), category: c.category };
}

export interface JobContext {
  jobTypes: Map<number, JobType>;
  errors: Map<number, ScaleError>;
  revisionNums: Map<number, number>;
  /** The batches of the jobs' recipes (none given: jobs show only their batch's id). */
  batches?: Map<number, BatchSummary>;
}

/** A batch as jobs and recipes show it (Scale's BatchBaseSerializerV6), or null. */
export function batchRef(id: number | null, batches?: Map<number, BatchSummary>) {
  if (id === null) return null;
  const b = batches?.get(id);
  return b ? { id: b.id, title: b.title, description: b.description, created: iso(b.created) } : { id };
}

/** A time of a JobSummary: text already as the API writes it (as lists read it), or a Date. */
const timeJson = (d: Date | string | null): string | null => (typeof d === 'string' ? d : iso(d));

/** Each job type's summary and each error's JSON made once per context: a page shows the same few over and over. */
const rendered = new WeakMap<JobContext, { jobTypes: Map<number, unknown>; errors: Map<number, unknown> }>();

export function jobJson(j: JobSummary, ctx: JobContext) {
  let r = rendered.get(ctx);
  if (!r) rendered.set(ctx, (r = { jobTypes: new Map(), errors: new Map() }));
  let jobType = r.jobTypes.get(j.jobTypeId);
  if (jobType === undefined) {
    const jt = ctx.jobTypes.get(j.jobTypeId);
    r.jobTypes.set(j.jobTypeId, (jobType = jt ? jobTypeSummary(jt) : { id: j.jobTypeId }));
  }
  let error = null;
  if (j.errorId) {
    error = r.errors.get(j.errorId);
    if (error === undefined) r.errors.set(j.errorId, (error = errorJson(ctx.errors.get(j.errorId))));
  }
  return {
    id: j.id,
    job_type: jobType as ReturnType<typeof jobTypeSummary> | { id: number },
    job_type_rev: { id: j.jobTypeRevId, job_type: { id: j.jobTypeId }, revision_num: ctx.revisionNums.get(j.jobTypeRevId) ?? null },
    event: j.eventId ? { id: j.eventId } : null,
    error: error as ReturnType<typeof errorJson>,
    // Not in Scale 6: why it failed in the algorithm's or the engine's words (Scale's error names only the kind).
    error_message: j.errorMessage,
    status: j.status, priority: j.priority, num_exes: j.numExes, timeout: j.timeout, max_tries: j.maxTries,
    cpus_required: j.cpusRequired, mem_required: j.memRequired, disk_in_required: j.diskInRequired, disk_out_required: j.diskOutRequired,
    created: timeJson(j.created), queued: timeJson(j.queued), started: timeJson(j.started), ended: timeJson(j.ended),
    last_status_change: timeJson(j.lastStatusChange), last_modified: timeJson(j.lastModified),
    batch: batchRef(j.batchId, ctx.batches),
    is_superseded: j.isSuperseded,
    root_superseded_job: j.rootSupersededJobId ? { id: j.rootSupersededJobId } : null,
    superseded_job: j.supersededJobId ? { id: j.supersededJobId } : null,
    superseded: timeJson(j.superseded),
  };
}

/** Each job type's and error's JSON text, and each batch's, made once per context (jobJsonText). */
const renderedText = new WeakMap<JobContext, { jobTypes: Map<number, string>; errors: Map<number, string>; batches: Map<number, string> }>();

const json = (v: unknown): string => JSON.stringify(v);

/**
 * JSON.stringify(jobJson(j, ctx)) written directly, for job list pages (a hundred jobs of mostly
 * the same few job types, where building the objects and serialising them was most of the page's
 * work). A test holds the two equal.
 */
export function jobJsonText(j: JobSummary, ctx: JobContext): string {
  let r = renderedText.get(ctx);
  if (!r) renderedText.set(ctx, (r = { jobTypes: new Map(), errors: new Map(), batches: new Map() }));
  let jobType = r.jobTypes.get(j.jobTypeId);
  if (jobType === undefined) {
    const jt = ctx.jobTypes.get(j.jobTypeId);
    r.jobTypes.set(j.jobTypeId, (jobType = json(jt ? jobTypeSummary(jt) : { id: j.jobTypeId })));
  }
  let error = 'null';
  if (j.errorId) {
    const e = r.errors.get(j.errorId);
    if (e === undefined) r.errors.set(j.errorId, (error = json(errorJson(ctx.errors.get(j.errorId)))));
    else error = e;
  }
  let batch = 'null';
  if (j.batchId !== null) {
    const b = r.batches.get(j.batchId);
    if (b === undefined) r.batches.set(j.batchId, (batch = json(batchRef(j.batchId, ctx.batches))));
    else batch = b;
  }
  return `{"id":${json(j.id)},"job_type":${jobType},"job_type_rev":{"id":${json(j.jobTypeRevId)},"job_type":{"id":${json(j.jobTypeId)}},"revision_num":${json(ctx.revisionNums.get(j.jobTypeRevId) ?? null)}}`
    + `,"event":${j.eventId ? `{"id":${json(j.eventId)}}` : 'null'},"error":${error},"error_message":${json(j.errorMessage)}`
    + `,"status":${json(j.status)},"priority":${json(j.priority)},"num_exes":${json(j.numExes)},"timeout":${json(j.timeout)},"max_tries":${json(j.maxTries)}`
    + `,"cpus_required":${json(j.cpusRequired)},"mem_required":${json(j.memRequired)},"disk_in_required":${json(j.diskInRequired)},"disk_out_required":${json(j.diskOutRequired)}`
    + `,"created":${json(timeJson(j.created))},"queued":${json(timeJson(j.queued))},"started":${json(timeJson(j.started))},"ended":${json(timeJson(j.ended))}`
    + `,"last_status_change":${json(timeJson(j.lastStatusChange))},"last_modified":${json(timeJson(j.lastModified))},"batch":${batch},"is_superseded":${json(j.isSuperseded)}`
    + `,"root_superseded_job":${j.rootSupersededJobId ? `{"id":${json(j.rootSupersededJobId)}}` : 'null'},"superseded_job":${j.supersededJobId ? `{"id":${json(j.supersededJobId)}}` : 'null'}`
    + `,"superseded":${json(timeJson(j.superseded))}}`;
}

export function exeJson(x: JobExecution, ctx: { errors: Map<number, ScaleError> }) {
  return {
    id: x.id, status: x.status, exe_num: x.exeNum, cluster_id: x.clusterId, command_arguments: x.commandArguments ?? '', timeout: x.timeout,
    pre_started: iso(x.preStarted), pre_completed: iso(x.preCompleted), pre_exit_code: x.preExitCode,
    job_started: iso(x.jobStarted), job_completed: iso(x.jobCompleted), job_exit_code: x.jobExitCode,
    post_started: iso(x.postStarted), post_completed: iso(x.postCompleted), post_exit_code: x.postExitCode,
    created: iso(x.created), queued: iso(x.queued), started: iso(x.started), ended: iso(x.ended), last_modified: iso(x.lastModified),
    job: { id: x.jobId }, node: x.nodeId ? { id: x.nodeId } : null, error: x.errorId ? errorJson(ctx.errors.get(x.errorId)) : null,
    error_message: x.errorMessage,
    cpus_scheduled: x.cpusScheduled, mem_scheduled: x.memScheduled, disk_in_scheduled: x.diskInScheduled,
    disk_out_scheduled: x.diskOutScheduled, disk_total_scheduled: x.diskTotalScheduled,
  };
}

export function nodeJson(n: Node) {
  return {
    id: n.id, hostname: n.hostname, port: n.port, slave_id: n.slaveId, pause_reason: n.pauseReason, is_paused: n.isPaused,
    is_paused_errors: n.isPausedErrors, is_active: n.isActive, archived: iso(n.archived), created: iso(n.created),
    last_offer: iso(n.lastOffer), last_modified: iso(n.lastModified),
  };
}

export function resourcesJson(total: Resources, scheduled: Resources) {
  // GPUs are shown where a node has some (Scale lists the resources a node offers).
  const withGpus = (total.gpus ?? 0) > 0;
  const shape = (r: Resources) => ({ cpus: r.cpus, mem: r.mem, disk: r.disk, ...(withGpus ? { gpus: r.gpus ?? 0 } : {}) });
  return { total: shape(total), scheduled: shape(scheduled), used: shape({ cpus: 0, mem: 0, disk: 0, gpus: 0 }) };
}

/** source_sensor_class, … as Scale copies them from input files onto a job or recipe: the greatest of each. */
export function sourceMetadata(files: ScaleFile[]) {
  const most = (pick: (f: ScaleFile) => string | null) => files.map(pick).filter((v): v is string => v !== null).reduce<string | null>((m, v) => (m === null || v > m ? v : m), null);
  return { source_sensor_class: most((f) => f.sourceSensorClass), source_sensor: most((f) => f.sourceSensor), source_collection: most((f) => f.sourceCollection), source_task: most((f) => f.sourceTask) };
}
