import type { Row } from '../../store/db.ts';

export interface Recipe {
  id: number;
  recipeTypeId: number;
  recipeTypeRevId: number;
  eventId: number | null;
  /** The recipe this one is a node of, and the top of that tree. */
  parentId: number | null;
  rootId: number | null;
  /** Recipe data as given (1.0 or v6). */
  input: Record<string, any>;
  configuration: Record<string, any> | null;
  inputFileSize: number;
  isSuperseded: boolean;
  superseded: Date | null;
  supersededRecipeId: number | null;
  rootSupersededRecipeId: number | null;
  /** The batch the recipe was made for, if any. */
  batchId: number | null;
  isCanceled: boolean;
  isCompleted: boolean;
  completed: Date | null;
  created: Date;
  lastModified: Date;
}

/** Jobs and sub-recipes of a recipe, sub-recipes' own included (Scale's recipe counters). */
export interface RecipeCounts {
  jobsTotal: number;
  jobsPending: number;
  jobsBlocked: number;
  jobsQueued: number;
  jobsRunning: number;
  jobsFailed: number;
  jobsCompleted: number;
  jobsCanceled: number;
  subRecipesTotal: number;
  subRecipesCompleted: number;
}

export const NO_COUNTS: RecipeCounts = {
  jobsTotal: 0, jobsPending: 0, jobsBlocked: 0, jobsQueued: 0, jobsRunning: 0, jobsFailed: 0, jobsCompleted: 0, jobsCanceled: 0,
  subRecipesTotal: 0, subRecipesCompleted: 0,
};

export function toRecipe(r: Row): Recipe {
  return {
    id: r.id, recipeTypeId: r.recipe_type_id, recipeTypeRevId: r.recipe_type_rev_id, eventId: r.event_id, parentId: r.recipe_id,
    rootId: r.root_recipe_id, input: r.input, configuration: r.configuration, inputFileSize: r.input_file_size, isSuperseded: r.is_superseded,
    superseded: r.superseded, supersededRecipeId: r.superseded_recipe_id, rootSupersededRecipeId: r.root_superseded_recipe_id, batchId: r.batch_id ?? null,
    isCanceled: r.is_canceled, isCompleted: r.is_completed, completed: r.completed, created: r.created, lastModified: r.last_modified,
  };
}

/** One node of a recipe as the details show it: what it became and where it stands. */
export interface NodeView {
  name: string;
  kind: 'job' | 'recipe' | 'condition';
  dependencies: { name: string; acceptance: boolean }[];
  /** PENDING, BLOCKED, QUEUED, RUNNING, COMPLETED, FAILED, CANCELED, SKIPPED, ACCEPTED or REJECTED. */
  state: string;
  jobs: { forkIndex: number; jobId: number; status: string; isOriginal: boolean }[];
  subRecipeId: number | null;
  condition: { nodeId: number | null; isProcessed: boolean; isAccepted: boolean } | null;
  jobType: { name: string; version: string; revisionNum: number | null } | null;
  recipeType: { name: string; revisionNum: number | null } | null;
}
