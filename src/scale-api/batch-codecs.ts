// The Scale JSON shapes of batches, as Scale 6.0.0's batch/serializers.py writes them: v6 (list,
// details, comparison, validation) and v5 (list, details). Nothing here reads the database.
import type { Batch, BatchMetrics, BatchSummary, Durations, JobCounts, JobNameMetrics } from '../core/batches/model.ts';
import { configurationV6Json, definition1Json, definitionV6Json } from '../core/batches/definition.ts';
import { NO_JOB_NAME_METRICS } from '../core/batches/metrics.ts';
import type { RecipeType, RecipeTypeRevision } from '../core/recipe-types/service.ts';
import type { NodeDiff, RecipeDiff } from '../core/recipes/diff.ts';
import type { TriggerEvent } from '../core/triggers/events.ts';
import { iso } from './codecs.ts';

/** Scale's util.parse.duration_to_string: PnDTnHnMnS, zero parts left out (but seconds), fractions rounded. */
export function durationJson(seconds: number | null): string | null {
  if (seconds === null) return null;
  const days = Math.floor(seconds / 86400);
  const inDay = seconds - days * 86400;
  const whole = Math.floor(inDay);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole - h * 3600) / 60);
  let s = whole - h * 3600 - m * 60;
  if (inDay - whole >= 0.5) s += 1;
  return `P${days > 0 ? `${days}D` : ''}T${h > 0 ? `${h}H` : ''}${m > 0 ? `${m}M` : ''}${s}S`;
}

export const batchBaseJson = (b: BatchSummary) => ({ id: b.id, title: b.title, description: b.description, created: iso(b.created) });

/** Recipe type as v6 batch shapes name it (RecipeTypeBaseSerializerV6). */
export const recipeTypeBaseV6 = (t: RecipeType) => ({ id: t.id, name: t.name, title: t.title, description: t.description, revision_num: t.revisionNum });

export const revisionBaseV6 = (r: RecipeTypeRevision) => ({ id: r.id, recipe_type: { id: r.recipeTypeId }, revision_num: r.revisionNum });

export function countsJson(c: JobCounts) {
  return {
    jobs_total: c.jobsTotal, jobs_pending: c.jobsPending, jobs_blocked: c.jobsBlocked, jobs_queued: c.jobsQueued, jobs_running: c.jobsRunning,
    jobs_failed: c.jobsFailed, jobs_completed: c.jobsCompleted, jobs_canceled: c.jobsCanceled,
  };
}

const durationsJson = (kind: 'seed' | 'job', d: Durations) => ({ [`min_${kind}_duration`]: durationJson(d.min), [`avg_${kind}_duration`]: durationJson(d.avg), [`max_${kind}_duration`]: durationJson(d.max) });

export const jobNameMetricsJson = (m: JobNameMetrics) => ({ ...countsJson(m), ...durationsJson('seed', m.seedDuration), ...durationsJson('job', m.jobDuration) });

/**
 * Scale's batch comparison: the chain's batches, and each metric as a list with one value per batch
 * in their order; per job name too, null where a batch's recipe type had no such node.
 */
export function comparisonJson(c: { batches: Batch[]; metrics: Map<number, BatchMetrics>; jobMetrics: Map<number, Map<string, JobNameMetrics>> }) {
  const metrics: Record<string, unknown[]> = {};
  for (const k of [...Object.keys(countsJson(NO_JOB_NAME_METRICS)), 'recipes_estimated', 'recipes_total', 'recipes_completed']) metrics[k] = [];
  const names = [...new Set([...c.jobMetrics.values()].flatMap((m) => [...m.keys()]))];
  const nulls = Object.fromEntries(Object.keys(jobNameMetricsJson(NO_JOB_NAME_METRICS)).map((k) => [k, null]));
  const jobMetrics: Record<string, Record<string, unknown[]>> = Object.fromEntries(names.map((n) => [n, Object.fromEntries(Object.keys(nulls).map((k) => [k, []]))]));
  for (const b of c.batches) {
    const m = c.metrics.get(b.id)!;
    for (const [k, v] of Object.entries({ ...countsJson(m), recipes_estimated: b.recipesEstimated, recipes_total: m.recipesTotal, recipes_completed: m.recipesCompleted })) metrics[k].push(v);
    for (const n of names) {
      const own = c.jobMetrics.get(b.id)?.get(n);
      for (const [k, v] of Object.entries(own ? jobNameMetricsJson(own) : nulls)) jobMetrics[n][k].push(v);
    }
  }
  return { batches: c.batches.map(batchBaseJson), metrics: { ...metrics, job_metrics: jobMetrics } };
}

/** What a v6 list and details render a batch with. */
export interface BatchContext {
  recipeTypes: Map<number, RecipeType>;
  revisions: Map<number, RecipeTypeRevision>;
  events: Map<number, TriggerEvent>;
  /** The root and superseded batches the listed ones point at. */
  related: Map<number, BatchSummary>;
  metrics: Map<number, BatchMetrics>;
}

const link = (id: number | null, ctx: BatchContext) => (id === null ? null : ctx.related.has(id) ? batchBaseJson(ctx.related.get(id)!) : { id });

/** Scale's BatchSerializerV6. */
export function batchJson(b: Batch, ctx: BatchContext) {
  const t = ctx.recipeTypes.get(b.recipeTypeId)!;
  const rev = ctx.revisions.get(b.recipeTypeRevId)!;
  const ev = ctx.events.get(b.eventId);
  const m = ctx.metrics.get(b.id)!;
  return {
    ...batchBaseJson(b),
    recipe_type: recipeTypeBaseV6(t),
    recipe_type_rev: revisionBaseV6(rev),
    event: ev ? { id: ev.id, type: ev.type, occurred: iso(ev.occurred) } : null,
    is_superseded: b.isSuperseded,
    root_batch: link(b.rootBatchId, ctx),
    superseded_batch: link(b.supersededBatchId, ctx),
    is_creation_done: b.isCreationDone,
    ...countsJson(m),
    recipes_estimated: b.recipesEstimated,
    recipes_total: m.recipesTotal,
    recipes_completed: m.recipesCompleted,
    superseded: iso(b.superseded),
    last_modified: iso(b.lastModified),
  };
}

/** Scale's BatchDetailsSerializerV6: the revision and event in full, definition, configuration and per-job metrics. */
export function batchDetailsJson(b: Batch, ctx: BatchContext, jobMetrics: Map<string, JobNameMetrics>) {
  const base = batchJson(b, ctx);
  const rev = ctx.revisions.get(b.recipeTypeRevId)!;
  const ev = ctx.events.get(b.eventId);
  return {
    ...base,
    recipe_type_rev: { ...revisionBaseV6(rev), recipe_type: base.recipe_type, created: iso(rev.created) },
    event: ev ? { id: ev.id, type: ev.type, occurred: iso(ev.occurred), description: ev.description } : null,
    definition: definitionV6Json(b.definitionJson),
    configuration: configurationV6Json(b.configurationJson),
    job_metrics: Object.fromEntries([...jobMetrics].map(([name, m]) => [name, jobNameMetricsJson(m)])),
  };
}

/** Scale's BatchSerializerV5 (v5 counts: made so far, failed, and the total expected). */
export function batchV5Json(b: Batch, ctx: BatchContext) {
  const t = ctx.recipeTypes.get(b.recipeTypeId)!;
  const ev = ctx.events.get(b.eventId);
  const m = ctx.metrics.get(b.id)!;
  return {
    id: b.id, title: b.title, description: b.description, status: b.isCreationDone ? 'CREATED' : 'SUBMITTED',
    recipe_type: { id: t.id, name: t.name, version: t.version, title: t.title, description: t.description },
    event: ev ? { id: ev.id, type: ev.type, rule: null, occurred: iso(ev.occurred) } : null,
    // The v5 batch creator job: batches here make their recipes without one.
    creator_job: null,
    created_count: m.recipesCreated,
    failed_count: b.failedCount,
    completed_job_count: m.jobsCompleted,
    completed_recipe_count: m.recipesCompleted,
    total_count: b.isCreationDone ? m.recipesCreated + b.failedCount : Math.max(b.recipesEstimated, m.recipesCreated),
    created: iso(b.created),
    last_modified: iso(b.lastModified),
  };
}

/** Scale's BatchDetailsSerializerV5: counts from the batch's recipes once it has some, the 1.0 definition. */
export function batchV5DetailsJson(b: Batch, ctx: BatchContext, recipeType: Record<string, unknown>) {
  const base = batchV5Json(b, ctx);
  const ev = ctx.events.get(b.eventId);
  const total = ctx.metrics.get(b.id)!.recipesTotal;
  return {
    ...base,
    ...(total ? { created_count: total, total_count: total } : {}),
    recipe_type: recipeType,
    event: ev ? { ...base.event, description: ev.description } : null,
    definition: definition1Json(b.definitionJson),
  };
}

function nodeDiffJson(d: NodeDiff) {
  const t = d.type;
  let nodeType: Record<string, unknown>;
  if (t.kind === 'job') {
    nodeType = { node_type: 'job', job_type_name: t.jobTypeName, job_type_version: t.jobTypeVersion, job_type_revision: d.revision ?? 1 };
    if (d.prev.name !== undefined) nodeType.prev_job_type_name = d.prev.name;
    if (d.prev.version !== undefined) nodeType.prev_job_type_version = d.prev.version;
    if (d.prev.revision !== undefined && d.prev.revision !== null) nodeType.prev_job_type_revision = d.prev.revision;
  } else if (t.kind === 'recipe') {
    nodeType = { node_type: 'recipe', recipe_type_name: t.recipeTypeName, recipe_type_revision: d.revision ?? 1 };
    if (d.prev.name !== undefined) nodeType.prev_recipe_type_name = d.prev.name;
    if (d.prev.revision !== undefined && d.prev.revision !== null) nodeType.prev_recipe_type_revision = d.prev.revision;
  } else {
    nodeType = { node_type: 'condition' };
  }
  return {
    status: d.status, changes: d.changes, reprocess_new_node: d.reprocessNewNode, force_reprocess: d.forceReprocess,
    dependencies: d.dependencies.map((name) => ({ name })), node_type: nodeType, ...(d.prevKind ? { prev_node_type: d.prevKind } : {}),
  };
}

/** Scale's recipe diff v6 JSON (convert_recipe_diff_to_v6_json), its version stripped as the batch validation strips it. */
export function recipeDiffJson(d: RecipeDiff) {
  return { can_be_reprocessed: d.canBeReprocessed, reasons: d.reasons, nodes: Object.fromEntries(d.nodes.map((n) => [n.name, nodeDiffJson(n)])) };
}
