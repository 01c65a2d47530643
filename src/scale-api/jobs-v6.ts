// Scale 6.0.0's shapes of jobs and job executions (scale/job/serializers.py: JobSerializerV6,
// JobDetailsSerializerV6, JobExecutionSerializerV6, JobExecutionDetailsSerializerV6), which NGA's
// scale-ui reads under /v6/. The v5 fields the routes already answer stay beside them.
import type { Core } from '../core/index.ts';
import type { ScaleFile } from '../core/files/service.ts';
import type { JobType } from '../core/job-types/service.ts';
import { JOB, type Job, type JobExecution } from '../core/jobs/model.ts';
import type { Node } from '../core/nodes/service.ts';
import type { Recipe } from '../core/recipes/model.ts';
import type { RecipeType } from '../core/recipe-types/service.ts';
import type { TriggerEvent } from '../core/triggers/events.ts';
import type { ScaleError } from '../core/errors/model.ts';
import { fileIdsOf, readJobData, v6Inputs } from '../core/jobs/job-data.ts';
import { batchRef, exeJson, iso, jobJson, jobTypeSummary, sourceMetadata, type JobContext } from './codecs.ts';
import { jobContext } from './context.ts';

const MIB = 1024 * 1024;

/** What the v6 shapes of a page of jobs need besides the v5 context, loaded in one query per kind. */
export interface JobV6Context extends JobContext {
  latest: Map<number, JobExecution>;
  nodes: Map<number, Node>;
  recipes: Map<number, Recipe>;
  recipeTypes: Map<number, RecipeType>;
  events: Map<number, TriggerEvent>;
  inputFiles: Map<number, ScaleFile[]>;
}

async function nodesById(core: Core, ids: number[]): Promise<Map<number, Node>> {
  const nodes = await Promise.all([...new Set(ids)].map((id) => core.nodes.get(id).catch(() => null)));
  return new Map(nodes.filter((n): n is Node => n !== null).map((n) => [n.id, n]));
}

function inputFileIds(j: Job): number[] {
  try {
    return [...readJobData(j.input).inputs.values()].flatMap(fileIdsOf);
  } catch {
    return [];
  }
}

export async function jobV6Context(core: Core, jobs: Job[], exes: JobExecution[] = []): Promise<JobV6Context> {
  const recipeIds = [...new Set(jobs.map((j) => j.recipeId).filter((r): r is number => r !== null))];
  const idsByJob = new Map(jobs.map((j) => [j.id, inputFileIds(j)]));
  const [ctx, latest, recipes, files] = await Promise.all([
    jobContext(core, jobs, exes), core.jobQueries.latestExecutions(jobs.map((j) => j.id)), core.recipes.getMany(recipeIds),
    core.files.getMany([...new Set([...idsByJob.values()].flat())]),
  ]);
  // A job of a recipe was started by its recipe's event (Scale gives the recipe's jobs its event).
  const eventIds = [...jobs.map((j) => j.eventId), ...[...recipes.values()].map((r) => r.eventId)].filter((e): e is number => e !== null);
  const [nodes, recipeTypes, events] = await Promise.all([
    nodesById(core, [...latest.values(), ...exes].map((x) => x.nodeId).filter((n): n is number => n !== null)),
    core.recipeTypes.getMany([...new Set([...recipes.values()].map((r) => r.recipeTypeId))]),
    core.triggers.events(eventIds),
  ]);
  const inputFiles = new Map([...idsByJob].map(([id, ids]) => [id, ids.map((f) => files.get(f)).filter((f): f is ScaleFile => Boolean(f))]));
  return { ...ctx, latest, nodes, recipes, recipeTypes, events, inputFiles };
}

/**
 * JobTypeBaseSerializerV6 (with the v5 summary's fields beside it). Scale 6's job types are SEED ones,
 * whose manifests require a title and a description; a Scale 1.0 type made without them shows its
 * name and an empty description here, as its v6 manifest does (scale-ui lower-cases both).
 */
export const jobTypeV6 = (t: JobType) => ({ ...jobTypeSummary(t), title: t.title ?? t.name, description: t.description ?? '', is_published: t.isPublished });

/** ErrorBaseSerializerV6. */
export function errorV6(e: ScaleError | undefined) {
  if (!e) return null;
  return { id: e.id, name: e.name, title: e.title, description: e.description, job_type_name: e.jobTypeName, category: e.category, is_builtin: e.isBuiltin };
}

/** NodeBaseSerializer. */
export const nodeRef = (id: number | null, nodes: Map<number, Node>) => (id === null ? null : { id, hostname: nodes.get(id)?.hostname ?? null });

/** RecipeBaseSerializerV6: the recipe with its type (RecipeTypeBaseSerializerV6), type revision and event ids. */
export function recipeRefV6(r: Recipe | undefined, types: Map<number, RecipeType>) {
  if (!r) return null;
  const t = types.get(r.recipeTypeId);
  return {
    id: r.id,
    recipe_type: t ? { id: t.id, name: t.name, title: t.title, description: t.description, revision_num: t.revisionNum } : { id: r.recipeTypeId },
    recipe_type_rev: { id: r.recipeTypeRevId },
    event: r.eventId ? { id: r.eventId } : null,
  };
}

/** TriggerEventSerializerV6. */
export const eventV6 = (id: number | null, events: Map<number, TriggerEvent>) => {
  if (id === null) return null;
  const e = events.get(id);
  return e ? { id: e.id, type: e.type, occurred: iso(e.occurred) } : { id };
};

/**
 * The event that started a job: its own, else its recipe's. Scale records a USER event for every job
 * and recipe a caller queues (Queue.queue_new_job_for_user), and scale-ui's job details read its
 * `type` and `occurred`; a job queued here by a caller has no event row, so it is shown as that USER
 * event (no id: there is no row to name), occurring when the job was created.
 */
export function jobEventV6(j: Job, c: Pick<JobV6Context, 'events' | 'recipes'>) {
  const recipeEvent = j.recipeId === null ? null : (c.recipes.get(j.recipeId)?.eventId ?? null);
  const id = j.eventId ?? recipeEvent;
  if (id !== null) return eventV6(id, c.events);
  return { id: null, type: 'USER', occurred: iso(j.created) };
}

/** The source_* fields Scale copies onto a job from its input files (the earliest start, the latest end). */
function sourceFields(files: ScaleFile[]) {
  const times = (pick: (f: ScaleFile) => Date | null) => files.map(pick).filter((d): d is Date => d !== null).map((d) => new Date(d).getTime());
  const starts = times((f) => f.sourceStarted);
  const ends = times((f) => f.sourceEnded);
  return {
    source_started: starts.length ? new Date(Math.min(...starts)).toISOString() : null,
    source_ended: ends.length ? new Date(Math.max(...ends)).toISOString() : null,
    ...sourceMetadata(files),
  };
}

/** The total size of a job's input files in MiB (Scale's input_file_size). */
const inputFileSize = (files: ScaleFile[]) => files.reduce((n, f) => n + (f.fileSize ?? 0), 0) / MIB;

/** JobSerializerV6: a job as /v6/jobs/ lists it. */
export function jobV6Json(j: Job, c: JobV6Context) {
  const base = jobJson(j, c);
  const jt = c.jobTypes.get(j.jobTypeId);
  const files = c.inputFiles.get(j.id) ?? [];
  const latest = c.latest.get(j.id);
  return {
    ...base,
    job_type: jt ? jobTypeV6(jt) : { id: j.jobTypeId },
    event: jobEventV6(j, c),
    ingest_event: null,
    recipe: j.recipeId === null ? null : (recipeRefV6(c.recipes.get(j.recipeId), c.recipeTypes) ?? { id: j.recipeId }),
    batch: batchRef(j.batchId, c.batches),
    is_superseded: j.isSuperseded,
    superseded_job: j.supersededJobId ? { id: j.supersededJobId } : null,
    node: nodeRef(latest?.nodeId ?? null, c.nodes),
    error: j.errorId ? errorV6(c.errors.get(j.errorId)) : null,
    input_file_size: inputFileSize(files),
    ...sourceFields(files),
  };
}

/** Data as v6 data without its version ({files, json}): what a job's `input` and `output` show. */
function v6Data(inputs: ReturnType<typeof readJobData>['inputs']) {
  const { files, json } = v6Inputs(inputs);
  return { files, json };
}

/** A job's output (results 1.0 or v6 output data) as v6 data. */
export function outputV6(output: any): { files: Record<string, number[]>; json: Record<string, unknown> } {
  const files: Record<string, number[]> = {};
  const json: Record<string, unknown> = {};
  if (!output || typeof output !== 'object') return { files, json };
  if (output.files || output.json) return { files: { ...(output.files ?? {}) }, json: { ...(output.json ?? {}) } };
  for (const o of output.output_data ?? []) {
    if (Array.isArray(o.file_ids)) files[o.name] = o.file_ids;
    else if (o.file_id !== undefined) files[o.name] = [o.file_id];
    else if ('value' in o) json[o.name] = o.value;
  }
  return { files, json };
}

const jobResources = (j: Job) => ({ resources: { cpus: j.cpusRequired, mem: j.memRequired, disk: j.diskOutRequired + j.diskInRequired } });
const exeResources = (x: JobExecution) => ({ resources: { cpus: x.cpusScheduled, mem: x.memScheduled, disk: x.diskTotalScheduled } });

/** A task's record in Scale's task_results, from the execution's phase times. */
function taskResults(x: JobExecution) {
  if (!x.ended) return null;
  const phases: [string, Date | null, Date | null, number | null][] = [
    ['pre', x.preStarted, x.preCompleted, x.preExitCode], ['main', x.jobStarted, x.jobCompleted, x.jobExitCode], ['post', x.postStarted, x.postCompleted, x.postExitCode],
  ];
  const tasks = phases
    .filter(([, started]) => started !== null)
    .map(([type, started, ended, exitCode]) => ({
      task_id: `${x.clusterId ?? `scale_${x.id}`}_${type}`, type, was_launched: true, launched: iso(started), was_started: true, started: iso(started), ended: iso(ended), exit_code: exitCode,
    }));
  return { tasks };
}

/** JobExecutionSerializerV6: an execution as /v6/jobs/{id}/executions/ lists it. */
export function exeV6Json(x: JobExecution, c: { errors: Map<number, ScaleError>; jobTypes: Map<number, JobType>; nodes: Map<number, Node> }, job?: Job, files: ScaleFile[] = []) {
  const jt = c.jobTypes.get(x.jobTypeId);
  return {
    ...exeJson(x, c),
    job: { id: x.jobId },
    node: nodeRef(x.nodeId, c.nodes),
    error: x.errorId ? errorV6(c.errors.get(x.errorId)) : null,
    job_type: jt ? jobTypeV6(jt) : { id: x.jobTypeId },
    timeout: x.timeout,
    input_file_size: job ? inputFileSize(files) : null,
  };
}

/** JobExecutionDetailsSerializerV6: one execution with its tasks, resources, configuration and output. */
export function exeV6DetailsJson(x: JobExecution, c: Parameters<typeof exeV6Json>[1], job?: Job, files: ScaleFile[] = []) {
  return {
    ...exeV6Json(x, c, job, files),
    task_results: taskResults(x),
    resources: exeResources(x),
    configuration: { tasks: [{ type: 'main', args: x.commandArguments ?? '' }] },
    output: x.results ?? null,
  };
}

/** GET /v6/jobs/{id}/executions/{exe_num}/ and the like: one execution in Scale 6's details shape. */
export async function exeV6Details(core: Core, x: JobExecution) {
  const job = await core.jobs.get(x.jobId);
  const c = await jobV6Context(core, [job], [x]);
  return exeV6DetailsJson(x, c, job, c.inputFiles.get(job.id));
}

/** Page rendering for /v6/jobs/{id}/executions/. */
export async function exeV6Page(core: Core, exes: JobExecution[]) {
  const jobs = await core.jobQueries.jobsByIds([...new Set(exes.map((x) => x.jobId))]);
  const c = await jobV6Context(core, [...jobs.values()], exes);
  return (x: JobExecution) => exeV6Json(x, c, jobs.get(x.jobId), c.inputFiles.get(x.jobId));
}

/**
 * JobDetailsSerializerV6: the job, its revision with the job type and manifest, what it was made of
 * and what it made (v6 data), what it needs, and its latest execution in full.
 */
export async function jobV6Details(core: Core, job: Job, v5: Record<string, any>) {
  const c = await jobV6Context(core, [job]);
  const rev = await core.jobTypes.revision(job.jobTypeRevId);
  const jt = c.jobTypes.get(job.jobTypeId);
  const latest = c.latest.get(job.id);
  // Scale shows the execution of a job that runs, waits or has ended (not a PENDING, BLOCKED or CANCELED one).
  const shown = latest && ([JOB.RUNNING, JOB.COMPLETED, JOB.FAILED, JOB.QUEUED] as string[]).includes(job.status) && latest.exeNum === job.numExes ? latest : null;
  let input = { files: {}, json: {} } as ReturnType<typeof v6Data>;
  try {
    if (job.input !== null) input = v6Data(readJobData(job.input, rev.interface).inputs);
  } catch {
    // data written before this server read it stays as the v5 fields show it
  }
  return {
    ...v5,
    ...jobV6Json(job, c),
    job_type_rev: {
      id: rev.id, job_type: jt ? jobTypeV6(jt) : { id: job.jobTypeId }, revision_num: rev.revisionNum, docker_image: rev.dockerImage ?? jt?.dockerImage ?? null,
      created: iso(rev.created), manifest: rev.interfaceJson,
      // v5 names for the same (JobTypeRevisionSerializerV5)
      interface: rev.interfaceJson,
    },
    // JobBaseSerializerV6: id, job type and status of the job it replaced and of the one that replaced it
    superseded_job: v5.superseded_job ?? null,
    superseded_by_job: v5.superseded_by_job ?? null,
    resources: jobResources(job),
    // The job's configuration (JobConfigurationV6), which Scale 7 adds to these details (get_v6_configuration_json): scale-ui reads its priority.
    configuration: { ...(job.configuration ?? {}), priority: job.priority },
    execution: shown ? exeV6DetailsJson(shown, c, job, c.inputFiles.get(job.id)) : null,
    input,
    output: outputV6(job.output),
  };
}
