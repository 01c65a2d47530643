// What a Scale client gives a job or a recipe, decoded at this door's edge into the core's JobData
// and RecipeData: job data 1.0 (`job_data`) or v6 data (`input`) for jobs, recipe data 1.0
// (`recipe_data`) or v6 data for recipes, read against the type's current interface.
import type { Core } from '../core/index.ts';
import type { JobData } from '../core/jobs/job-data.ts';
import type { RecipeData } from '../core/recipes/recipe-data.ts';
import { Invalid } from '../errors.ts';
import { decodeJobData, decodeRecipeData } from '../../seed-mapping/scale-data.ts';

/** Versions v6 data may carry: Scale 6's "6" and Scale 7's "7" (DataV6.SCHEMA_VERSIONS). */
const V6_DATA_VERSIONS = ['6', '7'];

/**
 * The wire format of a v6 `input`, read by its version as DataV6 reads it: none, "6" or "7" is v6
 * data, "1.0" is data 1.0 (DataV6 converts it), any other version is refused naming the field.
 */
export function v6InputFormat(input: unknown, root = 'input'): 'v6' | 'v1' {
  if (input === null || typeof input !== 'object' || Array.isArray(input) || !('version' in input)) return 'v6';
  const v = (input as { version: unknown }).version;
  if (v === '1.0') return 'v1';
  if (typeof v === 'string' && V6_DATA_VERSIONS.includes(v)) return 'v6';
  throw new Invalid(`${root}.version`, `${JSON.stringify(v)} is an unsupported version number; v6 data is version "6"`);
}

/** A new job's data from a request body ({job_data} or {input}); undefined when it gives neither. */
export async function jobDataOf(core: Core, jobTypeId: number, b: { job_data?: unknown; input?: unknown }): Promise<JobData | undefined> {
  if (b.job_data !== undefined && b.input !== undefined) throw new Invalid(null, 'give job_data (Scale 1.0) or input (v6), not both');
  const v6 = b.input !== undefined;
  const format = v6 ? v6InputFormat(b.input) : 'v1';
  const iface = await core.jobs.interfaceOf(jobTypeId);
  const decoded = decodeJobData(v6 ? b.input : b.job_data, format, iface, v6 ? 'input' : 'job_data');
  if (decoded.problems.length) throw Invalid.many(decoded.problems);
  return decoded.value;
}

/** A new recipe's data from a request body ({recipe_data} or {input}). */
export async function recipeDataOf(core: Core, recipeTypeId: number, b: { recipe_data?: unknown; input?: unknown }): Promise<RecipeData> {
  if (b.recipe_data !== undefined && b.input !== undefined) throw new Invalid(null, 'give recipe_data (1.0) or input (v6), not both');
  const v6 = b.input !== undefined;
  const format = v6 ? v6InputFormat(b.input) : 'v1';
  const inputs = await core.recipes.inputsOf(recipeTypeId);
  const decoded = decodeRecipeData(v6 ? b.input : b.recipe_data, format, inputs, v6 ? 'input' : 'recipe_data');
  if (decoded.problems.length) throw Invalid.many(decoded.problems);
  return decoded.value;
}
