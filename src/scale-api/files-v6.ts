// Scale 6.0.0's shapes of files (scale/storage/serializers.py: ScaleFileSerializerV6 and
// ScaleFileDetailsSerializerV6): a product names the job, execution and job type that made it and the
// recipe, recipe node, recipe type and batch it was made for. The v5 fields stay beside them.
import type { Core } from '../core/index.ts';
import type { ScaleFile } from '../core/files/service.ts';
import type { JobType } from '../core/job-types/service.ts';
import type { Job } from '../core/jobs/model.ts';
import type { Recipe } from '../core/recipes/model.ts';
import type { RecipeType } from '../core/recipe-types/service.ts';
import type { BatchSummary } from '../core/batches/model.ts';
import { batchRef, fileJson, iso } from './codecs.ts';
import { jobTypeV6 } from './jobs-v6.ts';

interface FileV6Context {
  jobs: Map<number, Job>;
  jobTypes: Map<number, JobType>;
  recipes: Map<number, Recipe>;
  recipeTypes: Map<number, RecipeType>;
  /** The recipe node each job ran as, in the recipe it was made for. */
  nodes: Map<number, string>;
  batches: Map<number, BatchSummary>;
}

export async function fileV6Context(core: Core, files: ScaleFile[]): Promise<FileV6Context> {
  const jobIds = [...new Set(files.map((f) => f.jobId).filter((j): j is number => j !== null))];
  const jobs = await core.jobQueries.jobsByIds(jobIds);
  const recipeIds = [...new Set([...jobs.values()].map((j) => j.recipeId).filter((r): r is number => r !== null))];
  const typeIds = [...new Set([...files.map((f) => f.jobTypeId), ...[...jobs.values()].map((j) => j.jobTypeId)].filter((t): t is number => t !== null))];
  const [jobTypes, recipes, memberships, batches] = await Promise.all([
    core.jobTypes.getMany(typeIds), core.recipes.getMany(recipeIds),
    Promise.all([...jobs.values()].filter((j) => j.recipeId !== null).map(async (j) => [j.id, (await core.recipes.ofJob(j.id)).find((m) => m.recipe.id === j.recipeId)?.node] as const)),
    core.batches.summaries([...new Set([...jobs.values()].map((j) => j.batchId).filter((b): b is number => b !== null))]),
  ]);
  const recipeTypes = await core.recipeTypes.getMany([...new Set([...recipes.values()].map((r) => r.recipeTypeId))]);
  const nodes = new Map(memberships.filter((m): m is readonly [number, string] => typeof m[1] === 'string'));
  return { jobs, jobTypes, recipes, recipeTypes, nodes, batches };
}

/** ScaleFileSerializerV6 (details add meta_data, which fileJson already has). */
export function fileV6Json(f: ScaleFile, c: FileV6Context) {
  const job = f.jobId !== null ? c.jobs.get(f.jobId) : undefined;
  const recipe = job?.recipeId ? c.recipes.get(job.recipeId) : undefined;
  const rt = recipe ? c.recipeTypes.get(recipe.recipeTypeId) : undefined;
  const jtId = f.jobTypeId ?? job?.jobTypeId ?? null;
  const jt = jtId !== null ? c.jobTypes.get(jtId) : undefined;
  return {
    ...fileJson(f),
    source_sensor_class: f.sourceSensorClass, source_sensor: f.sourceSensor, source_collection: f.sourceCollection, source_task: f.sourceTask,
    job_type: jt ? jobTypeV6(jt) : jtId !== null ? { id: jtId } : null,
    job: f.jobId !== null ? { id: f.jobId } : null,
    job_exe: f.jobExeId !== null ? { id: f.jobExeId } : null,
    job_output: f.jobOutput,
    recipe_type: rt ? { id: rt.id, name: rt.name, title: rt.title, description: rt.description, revision_num: rt.revisionNum } : null,
    recipe: job?.recipeId ? { id: job.recipeId } : null,
    recipe_node: job ? (c.nodes.get(job.id) ?? null) : null,
    batch: batchRef(job?.batchId ?? null, c.batches),
    is_superseded: job?.isSuperseded ?? false,
    superseded: iso(job?.superseded ?? null),
  };
}

/** Renders a page of files (or one) in Scale 6's shape. */
export async function filesV6(core: Core, files: ScaleFile[]): Promise<(f: ScaleFile) => ReturnType<typeof fileV6Json>> {
  const c = await fileV6Context(core, files);
  return (f) => fileV6Json(f, c);
}
