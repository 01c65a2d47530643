// What a Scale client gives a job or a recipe, decoded at this door's edge into the core's JobData
// and RecipeData: job data 1.0 (`job_data`) or v6 data (`input`) for jobs, recipe data 1.0
// (`recipe_data`) or v6 data for recipes, read against the type's current interface.
import type { Core } from '../core/index.ts';
import type { JobData } from '../core/jobs/job-data.ts';
import type { RecipeData } from '../core/recipes/recipe-data.ts';
import { Invalid } from '../errors.ts';
import { decodeJobData, decodeRecipeData } from '../../seed-mapping/scale-data.ts';

/** A new job's data from a request body ({job_data} or {input}); undefined when it gives neither. */
export async function jobDataOf(core: Core, jobTypeId: number, b: { job_data?: unknown; input?: unknown }): Promise<JobData | undefined> {
  if (b.job_data !== undefined && b.input !== undefined) throw new Invalid(null, 'give job_data (Scale 1.0) or input (v6), not both');
  const iface = await core.jobs.interfaceOf(jobTypeId);
  const v6 = b.input !== undefined;
  const decoded = decodeJobData(v6 ? b.input : b.job_data, v6 ? 'v6' : 'v1', iface, v6 ? 'input' : 'job_data');
  if (decoded.problems.length) throw Invalid.many(decoded.problems);
  return decoded.value;
}

/** A new recipe's data from a request body ({recipe_data} or {input}). */
export async function recipeDataOf(core: Core, recipeTypeId: number, b: { recipe_data?: unknown; input?: unknown }): Promise<RecipeData> {
  if (b.recipe_data !== undefined && b.input !== undefined) throw new Invalid(null, 'give recipe_data (1.0) or input (v6), not both');
  const inputs = await core.recipes.inputsOf(recipeTypeId);
  const v6 = b.input !== undefined;
  const decoded = decodeRecipeData(v6 ? b.input : b.recipe_data, v6 ? 'v6' : 'v1', inputs, v6 ? 'input' : 'recipe_data');
  if (decoded.problems.length) throw Invalid.many(decoded.problems);
  return decoded.value;
}
