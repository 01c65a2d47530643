// The Scale JSON shapes of recipe types and recipes: v5 fields (seed 002) and v6 fields (Scale's
// v6 REST docs) side by side, so clients of either find what they read. Nothing here reads the database.
import type { Request } from 'express';
import type { DefinitionFormat } from '../../seed-mapping/scale-recipe-definition.ts';
import type { RecipeType, RecipeTypeRevision } from '../core/recipe-types/service.ts';
import type { NodeView, Recipe, RecipeCounts } from '../core/recipes/model.ts';
import type { BatchSummary } from '../core/batches/model.ts';
import { batchRef, iso, sourceMetadata } from './codecs.ts';

/** Which recipe definition format a response carries: v5 routes speak 1.0, v6 routes v6, plain routes what was given. */
export function definitionFormat(req: Request): DefinitionFormat | 'stored' {
  if (req.baseUrl.endsWith('/v6')) return '6';
  if (req.baseUrl.endsWith('/v5')) return '1.0';
  return 'stored';
}

export function recipeTypeSummary(t: RecipeType) {
  return { id: t.id, name: t.name, version: t.version, title: t.title, description: t.description, revision_num: t.revisionNum, is_active: t.isActive };
}

export function recipeTypeJson(t: RecipeType, definition: Record<string, unknown>) {
  return {
    ...recipeTypeSummary(t), is_system: t.isSystem, definition, trigger_rule: t.triggerRule ?? null, created: iso(t.created), last_modified: iso(t.lastModified),
    archived: iso(t.archived),
    // v6 (RecipeTypeSerializerV6) says deprecated where v5 says archived.
    deprecated: iso(t.archived),
  };
}

/** A revision; its recipe type as RecipeTypeBaseSerializerV6 gives it (without the definition) when known. */
export function recipeTypeRevisionJson(r: RecipeTypeRevision, definition?: Record<string, unknown>, t?: RecipeType) {
  const type = t ? { id: t.id, name: t.name, title: t.title, description: t.description, revision_num: t.revisionNum } : { id: r.recipeTypeId };
  return { id: r.id, recipe_type: type, revision_num: r.revisionNum, ...(definition ? { definition } : {}), created: iso(r.created) };
}

export function countsJson(c: RecipeCounts) {
  return {
    jobs_total: c.jobsTotal, jobs_pending: c.jobsPending, jobs_blocked: c.jobsBlocked, jobs_queued: c.jobsQueued, jobs_running: c.jobsRunning,
    jobs_failed: c.jobsFailed, jobs_completed: c.jobsCompleted, jobs_canceled: c.jobsCanceled, sub_recipes_total: c.subRecipesTotal,
    sub_recipes_completed: c.subRecipesCompleted,
  };
}

export interface RecipeContext {
  recipeTypes: Map<number, RecipeType>;
  revisionNums: Map<number, number>;
  counts: Map<number, RecipeCounts>;
  /** Recipes that supersede the listed ones, by the id they supersede. */
  supersededBy?: Map<number, number>;
  /** The batches of the listed recipes. */
  batches?: Map<number, BatchSummary>;
  /** The source times of each recipe's input files (Scale copies them onto the recipe). */
  sources?: Map<number, { started: Date | null; ended: Date | null; metadata: ReturnType<typeof sourceMetadata> }>;
}

export function recipeJson(r: Recipe, ctx: RecipeContext) {
  const t = ctx.recipeTypes.get(r.recipeTypeId);
  const by = ctx.supersededBy?.get(r.id);
  return {
    id: r.id,
    recipe_type: t ? recipeTypeSummary(t) : { id: r.recipeTypeId },
    recipe_type_rev: { id: r.recipeTypeRevId, recipe_type: { id: r.recipeTypeId }, revision_num: ctx.revisionNums.get(r.recipeTypeRevId) ?? null },
    event: r.eventId ? { id: r.eventId } : null,
    recipe: r.parentId ? { id: r.parentId } : null,
    root_recipe: r.rootId ? { id: r.rootId } : null,
    batch: batchRef(r.batchId, ctx.batches),
    is_superseded: r.isSuperseded,
    superseded_recipe: r.supersededRecipeId ? { id: r.supersededRecipeId } : null,
    ...(ctx.supersededBy ? { superseded_by_recipe: by ? { id: by } : null } : {}),
    input_file_size: r.inputFileSize,
    // RecipeSerializerV6: the earliest source start and latest source end of the input files, the
    // greatest sensor class, sensor, collection and task.
    source_started: iso(ctx.sources?.get(r.id)?.started ?? null),
    source_ended: iso(ctx.sources?.get(r.id)?.ended ?? null),
    ...(ctx.sources?.get(r.id)?.metadata ?? sourceMetadata([])),
    ...countsJson(ctx.counts.get(r.id)!),
    is_completed: r.isCompleted,
    is_canceled: r.isCanceled,
    created: iso(r.created),
    completed: iso(r.completed),
    superseded: iso(r.superseded),
    last_modified: iso(r.lastModified),
  };
}

/** Scale's recipe instance JSON (recipe_v6 schema): the nodes that exist, with their job or sub-recipe. */
export function instanceJson(nodes: NodeView[], subCounts: Map<number, RecipeCounts>, subCompleted: Map<number, boolean>) {
  const out: Record<string, unknown> = {};
  for (const n of nodes) {
    const dependencies = n.dependencies.map((d) => ({ name: d.name }));
    if (n.kind === 'job' && n.jobs.length) {
      out[n.name] = {
        dependencies,
        node_type: {
          node_type: 'job', job_type_name: n.jobType!.name, job_type_version: n.jobType!.version, job_type_revision: n.jobType!.revisionNum ?? 1,
          job_id: n.jobs[0].jobId, status: n.state,
        },
      };
    } else if (n.kind === 'recipe' && n.subRecipeId) {
      out[n.name] = {
        dependencies,
        node_type: {
          node_type: 'recipe', recipe_type_name: n.recipeType!.name, recipe_type_revision: n.recipeType!.revisionNum ?? 1, recipe_id: n.subRecipeId,
          is_completed: subCompleted.get(n.subRecipeId) ?? false, ...countsJson(subCounts.get(n.subRecipeId)!),
        },
      };
    } else if (n.kind === 'condition' && n.condition?.isProcessed) {
      out[n.name] = { dependencies, node_type: { node_type: 'condition', condition_id: n.condition.nodeId, is_processed: true, is_accepted: n.condition.isAccepted } };
    }
  }
  return { version: '7', nodes: out };
}

/** Every node of the definition, created or not, with its state and its jobs (fanned-out nodes have several). */
export function nodeGraphJson(nodes: NodeView[]) {
  return nodes.map((n) => ({
    name: n.name,
    node_type: n.kind,
    dependencies: n.dependencies,
    state: n.state,
    jobs: n.jobs.map((j) => ({ job_id: j.jobId, status: j.status, fork_index: j.forkIndex, is_original: j.isOriginal })),
    ...(n.kind === 'job' ? { job_type: { name: n.jobType!.name, version: n.jobType!.version, revision_num: n.jobType!.revisionNum } } : {}),
    ...(n.kind === 'recipe' ? { recipe_type: { name: n.recipeType!.name, revision_num: n.recipeType!.revisionNum }, sub_recipe: n.subRecipeId ? { id: n.subRecipeId } : null } : {}),
    ...(n.kind === 'condition' ? { condition: { is_processed: n.condition!.isProcessed, is_accepted: n.condition!.isAccepted } } : {}),
  }));
}
