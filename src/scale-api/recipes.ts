// /recipes/ and /queue/new-recipe/: start recipes, follow them node by node, cancel and reprocess them.
import { Router, type Request, type Response } from 'express';
import { idempotencyKeyOf, REPLAYED_HEADER } from '../auth/idempotency-key.ts';
import type { Core } from '../core/index.ts';
import { Invalid } from '../errors.ts';
import { fileIdsOf } from '../core/jobs/job-data.ts';
import type { Recipe } from '../core/recipes/model.ts';
import { readRecipeData, toV6Data } from '../core/recipes/recipe-data.ts';
import { recipeDataOf, v6InputFormat } from './data.ts';
import { encodeRecipeData1 } from '../../seed-mapping/scale-data.ts';
import { parseForcedNodes } from '../core/recipes/supersede.ts';
import { fileJson, jobJson, sourceMetadata } from './codecs.ts';
import { jobContext } from './context.ts';
import { body, checked, idParam, isV6 } from './http.ts';
import { inputFilesPage } from './files.ts';
import { paged } from './paging.ts';
import { Query, sourceMetadataFilter } from './params.ts';
import { scaleInt } from './rest-params.ts';
import { definitionFormat, instanceJson, nodeGraphJson, type RecipeContext, recipeJson, recipeTypeSummary } from './recipe-codecs.ts';

/** The file ids a recipe's input names (v6 {files} or 1.0 {input_data}), read from the stored JSON. */
function inputFileIds(input: any): number[] {
  if (input?.files && typeof input.files === 'object') return Object.values<unknown>(input.files).flat().filter((x): x is number => typeof x === 'number');
  return (Array.isArray(input?.input_data) ? input.input_data : []).flatMap((d: any) => (typeof d?.file_id === 'number' ? [d.file_id] : Array.isArray(d?.file_ids) ? d.file_ids : []));
}

/** The earliest source start and latest source end of each recipe's input files. */
async function sourceTimes(core: Core, recipes: Recipe[]): Promise<NonNullable<RecipeContext['sources']>> {
  const ids = new Map(recipes.map((r) => [r.id, inputFileIds(r.input)]));
  const files = await core.files.getMany([...new Set([...ids.values()].flat())]);
  const out: NonNullable<RecipeContext['sources']> = new Map();
  for (const [id, fileIds] of ids) {
    const fs = fileIds.map((f) => files.get(f)).filter((f): f is NonNullable<typeof f> => Boolean(f));
    const starts = fs.map((f) => f.sourceStarted).filter((d): d is Date => d !== null).map((d) => new Date(d).getTime());
    const ends = fs.map((f) => f.sourceEnded).filter((d): d is Date => d !== null).map((d) => new Date(d).getTime());
    out.set(id, { started: starts.length ? new Date(Math.min(...starts)) : null, ended: ends.length ? new Date(Math.max(...ends)) : null, metadata: sourceMetadata(fs) });
  }
  return out;
}

async function recipeContext(core: Core, recipes: Recipe[], withSuccessors = false): Promise<RecipeContext> {
  const ids = recipes.map((r) => r.id);
  const [recipeTypes, revisionNums, counts, successors, batches] = await Promise.all([
    core.recipeTypes.getMany([...new Set(recipes.map((r) => r.recipeTypeId))]),
    core.recipeTypes.revisionNums([...new Set(recipes.map((r) => r.recipeTypeRevId))]),
    core.recipes.counts(ids),
    withSuccessors ? core.recipes.successors(ids) : Promise.resolve(undefined),
    core.batches.summaries(recipes.flatMap((r) => (r.batchId === null ? [] : [r.batchId]))),
  ]);
  return { recipeTypes, revisionNums, counts, supersededBy: successors, batches, sources: await sourceTimes(core, recipes) };
}

export async function recipeDetails(core: Core, req: Request, recipe: Recipe) {
  const [ctx, nodes, rev] = await Promise.all([recipeContext(core, [recipe], true), core.recipes.nodes(recipe), core.recipeTypes.revision(recipe.recipeTypeRevId)]);
  const data = readRecipeData(recipe.input, rev.definition.inputs);
  const jobIds = nodes.flatMap((n) => n.jobs.map((j) => j.jobId));
  const subIds = nodes.flatMap((n) => (n.subRecipeId ? [n.subRecipeId] : []));
  const [jobs, subs, subCounts, inputFiles, [definition], jobTypes, subTypes] = await Promise.all([
    core.jobQueries.jobsByIds(jobIds),
    core.recipes.getMany(subIds),
    core.recipes.counts(subIds),
    core.files.getMany([...new Set([...data.inputs.values()].flatMap(fileIdsOf))]),
    core.recipeTypes.render([{ json: rev.definitionJson }], definitionFormat(req)),
    core.recipeTypes.jobTypesOf(rev.definition),
    core.recipeTypes.subRecipeTypesOf(rev.definition),
  ]);
  const jctx = await jobContext(core, [...jobs.values()]);
  return {
    ...recipeJson(recipe, ctx),
    recipe_type_rev: { ...recipeJson(recipe, ctx).recipe_type_rev, definition },
    // RecipeDetailsSerializerV6 has input and no 1.0 data.
    ...(isV6(req) ? {} : { data: encodeRecipeData1(data, rev.definition.inputs) }),
    // Recipe.get_v6_input_data_json: the v6 data with its version stripped.
    input: (({ version: _v, ...rest }) => rest)(toV6Data(data.inputs)),
    configuration: recipe.configuration,
    input_files: [...inputFiles.values()].map(fileJson),
    jobs: nodes.flatMap((n) => n.jobs.map((j) => ({ job_name: n.name, fork_index: j.forkIndex, is_original: j.isOriginal, job: jobJson(jobs.get(j.jobId)!, jctx) }))),
    details: instanceJson(nodes, subCounts, new Map([...subs.values()].map((s) => [s.id, s.isCompleted]))),
    nodes: nodeGraphJson(nodes),
    job_types: jobTypes.map((t) => ({ id: t.id, name: t.name, version: t.version, title: t.title, description: t.description, icon_code: t.iconCode, revision_num: t.revisionNum })),
    sub_recipe_types: subTypes.map(recipeTypeSummary),
  };
}

type NewRecipeBody = { recipe_type_id: number; recipe_data?: unknown; input?: unknown; configuration?: Record<string, any> };

export function recipesRouter(core: Core): Router {
  const r = Router();

  /** POST /v6/recipes/ in the order of Scale 6's RecipesView.post (as POST /v6/jobs/: see queue.ts). */
  async function newRecipeV6Body(req: Request): Promise<NewRecipeBody> {
    const raw = req.body === undefined ? {} : req.body;
    const given = raw !== null && typeof raw === 'object' && !Array.isArray(raw) && raw.recipe_type_id !== undefined ? { ...raw, recipe_type_id: scaleInt('recipe_type_id', raw.recipe_type_id) } : raw;
    const b = checked<NewRecipeBody>(given, 'scale-api/queue-new-recipe');
    if (b.input !== undefined) v6InputFormat(b.input);
    await core.recipeTypes.get(b.recipe_type_id);
    return b;
  }

  const newRecipe = async (req: Request, res: Response) => {
    const b = isV6(req) ? await newRecipeV6Body(req) : body<NewRecipeBody>(req, 'scale-api/queue-new-recipe');
    const { recipe, warnings, replayed } = await core.recipes.create({
      recipeTypeId: b.recipe_type_id, data: await recipeDataOf(core, b.recipe_type_id, b), configuration: b.configuration, idempotency: idempotencyKeyOf(req, res),
    });
    if (replayed) res.setHeader(REPLAYED_HEADER, 'true');
    res.status(201).location(`${req.baseUrl}/recipes/${recipe.id}/`).json({ ...(await recipeDetails(core, req, recipe)), warnings });
  };
  r.post('/queue/new-recipe/', newRecipe);
  // Scale v6 creates recipes with POST /recipes/ {recipe_type_id, input, configuration}.
  r.post('/recipes/', newRecipe);

  r.get('/recipes/', async (req, res) => {
    const q = new Query(req);
    const page = q.list();
    const list = await core.recipes.list({
      ...page, ...q.range(),
      recipeTypeIds: [...q.ints('type_id', { min: 1 }), ...q.ints('recipe_type_id', { min: 1 })],
      recipeTypeNames: [...q.strings('type_name'), ...q.strings('recipe_type_name')],
      recipeIds: q.ints('recipe_id', { min: 1 }), rootRecipeIds: q.ints('root_recipe_id', { min: 1 }), batchIds: q.ints('batch_id', { min: 1 }),
      // Scale 6.0.0's v5 RecipesView hides superseded recipes unless include_superseded=true; v6 lists
      // them all unless is_superseded says (as the job lists).
      isSuperseded: isV6(req) ? q.bool('is_superseded') : q.bool('include_superseded') ? undefined : (q.bool('is_superseded') ?? false),
      isCompleted: q.bool('is_completed'),
      ...(isV6(req) ? sourceMetadataFilter(q) : {}),
    });
    const ctx = await recipeContext(core, list.rows);
    res.json(paged(req, page, list, (x) => recipeJson(x, ctx)));
  });

  r.get('/recipes/:id/', async (req, res) => {
    res.json(await recipeDetails(core, req, await core.recipes.get(idParam(req, 'id', 'recipe'))));
  });

  r.get('/recipes/:id/input_files/', async (req, res) => {
    const recipe = await core.recipes.get(idParam(req, 'id', 'recipe'));
    const q = new Query(req);
    const rev = await core.recipeTypes.revision(recipe.recipeTypeRevId);
    const wanted = q.strings('recipe_input');
    const data = readRecipeData(recipe.input, rev.definition.inputs);
    const ids = [...data.inputs].filter(([name]) => !wanted.length || wanted.includes(name)).flatMap(([, v]) => fileIdsOf(v));
    res.json(await inputFilesPage(core, req, ids));
  });

  r.post('/recipes/:id/reprocess/', async (req, res) => {
    const id = idParam(req, 'id', 'recipe');
    const b = body<{ forced_nodes?: unknown; revision_num?: number }>(req, 'scale-api/recipe-reprocess');
    const forced = parseForcedNodes(b.forced_nodes);
    // RecipeReprocessView: a superseded recipe is a bad request (400), on every version.
    if ((await core.recipes.get(id)).isSuperseded) throw new Invalid(null, `recipe ${id} has already been superseded and cannot be reprocessed again`);
    const recipe = await core.recipes.reprocess(id, { forced, revisionNum: b.revision_num ?? null });
    res.status(202).location(`${req.baseUrl}/recipes/${recipe.id}/`).json(await recipeDetails(core, req, recipe));
  });

  // Not in Scale (which cancels jobs one by one): stops a whole recipe, sub-recipes included.
  r.post('/recipes/:id/cancel/', async (req, res) => {
    body(req, 'scale-api/empty');
    const recipe = await core.recipes.cancel(idParam(req, 'id', 'recipe'));
    res.json(await recipeDetails(core, req, recipe));
  });

  return r;
}
