// Batches (Scale 6.0.0's batch app): checking and creating them, editing their title, description
// and configuration, reading them with their progress, and comparing the batches of one chain.
// Their recipes are made in the background by creator.ts; where they stand is read by metrics.ts.
import type { Db, Queryable } from '../../store/db.ts';
import { type ListRequest, type ListResult, Where, orderBy, pagedList } from '../../store/listing.ts';
import { Conflict, Invalid, NotFound } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { FileService } from '../files/service.ts';
import type { RecipeType, RecipeTypeRevision, RecipeTypeService } from '../recipe-types/service.ts';
import { topologicalOrder } from '../recipes/definition.ts';
import { type Reason, type RecipeDiff, recipeDiff } from '../recipes/diff.ts';
import type { RecipeService } from '../recipes/service.ts';
import { createBatchCreator } from './creator.ts';
import {
  type BatchConfiguration, type PreviousBatchDefinition, configurationJson, definitionJson, parseConfiguration, parseDefinition1, parseDefinitionV6,
} from './definition.ts';
import { matchedFiles, matchedRecipes } from './matching.ts';
import { METRICS_JOIN, NO_JOB_NAME_METRICS, batchMetrics, jobNameMetrics } from './metrics.ts';
import { type Batch, type BatchMetrics, type BatchSummary, type JobNameMetrics, toBatch } from './model.ts';

/** A batch to make: definition and configuration as their wire JSON (the format says which definition). */
export interface NewBatch {
  title?: string | null;
  description?: string | null;
  recipeTypeId: number;
  /** '6': batch definition v6 (POST /v6/batches/); '1.0': the v5 API's. */
  format: '6' | '1.0';
  definition: Record<string, any>;
  configuration?: Record<string, any> | null;
}

/** What POST /v6/batches/validation/ answers: whether the batch could be made, and what it would do. */
export interface BatchValidation {
  isValid: boolean;
  errors: Reason[];
  warnings: Reason[];
  recipesEstimated: number;
  recipeType: RecipeType;
  /** The batch it would supersede, its revision, and how the recipe type changed since (when that was reached). */
  previous: { batch: Batch; revision: RecipeTypeRevision; diff: RecipeDiff | null } | null;
}

export interface BatchListFilter extends ListRequest {
  started?: Date | null;
  ended?: Date | null;
  recipeTypeIds?: number[];
  recipeTypeNames?: string[];
  isCreationDone?: boolean | null;
  isSuperseded?: boolean | null;
  rootBatchIds?: number[];
  /** v5: SUBMITTED (creating recipes) or CREATED. */
  statuses?: string[];
}

const STATUS_SQL = `CASE WHEN b.is_creation_done THEN 'CREATED' ELSE 'SUBMITTED' END`;
const METRIC_FIELDS = ['jobs_total', 'jobs_pending', 'jobs_blocked', 'jobs_queued', 'jobs_running', 'jobs_failed', 'jobs_completed', 'jobs_canceled', 'recipes_total', 'recipes_completed'];
const ORDERABLE: Record<string, string> = {
  id: 'b.id', title: 'b.title', description: 'b.description', recipe_type: 'b.recipe_type_id', recipe_type_id: 'b.recipe_type_id',
  recipe_type__name: '(SELECT name FROM recipe_type t WHERE t.id = b.recipe_type_id)', recipe_type__version: '(SELECT version FROM recipe_type t WHERE t.id = b.recipe_type_id)',
  recipe_type_rev: 'b.recipe_type_rev_id', recipe_type_rev_id: 'b.recipe_type_rev_id', event: 'b.event_id', event_id: 'b.event_id', status: STATUS_SQL,
  is_creation_done: 'b.is_creation_done', is_superseded: 'b.is_superseded', root_batch: 'b.root_batch_id', root_batch_id: 'b.root_batch_id',
  superseded_batch: 'b.superseded_batch_id', superseded_batch_id: 'b.superseded_batch_id', recipes_estimated: 'b.recipes_estimated',
  created: 'b.created', superseded: 'b.superseded', last_modified: 'b.last_modified',
  ...Object.fromEntries(METRIC_FIELDS.map((f) => [f, f])),
};

export type BatchService = ReturnType<typeof createBatchService>;

export function createBatchService(deps: { db: Db; recipeTypes: RecipeTypeService; recipes: RecipeService; files: FileService; log?: Logger }) {
  const { db, recipeTypes } = deps;
  const creator = createBatchCreator(deps);

  async function recipeTypeOf(id: number): Promise<RecipeType> {
    return recipeTypes.get(id).catch((err) => {
      if (err instanceof NotFound) throw new Invalid('recipe_type_id', `Unknown recipe type: ${id}`);
      throw err;
    });
  }

  async function get(id: number, q: Queryable = db): Promise<Batch> {
    const res = await q.query('SELECT * FROM batch WHERE id = $1', [id]);
    if (!res.rows[0]) throw new NotFound('batch', id);
    return toBatch(res.rows[0]);
  }

  async function getMany(ids: number[]): Promise<Map<number, Batch>> {
    if (!ids.length) return new Map();
    const res = await db.query('SELECT * FROM batch WHERE id = ANY($1::int[])', [ids]);
    return new Map(res.rows.map((r) => [r.id, toBatch(r)]));
  }

  /** What jobs and recipes show of their batches. */
  async function summaries(ids: number[]): Promise<Map<number, BatchSummary>> {
    return getMany([...new Set(ids)]);
  }

  /**
   * What a v6 definition would do for a recipe type (Scale's BatchDefinition.validate): the first
   * problem found, else the recipes it would make.
   */
  async function assess(rt: RecipeType, rev: RecipeTypeRevision, def: PreviousBatchDefinition | null) {
    const q = db;
    const out: { previous: BatchValidation['previous']; estimated: number; error: Reason | null } = { previous: null, estimated: 0, error: null };
    const fail = (name: string, description: string) => ({ ...out, error: { name, description } });
    if (def) {
      const row = (await q.query('SELECT * FROM batch WHERE root_batch_id = $1 AND NOT is_superseded', [def.rootBatchId])).rows[0];
      if (!row) return fail('PREV_BATCH_NOT_FOUND', 'No batch with that root ID exists');
      const batch = toBatch(row);
      out.previous = { batch, revision: await recipeTypes.revision(batch.recipeTypeRevId), diff: null };
      if (batch.recipeTypeId !== rt.id) return fail('MISMATCHED_RECIPE_TYPE', 'New batch and previous batch must have the same recipe type');
      if (!batch.isCreationDone) return fail('PREV_BATCH_STILL_CREATING', 'Previous batch must have completed creating all of its recipes');
      out.previous.diff = recipeDiff(out.previous.revision.definition, rev.definition, def.forcedNodes, await recipeTypes.resolver());
      if (!out.previous.diff.canBeReprocessed) return fail('PREV_BATCH_NO_REPROCESS', 'Previous batch cannot be reprocessed');
      out.estimated = (await batchMetrics(q, [batch.id])).get(batch.id)!.recipesTotal;
    }
    if (!out.estimated) return fail('NO_RECIPES', 'Batch definition must result in creating at least one recipe');
    return out;
  }

  async function validate(n: Omit<NewBatch, 'format' | 'title' | 'description'>): Promise<BatchValidation> {
    const rt = await recipeTypeOf(n.recipeTypeId);
    const def = parseDefinitionV6(n.definition);
    parseConfiguration(n.configuration);
    const a = await assess(rt, await recipeTypes.currentRevision(rt), def);
    return { isValid: !a.error, errors: a.error ? [a.error] : [], warnings: [], recipesEstimated: a.error ? 0 : a.estimated, recipeType: rt, previous: a.previous };
  }

  async function insert(q: Queryable, n: NewBatch, rt: RecipeType, rev: RecipeTypeRevision, stored: Record<string, unknown>, conf: BatchConfiguration, more: Record<string, unknown>) {
    const ev = await q.query<{ id: number }>(`INSERT INTO trigger_event (type, description) VALUES ('USER', $1) RETURNING id`, [JSON.stringify({ user: 'Anonymous' })]);
    const cols = { title: n.title ?? null, description: n.description ?? null, recipe_type_id: rt.id, recipe_type_rev_id: rev.id, event_id: ev.rows[0].id, definition: JSON.stringify(stored), configuration: JSON.stringify(configurationJson(conf)), ...more };
    const names = Object.keys(cols);
    const res = await q.query<{ id: number }>(`INSERT INTO batch (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`, Object.values(cols));
    return res.rows[0].id;
  }

  /** Makes a batch; its recipes are made in the background (is_creation_done says when all are). */
  async function create(n: NewBatch): Promise<Batch> {
    const rt = await recipeTypeOf(n.recipeTypeId);
    const rev = await recipeTypes.currentRevision(rt);
    let id: number;
    if (n.format === '6') {
      const def = parseDefinitionV6(n.definition);
      const conf = parseConfiguration(n.configuration);
      // Checked first (reading revisions and the diff), then again under the previous batch's lock:
      // of two batches made at once on the same one, the second finds it superseded.
      const a = await assess(rt, rev, def);
      if (a.error) throw new Invalid('definition', a.error.description);
      const prev = a.previous!.batch;
      id = await db.transaction(async (tx) => {
        const locked = await tx.query('SELECT id FROM batch WHERE id = $1 AND NOT is_superseded FOR UPDATE', [prev.id]);
        if (!locked.rows.length) throw new Conflict(`batch ${prev.id} was superseded meanwhile; make the batch again to follow the one that superseded it`);
        const estimated = (await batchMetrics(tx, [prev.id])).get(prev.id)!.recipesTotal;
        await tx.query('UPDATE batch SET is_superseded = true, superseded = now(), last_modified = now() WHERE id = $1', [prev.id]);
        return insert(tx, n, rt, rev, definitionJson(def!), conf, { root_batch_id: prev.rootBatchId, superseded_batch_id: prev.id, recipes_estimated: estimated });
      });
    } else {
      const def = parseDefinition1(n.definition);
      if (def.triggerRule && !(await db.query('SELECT 1 FROM workspace WHERE name = $1', [def.triggerRule.workspaceName])).rows.length) {
        throw new Invalid('definition.trigger_rule.data.workspace_name', `${def.triggerRule.workspaceName} is an invalid workspace name`);
      }
      const { recipeCount, fileCount } = await countV5(rt.id, n.definition);
      id = await db.transaction(async (tx) => {
        const made = await insert(tx, n, rt, rev, definitionJson(def, n.definition), { priority: def.priority }, { recipes_estimated: recipeCount + fileCount });
        // A batch that supersedes none is the root of its own chain (Scale: create_batch_v6), so a v6 batch can follow it.
        await tx.query('UPDATE batch SET root_batch_id = id WHERE id = $1', [made]);
        return made;
      });
    }
    creator.wake();
    return get(id);
  }

  /** What a v5 definition would take on (POST /v5/batches/validation/): recipes to reprocess, files to start recipes for. */
  async function countV5(recipeTypeId: number, definition: Record<string, any>): Promise<{ recipeCount: number; fileCount: number }> {
    const rt = await recipeTypeOf(recipeTypeId);
    const def = parseDefinition1(definition);
    const r = matchedRecipes(rt.id, def);
    const recipeCount = Number((await db.query(`SELECT count(*) AS n FROM recipe r ${r.sql()}`, r.params)).rows[0].n);
    if (!def.triggerRule) return { recipeCount, fileCount: 0 };
    const f = matchedFiles(rt.id, def);
    return { recipeCount, fileCount: Number((await db.query(`SELECT count(*) AS n FROM scale_file f ${f.sql()}`, f.params)).rows[0].n) };
  }

  async function edit(id: number, e: { title?: string | null; description?: string | null; configuration?: Record<string, any> | null }): Promise<Batch> {
    await get(id);
    const sets: string[] = [];
    const params: unknown[] = [id];
    const set = (col: string, v: unknown) => {
      params.push(v);
      sets.push(`${col} = $${params.length}`);
    };
    if (e.title !== undefined && e.title !== null) set('title', e.title);
    if (e.description !== undefined && e.description !== null) set('description', e.description);
    // An empty configuration changes nothing (Scale edits it only when one is given).
    if (e.configuration && Object.keys(e.configuration).length) set('configuration', JSON.stringify(configurationJson(parseConfiguration(e.configuration))));
    if (sets.length) await db.query(`UPDATE batch SET ${sets.join(', ')}, last_modified = now() WHERE id = $1`, params);
    return get(id);
  }

  async function list(f: BatchListFilter): Promise<ListResult<Batch>> {
    const where = new Where().range('b.last_modified', f.started, f.ended).anyOf('b.recipe_type_id', f.recipeTypeIds, 'int').anyOf('b.root_batch_id', f.rootBatchIds, 'int');
    if (f.recipeTypeNames?.length) where.add('b.recipe_type_id IN (SELECT id FROM recipe_type WHERE name = ANY(?::text[]))', f.recipeTypeNames);
    if (f.isCreationDone !== undefined && f.isCreationDone !== null) where.add('b.is_creation_done = ?', f.isCreationDone);
    if (f.isSuperseded !== undefined && f.isSuperseded !== null) where.add('b.is_superseded = ?', f.isSuperseded);
    if (f.statuses?.length) where.add(`${STATUS_SQL} = ANY(?::text[])`, f.statuses);
    const orderSql = orderBy(f.order, ORDERABLE, ['last_modified']);
    // Ordered by progress: each batch's metrics are joined in (only then, as they cost a query per batch).
    const byMetrics = f.order.some((o) => METRIC_FIELDS.includes(o.replace(/^-/, '')));
    const res = await pagedList(db, { select: 'b.*', from: byMetrics ? `batch b ${METRICS_JOIN}` : 'batch b', where, orderSql, tiebreak: 'b.id', page: f });
    return { count: res.count, rows: res.rows.map(toBatch) };
  }

  /** Node names of a batch's recipe type revision, parents first (Scale made a metrics row for each). */
  async function nodeNames(revId: number): Promise<string[]> {
    const def = (await recipeTypes.revision(revId)).definition;
    const order = topologicalOrder(def);
    return 'order' in order ? order.order : def.nodes.map((n) => n.name);
  }

  /** Each node of the batch's recipe type with its jobs' counts and durations. */
  async function jobMetricsOf(batches: Batch[]): Promise<Map<number, Map<string, JobNameMetrics>>> {
    const found = await jobNameMetrics(db, batches.map((b) => b.id));
    const out = new Map<number, Map<string, JobNameMetrics>>();
    for (const b of batches) out.set(b.id, new Map((await nodeNames(b.recipeTypeRevId)).map((n) => [n, found.get(b.id)!.get(n) ?? NO_JOB_NAME_METRICS])));
    return out;
  }

  /** The batches of one chain, oldest first, with their metrics (Scale's get_batch_comparison_v6). */
  async function comparison(rootBatchId: number): Promise<{ batches: Batch[]; metrics: Map<number, BatchMetrics>; jobMetrics: Map<number, Map<string, JobNameMetrics>> }> {
    const batches = (await db.query('SELECT * FROM batch WHERE root_batch_id = $1 ORDER BY id', [rootBatchId])).rows.map(toBatch);
    const ids = batches.map((b) => b.id);
    const [metrics, jobMetrics] = await Promise.all([batchMetrics(db, ids), jobMetricsOf(batches)]);
    return { batches, metrics, jobMetrics };
  }

  return {
    validate, create, countV5, edit, get, getMany, summaries, list, comparison,
    metrics: (ids: number[]) => batchMetrics(db, ids),
    jobMetrics: jobMetricsOf,
    /** Makes pending batches' recipes now (tests, and a worker that runs no background loop). */
    processPending: () => creator.processPending(),
    start: creator.start,
    stop: creator.stop,
  };
}
