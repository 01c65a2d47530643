// Recipes: creating them (data checked, first jobs queued), reading them with their node graph and
// counters, canceling and reprocessing them (what carries over: supersede.ts; what it means for
// jobs: job-links.ts). The engine does the rest.
import { checkInputCount } from '../input-count.ts';
import { addSourceMetadataFilters, type SourceMetadataFilter } from '../files/source-metadata.ts';
import { countValues, INPUT_FIELDS } from '../jobs/job-data.ts';
import type { Db, Queryable } from '../../store/db.ts';
import { type ListRequest, type ListResult, Where, orderBy, pagedList } from '../../store/listing.ts';
import { check } from '../../schemas.ts';
import type { Logger } from '../../log.ts';
import { Conflict, Invalid, NotFound } from '../../errors.ts';
import type { CoreEvents } from '../events.ts';
import type { Idempotency, IdempotencyKey } from '../idempotency.ts';
import type { FileService } from '../files/service.ts';
import type { InterfaceInput } from '../job-types/model.ts';
import type { RecipeTypeService } from '../recipe-types/service.ts';
import type { WorkspaceService } from '../workspaces/service.ts';
import { markForUpdate } from './advance.ts';
import { cancelJobs } from '../jobs/transitions.ts';
import type { RecipeEngine } from './engine.ts';
import { type NodeView, NO_COUNTS, type Recipe, type RecipeCounts, toRecipe } from './model.ts';
import { type CheckedRecipeData, checkRecipeData, type RecipeData } from './recipe-data.ts';
import { type ForcedNodes, NOTHING_FORCED, carryover } from './supersede.ts';
import type { RecipeDefinition } from './definition.ts';
import { supersedeJobs } from './job-links.ts';

export interface NewRecipe {
  recipeTypeId: number;
  /** What the recipe is given (the door decoded it from its wire shape); none: no inputs. */
  data?: RecipeData;
  /** v6 recipe configuration, merged over the job types' own for the recipe's jobs. */
  configuration?: Record<string, any>;
  /** The request's Idempotency-Key: sent again, it gets the recipe the first request made. */
  idempotency?: IdempotencyKey;
  /** The batch the recipe is made for and the event that made it, if any. */
  link?: ReprocessLink;
}

export interface RecipeListFilter extends ListRequest, SourceMetadataFilter {
  started?: Date | null;
  ended?: Date | null;
  recipeTypeIds?: number[];
  recipeTypeNames?: string[];
  recipeIds?: number[];
  rootRecipeIds?: number[];
  batchIds?: number[];
  isSuperseded?: boolean | null;
  isCompleted?: boolean | null;
}

const ORDERABLE: Record<string, string> = {
  id: 'id', created: 'created', completed: 'completed', superseded: 'superseded', last_modified: 'last_modified', is_completed: 'is_completed',
  recipe_type: 'recipe_type_id', recipe_type_id: 'recipe_type_id', recipe_type__name: '(SELECT name FROM recipe_type t WHERE t.id = recipe.recipe_type_id)',
};

/** Recipes and every sub-recipe below them: (top, id) pairs. */
export const RECIPE_TREE = `
  WITH RECURSIVE tree(top, id) AS (
    SELECT id, id FROM recipe WHERE id = ANY($1::bigint[])
    UNION ALL SELECT t.top, rn.sub_recipe_id FROM tree t JOIN recipe_node rn ON rn.recipe_id = t.id WHERE rn.sub_recipe_id IS NOT NULL)`;

export type RecipeService = ReturnType<typeof createRecipeService>;

/** What a reprocessed recipe (and its reprocessed sub-recipes) belong to: a batch, the event that made it. */
export interface ReprocessLink {
  batchId?: number | null;
  eventId?: number | null;
}

export interface ReprocessOptions extends ReprocessLink {
  forced?: ForcedNodes;
  revisionNum?: number | null;
  /**
   * Makes the new recipe even when it would take everything over (a batch re-creates every recipe
   * of the batch it follows, as Scale's does); otherwise that is refused as nothing to reprocess.
   */
  evenIfUnchanged?: boolean;
}

export function createRecipeService(deps: {
  db: Db;
  recipeTypes: RecipeTypeService;
  files: FileService;
  workspaces: WorkspaceService;
  engine: RecipeEngine;
  events: CoreEvents;
  idempotency: Idempotency;
  defaultWorkspaceId: () => number | null;
  log?: Logger;
  /** Most inputs one recipe may be given (SCALE_MAX_INPUTS). */
  maxInputs?: number;
}) {
  const { db, recipeTypes, files, workspaces, engine, events } = deps;

  function checkConfiguration(c: unknown): Record<string, any> | null {
    if (c === undefined || c === null) return null;
    const given = c as Record<string, any>;
    // RecipeConfigurationV6: version 6 only; an output_workspaces without default or outputs has none.
    if (given.version !== undefined && given.version !== '6') throw new Invalid('configuration.version', `${JSON.stringify(given.version)} is not a recipe configuration version: 6`);
    const ow = given.output_workspaces;
    const filled = ow !== null && typeof ow === 'object' && !Array.isArray(ow) ? { ...given, output_workspaces: { default: '', outputs: {}, ...ow } } : given;
    const problems = check('scale/job-configuration-6', { mounts: {}, priority: 1, output_workspaces: { default: '', outputs: {} }, settings: {}, ...filled }, 'configuration');
    if (problems.length) throw Invalid.many(problems);
    return filled;
  }

  /** The inputs new recipes of a recipe type are checked against (its current revision's): what a door decodes recipe data for. */
  async function inputsOf(recipeTypeId: number): Promise<InterfaceInput[]> {
    const recipeType = await recipeTypes.get(recipeTypeId).catch((err) => {
      if (err instanceof NotFound) throw new Invalid('recipe_type_id', `recipe type ${recipeTypeId} does not exist`);
      throw err;
    });
    return (await recipeTypes.currentRevision(recipeType)).definition.inputs;
  }

  async function create(n: NewRecipe): Promise<{ recipe: Recipe; warnings: CheckedRecipeData['warnings']; replayed?: boolean }> {
    // Sent again under its Idempotency-Key, a request gets the recipe the first one made, unchecked.
    const prior = n.idempotency ? await deps.idempotency.find(n.idempotency, 'recipe') : null;
    if (prior !== null) return { recipe: await get(prior), warnings: [], replayed: true };
    const { ids, warnings, replayed } = await createMany(n.recipeTypeId, [n.data ?? { inputs: new Map(), workspaceId: null }], n.configuration, n.idempotency, n.link);
    return { recipe: await get(ids[0]), warnings: replayed ? [] : warnings, replayed };
  }

  /**
   * Creates recipes of one type, all checked before any is made, in one transaction, and brings
   * them up to date together (batch submitters, benchmarks). Each item's fields are named as its door's DataFields say.
   */
  async function createMany(
    recipeTypeId: number, items: RecipeData[], configurationJson?: Record<string, any>, idempotency?: IdempotencyKey, link: ReprocessLink = {},
  ): Promise<{ ids: number[]; warnings: CheckedRecipeData['warnings']; replayed?: boolean }> {
    const recipeType = await recipeTypes.get(recipeTypeId).catch((err) => {
      if (err instanceof NotFound) throw new Invalid('recipe_type_id', `recipe type ${recipeTypeId} does not exist`);
      throw err;
    });
    if (!recipeType.isActive) throw new Invalid('recipe_type_id', `recipe type ${recipeType.name} ${recipeType.version} is archived and takes no new recipes`);
    const configuration = checkConfiguration(configurationJson);
    const rev = await recipeTypes.currentRevision(recipeType);
    const rows: { json: string; size: number }[] = [];
    const warnings: CheckedRecipeData['warnings'] = [];
    let writers: string | null | undefined;
    for (const item of items) {
      checkInputCount(countValues(item.inputs), deps.maxInputs);
      const checked = await checkRecipeData(rev.definition.inputs, item, { files: (ids) => files.getMany(ids), workspaces: (ids) => workspaces.getMany(ids) });
      if (checked.data.workspaceId === null && deps.defaultWorkspaceId() === null && !configuration?.output_workspaces?.default) {
        if (writers === undefined) {
          const lookups = await recipeTypes.lookupsFor(rev.definition);
          writers = [...lookups.jobTypes.values()].find((t) => t.rev.interface.outputs.some((o) => o.kind !== 'json'))?.type.name ?? null;
        }
        if (writers) throw new Invalid((item.fields ?? INPUT_FIELDS).workspace(), `is required: job type ${writers} of this recipe writes output files`);
      }
      warnings.push(...checked.warnings);
      rows.push({ json: JSON.stringify(checked.json), size: checked.inputFiles.reduce((sum, f) => sum + f.fileSize, 0) / (1024 * 1024) });
    }
    const insert = async (tx: Queryable) => {
      const res = await tx.query<{ id: number }>(
        `INSERT INTO recipe (recipe_type_id, recipe_type_rev_id, input, configuration, input_file_size, batch_id, event_id)
         SELECT $1, $2, i, $3, s, $6, $7 FROM unnest($4::jsonb[], $5::float8[]) WITH ORDINALITY AS u(i, s, ord) ORDER BY ord RETURNING id`,
        [recipeType.id, rev.id, configuration ? JSON.stringify(configuration) : null, rows.map((r) => r.json), rows.map((r) => r.size), link.batchId ?? null, link.eventId ?? null],
      );
      const made = res.rows.map((r) => r.id).sort((a, b) => a - b);
      // The marks make the engine finish the job should this process stop before it does.
      await markForUpdate(tx, made);
      return made;
    };
    let ids: number[];
    if (idempotency && items.length === 1) {
      const once = await deps.idempotency.once(idempotency, 'recipe', async (tx) => (await insert(tx))[0]);
      if (once.replayed) return { ids: [once.id], warnings: [], replayed: true };
      ids = [once.id];
    } else ids = await db.transaction(insert);
    try {
      await engine.update(ids, { marked: true });
    } catch (err) {
      deps.log?.error('recipes created but not yet brought up to date; the engine will retry', { recipeIds: ids, err });
    }
    return { ids, warnings };
  }

  async function get(id: number, q: Queryable = db): Promise<Recipe> {
    const res = await q.query('SELECT * FROM recipe WHERE id = $1', [id]);
    if (!res.rows[0]) throw new NotFound('recipe', id);
    return toRecipe(res.rows[0]);
  }

  async function getMany(ids: number[]): Promise<Map<number, Recipe>> {
    if (!ids.length) return new Map();
    const res = await db.query('SELECT * FROM recipe WHERE id = ANY($1::bigint[])', [ids]);
    return new Map(res.rows.map((r) => [r.id, toRecipe(r)]));
  }

  async function list(f: RecipeListFilter): Promise<ListResult<Recipe>> {
    const where = new Where().range('last_modified', f.started, f.ended).anyOf('recipe_type_id', f.recipeTypeIds, 'int').anyOf('id', f.recipeIds, 'bigint')
      .anyOf('root_recipe_id', f.rootRecipeIds, 'bigint')
      .anyOf('batch_id', f.batchIds, 'int');
    if (f.recipeTypeNames?.length) where.add('recipe_type_id IN (SELECT id FROM recipe_type WHERE name = ANY(?::text[]))', f.recipeTypeNames);
    if (f.isSuperseded !== undefined && f.isSuperseded !== null) where.add('is_superseded = ?', f.isSuperseded);
    if (f.isCompleted !== undefined && f.isCompleted !== null) where.add('is_completed = ?', f.isCompleted);
    addSourceMetadataFilters(where, 'recipe.input', f);
    const res = await pagedList(db, { select: '*', from: 'recipe', where, orderSql: orderBy(f.order, ORDERABLE, ['-last_modified']), tiebreak: 'id DESC', page: f });
    return { count: res.count, rows: res.rows.map(toRecipe) };
  }

  /** Counters of many recipes in one query (no query per recipe: Scale issue #1899). */
  async function counts(ids: number[]): Promise<Map<number, RecipeCounts>> {
    if (!ids.length) return new Map();
    const res = await db.query(
      `${RECIPE_TREE}
       SELECT t.top,
              count(j.id) AS total,
              count(*) FILTER (WHERE j.status = 'PENDING') AS pending, count(*) FILTER (WHERE j.status = 'BLOCKED') AS blocked,
              count(*) FILTER (WHERE j.status = 'QUEUED') AS queued, count(*) FILTER (WHERE j.status = 'RUNNING') AS running,
              count(*) FILTER (WHERE j.status = 'FAILED') AS failed, count(*) FILTER (WHERE j.status = 'COMPLETED') AS completed,
              count(*) FILTER (WHERE j.status = 'CANCELED') AS canceled,
              count(s.id) AS subs, count(*) FILTER (WHERE s.is_completed) AS subs_completed
         FROM tree t JOIN recipe_node rn ON rn.recipe_id = t.id
         LEFT JOIN job j ON j.id = rn.job_id LEFT JOIN recipe s ON s.id = rn.sub_recipe_id
        GROUP BY t.top`,
      [ids],
    );
    const out = new Map<number, RecipeCounts>(ids.map((id) => [id, NO_COUNTS]));
    for (const r of res.rows) {
      out.set(r.top, {
        jobsTotal: Number(r.total), jobsPending: Number(r.pending), jobsBlocked: Number(r.blocked), jobsQueued: Number(r.queued), jobsRunning: Number(r.running),
        jobsFailed: Number(r.failed), jobsCompleted: Number(r.completed), jobsCanceled: Number(r.canceled), subRecipesTotal: Number(r.subs),
        subRecipesCompleted: Number(r.subs_completed),
      });
    }
    return out;
  }

  /** The recipes a job belongs to (its own, and those that took it over when superseding), with its node name. */
  async function ofJob(jobId: number): Promise<{ recipe: Recipe; node: string }[]> {
    const res = await db.query(`SELECT r.*, rn.node_name FROM recipe_node rn JOIN recipe r ON r.id = rn.recipe_id WHERE rn.job_id = $1 ORDER BY r.id`, [jobId]);
    return res.rows.map((r) => ({ recipe: toRecipe(r), node: r.node_name }));
  }

  /** The recipe that superseded each of these, by the id it superseded. */
  async function successors(ids: number[]): Promise<Map<number, number>> {
    if (!ids.length) return new Map();
    const res = await db.query('SELECT id, superseded_recipe_id FROM recipe WHERE superseded_recipe_id = ANY($1::bigint[])', [ids]);
    return new Map(res.rows.map((r) => [r.superseded_recipe_id, r.id]));
  }

  /** Every node of the recipe's definition with what it became and where it stands. */
  async function nodes(recipe: Recipe): Promise<NodeView[]> {
    const [{ definition, plan }, rows] = await Promise.all([
      engine.snapshot(recipe.id),
      db.query(
        `SELECT rn.id, rn.node_name, rn.fork_index, rn.is_original, rn.job_id, rn.sub_recipe_id, rn.outcome, j.status, jt.revision_num,
                s.is_completed AS sub_completed
           FROM recipe_node rn LEFT JOIN job j ON j.id = rn.job_id LEFT JOIN job_type_revision jt ON jt.id = j.job_type_rev_id
           LEFT JOIN recipe s ON s.id = rn.sub_recipe_id
          WHERE rn.recipe_id = $1 ORDER BY rn.node_name, rn.fork_index`,
        [recipe.id],
      ),
    ]);
    return definition.nodes.map((n): NodeView => {
      const mine = rows.rows.filter((r) => r.node_name === n.name);
      const jobs = mine.filter((r) => r.job_id).map((r) => ({ forkIndex: r.fork_index, jobId: r.job_id, status: r.status, isOriginal: r.is_original }));
      const standing = plan.standings.get(n.name) ?? 'waiting';
      const outcome = mine.find((r) => r.outcome)?.outcome as string | undefined;
      const sub = mine.find((r) => r.sub_recipe_id);
      let state: string;
      if (outcome === 'SKIPPED' || outcome === 'ACCEPTED' || outcome === 'REJECTED') state = outcome;
      else if (outcome === 'EMPTY') state = 'COMPLETED';
      else if (jobs.length) state = aggregate(jobs.map((j) => j.status));
      else if (sub) state = standing === 'done' ? 'COMPLETED' : standing === 'failed' ? 'FAILED' : 'RUNNING';
      else state = standing === 'blocked' || standing === 'failed' ? 'BLOCKED' : 'PENDING';
      const t = n.type;
      const jobRev = mine.find((r) => r.revision_num)?.revision_num ?? null;
      return {
        name: n.name, kind: t.kind, dependencies: n.dependencies.map(({ name, acceptance }) => ({ name, acceptance })), state, jobs,
        subRecipeId: sub?.sub_recipe_id ?? null,
        condition: t.kind === 'condition' ? { nodeId: mine[0]?.id ?? null, isProcessed: outcome === 'ACCEPTED' || outcome === 'REJECTED', isAccepted: outcome === 'ACCEPTED' } : null,
        jobType: t.kind === 'job' ? { name: t.jobTypeName, version: t.jobTypeVersion, revisionNum: t.jobTypeRevision ?? jobRev } : null,
        recipeType: t.kind === 'recipe' ? { name: t.recipeTypeName, revisionNum: t.recipeTypeRevision } : null,
      };
    });
  }

  /** Cancels every unfinished job of the recipe and its sub-recipes; nothing new is created for it. */
  async function cancel(id: number): Promise<Recipe> {
    await get(id);
    const canceled = await db.transaction(async (tx) => {
      const recipeIds = await lockTree(tx, id);
      const jobIds = (await tx.query<{ job_id: number }>(`SELECT job_id FROM recipe_node WHERE recipe_id = ANY($1::bigint[]) AND job_id IS NOT NULL`, [recipeIds])).rows.map((r) => r.job_id);
      const ids = await cancelJobs(tx, jobIds, 'unfinished');
      await tx.query('UPDATE recipe SET is_canceled = true, last_modified = now() WHERE id = ANY($1::bigint[])', [recipeIds]);
      return ids;
    });
    if (canceled.length) events.emit('canceled', canceled);
    return get(id);
  }

  /** Locks a recipe and every sub-recipe below it (recipes before jobs, in id order: the engine takes its locks so); returns their ids. */
  async function lockTree(tx: Queryable, id: number): Promise<number[]> {
    const tree = (await tx.query<{ id: number }>(`${RECIPE_TREE} SELECT id FROM tree`, [[id]])).rows.map((r) => r.id);
    await tx.query('SELECT id FROM recipe WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE', [tree]);
    return tree;
  }

  /** What superseding one recipe (and, inside it, failed sub-recipes) takes: worked out before the transaction. */
  interface Prepared {
    old: Recipe;
    revId: number;
    copy: string[];
    subs: Map<string, Prepared>;
  }

  async function prepareSupersede(oldId: number, forced: ForcedNodes, revisionNum: number | null): Promise<Prepared> {
    const old = await get(oldId);
    if (old.isSuperseded) throw new Conflict(`recipe ${oldId} has already been superseded and cannot be reprocessed again`);
    const recipeType = await recipeTypes.get(old.recipeTypeId);
    const newRev = revisionNum === null ? await recipeTypes.currentRevision(recipeType) : await recipeTypes.revisionByNum(recipeType.id, revisionNum);
    if (!newRev) throw new Invalid('revision_num', `recipe type ${recipeType.name} has no revision ${revisionNum}`);
    checkForcedNodes(forced, newRev.definition);
    const { definition: oldDef, state, plan } = await engine.snapshot(oldId);
    const co = carryover(oldDef, newRev.definition, plan.standings, state.nodes, forced);
    const subs = new Map<string, Prepared>();
    for (const [node, f] of co.reprocessSubs) {
      const n = newRev.definition.nodes.find((x) => x.name === node)!;
      const pinned = n.type.kind === 'recipe' ? n.type.recipeTypeRevision : null;
      subs.set(node, await prepareSupersede(state.nodes.get(node)!.subRecipe!.id, f, pinned));
    }
    return { old, revId: newRev.id, copy: [...co.copy], subs };
  }

  async function applySupersede(tx: Queryable, p: Prepared, parentId: number | null, rootId: number | null, link: ReprocessLink): Promise<number[]> {
    const o = p.old;
    const taken = await tx.query('UPDATE recipe SET is_superseded = true, superseded = now(), last_modified = now() WHERE id = $1 AND NOT is_superseded RETURNING id', [o.id]);
    if (!taken.rows.length) throw new Conflict(`recipe ${o.id} has already been superseded and cannot be reprocessed again`);
    const res = await tx.query<{ id: number }>(
      `INSERT INTO recipe (recipe_type_id, recipe_type_rev_id, recipe_id, root_recipe_id, input, configuration, input_file_size, superseded_recipe_id, root_superseded_recipe_id,
                           batch_id, event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
      [o.recipeTypeId, p.revId, parentId, rootId, JSON.stringify(o.input), o.configuration ? JSON.stringify(o.configuration) : null, o.inputFileSize, o.id, o.rootSupersededRecipeId ?? o.id,
        link.batchId ?? null, link.eventId ?? null],
    );
    const id = res.rows[0].id;
    await tx.query(
      `INSERT INTO recipe_node (recipe_id, node_name, fork_index, is_original, job_id, sub_recipe_id, outcome, data)
       SELECT $1, node_name, fork_index, false, job_id, sub_recipe_id, outcome, data FROM recipe_node
        WHERE recipe_id = $2 AND node_name = ANY($3::text[]) AND outcome IS DISTINCT FROM 'SKIPPED'`,
      [id, o.id, p.copy],
    );
    await supersedeJobs(tx, o.id, [...p.copy, ...p.subs.keys()]);
    const created = [id];
    for (const [node, sub] of p.subs) {
      const subIds = await applySupersede(tx, sub, id, rootId ?? id, link);
      await tx.query('INSERT INTO recipe_node (recipe_id, node_name, sub_recipe_id) VALUES ($1, $2, $3)', [id, node, subIds[0]]);
      created.push(...subIds);
    }
    await markForUpdate(tx, [id]);
    return created;
  }

  /**
   * Reprocesses a recipe (Scale: POST recipes/{id}/reprocess/): a new recipe on the latest (or the
   * given) revision supersedes it and takes over what it finished; the rest runs again. The old
   * recipe's unfinished jobs are canceled.
   */
  async function reprocess(id: number, opts: ReprocessOptions = {}): Promise<Recipe> {
    const old = await get(id);
    if (old.parentId !== null) throw new Invalid(null, `recipe ${id} is a sub-recipe of recipe ${old.parentId}; reprocess that one`);
    const prepared = await prepareSupersede(id, opts.forced ?? NOTHING_FORCED, opts.revisionNum ?? null);
    const rev = await recipeTypes.revision(prepared.revId);
    if (!opts.evenIfUnchanged && prepared.copy.length === rev.definition.nodes.length && !prepared.subs.size) {
      throw new Invalid('forced_nodes', 'nothing to reprocess: every node completed and the definition is unchanged; name the nodes to run again');
    }
    const { created, canceled } = await db.transaction(async (tx) => {
      const tree = await lockTree(tx, id);
      const jobIds = (await tx.query<{ job_id: number }>('SELECT job_id FROM recipe_node WHERE recipe_id = ANY($1::bigint[]) AND job_id IS NOT NULL', [tree])).rows.map((r) => r.job_id);
      const stopped = await cancelJobs(tx, jobIds, 'unfinished');
      // The old tree creates nothing more; finished sub-recipes it shares with the new one stay as they are.
      await tx.query('UPDATE recipe SET is_canceled = true, last_modified = now() WHERE id = ANY($1::bigint[]) AND NOT is_completed', [tree]);
      return { created: await applySupersede(tx, prepared, null, null, opts), canceled: stopped };
    });
    if (canceled.length) events.emit('canceled', canceled);
    try {
      await engine.update(created, { marked: true });
    } catch (err) {
      deps.log?.error('reprocessed recipe not yet brought up to date; the engine will retry', { recipeIds: created, err });
    }
    return get(created[0]);
  }

  return { inputsOf, create, createMany, get, getMany, list, counts, successors, ofJob, nodes, cancel, reprocess };
}

/**
 * Forced nodes must name nodes of the definition, and sub_recipes recipe nodes of it (Scale's
 * RecipeReprocessView answers 400 otherwise); a sub-recipe's own nodes are checked when it is reprocessed.
 */
function checkForcedNodes(forced: ForcedNodes, def: RecipeDefinition, root = 'forced_nodes'): void {
  const byName = new Map(def.nodes.map((n) => [n.name, n]));
  for (const name of forced.nodes) if (!byName.has(name)) throw new Invalid(`${root}.nodes`, `the recipe has no node ${JSON.stringify(name)}`);
  for (const name of Object.keys(forced.subRecipes)) {
    if (byName.get(name)?.type.kind !== 'recipe') throw new Invalid(`${root}.sub_recipes.${name}`, `the recipe has no sub-recipe node ${JSON.stringify(name)}`);
  }
}

/** One status for the jobs of a node that fanned out: the worst that applies. */
function aggregate(statuses: string[]): string {
  for (const s of ['FAILED', 'CANCELED', 'BLOCKED', 'RUNNING', 'QUEUED', 'PENDING']) if (statuses.includes(s)) return s;
  return 'COMPLETED';
}
