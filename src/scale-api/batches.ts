// /batches/: Scale 6.0.0's batch views. v6 (and the unversioned prefix): list, create (definition v6:
// re-process a previous batch's recipes), details, edit (PATCH, 204), validation, comparison of a
// chain. v5: list, create (definition 1.0), details, validation; no edit or comparison (404, as Scale).
import { Router, type Request, type Response } from 'express';
import type { Core } from '../core/index.ts';
import type { Batch } from '../core/batches/model.ts';
import {
  type BatchContext, batchDetailsJson, batchJson, batchV5DetailsJson, batchV5Json, comparisonJson, recipeDiffJson, recipeTypeBaseV6, revisionBaseV6,
} from './batch-codecs.ts';
import { body, checked, HttpError, idParam } from './http.ts';
import { paged } from './paging.ts';
import { Query } from './params.ts';
import { recipeTypeJson } from './recipe-codecs.ts';

const isV5 = (req: Request) => req.baseUrl.endsWith('/v5');

type CreateBody = { title?: string | null; description?: string | null; recipe_type_id: number; definition: Record<string, any>; configuration?: Record<string, any> | null };

/** The fields a Scale 6 batch view reads (rest_util.parse_*): the others (scale-ui's `supersedes`) are not looked at, as in Scale. */
function readFields(req: Request, fields: string[]): unknown {
  const b = req.body === undefined ? {} : req.body;
  if (b === null || typeof b !== 'object' || Array.isArray(b)) return b;
  return Object.fromEntries(fields.filter((k) => Object.hasOwn(b, k)).map((k) => [k, b[k]]));
}

async function batchContext(core: Core, batches: Batch[]): Promise<BatchContext> {
  const uniq = (xs: (number | null)[]) => [...new Set(xs.filter((x): x is number => x !== null))];
  const [recipeTypes, revisions, events, related, metrics] = await Promise.all([
    core.recipeTypes.getMany(uniq(batches.map((b) => b.recipeTypeId))),
    Promise.all(uniq(batches.map((b) => b.recipeTypeRevId)).map((id) => core.recipeTypes.revision(id))).then((rs) => new Map(rs.map((r) => [r.id, r]))),
    core.triggers.events(batches.map((b) => b.eventId)),
    core.batches.getMany(uniq(batches.flatMap((b) => [b.rootBatchId, b.supersededBatchId]))),
    core.batches.metrics(batches.map((b) => b.id)),
  ]);
  return { recipeTypes, revisions, events, related, metrics };
}

async function details(core: Core, req: Request, batch: Batch) {
  const ctx = await batchContext(core, [batch]);
  if (isV5(req)) {
    const t = ctx.recipeTypes.get(batch.recipeTypeId)!;
    const [definition] = await core.recipeTypes.render([{ json: t.definitionJson }], '1.0');
    return batchV5DetailsJson(batch, ctx, recipeTypeJson(t, definition));
  }
  return batchDetailsJson(batch, ctx, (await core.batches.jobMetrics([batch])).get(batch.id)!);
}

/** Django REST framework's answer to a method a view does not allow. */
const notAllowed = (allow: string) => (req: Request, res: Response) => {
  res.status(405).set('Allow', allow).json({ detail: `Method "${req.method}" not allowed.` });
};

export function batchesRouter(core: Core): Router {
  const r = Router();

  r.get('/batches/', async (req, res) => {
    const q = new Query(req);
    const page = q.list();
    const list = await core.batches.list({
      ...page, ...q.range(), recipeTypeIds: q.ints('recipe_type_id', { min: 1 }),
      ...(isV5(req)
        ? { statuses: q.strings('status', ['SUBMITTED', 'CREATED']), recipeTypeNames: q.strings('recipe_type_name') }
        : { isCreationDone: q.bool('is_creation_done'), isSuperseded: q.bool('is_superseded'), rootBatchIds: q.ints('root_batch_id', { min: 1 }) }),
    });
    const ctx = await batchContext(core, list.rows);
    res.json(paged(req, page, list, (b) => (isV5(req) ? batchV5Json(b, ctx) : batchJson(b, ctx))));
  });

  r.post('/batches/', async (req, res) => {
    const v5 = isV5(req);
    const b = v5
      ? body<CreateBody>(req, 'scale-api/batch-create-v5')
      : checked<CreateBody>(readFields(req, ['title', 'description', 'recipe_type_id', 'definition', 'configuration']), 'scale-api/batch-create');
    const batch = await core.batches.create({
      title: b.title, description: b.description, recipeTypeId: b.recipe_type_id, format: v5 ? '1.0' : '6', definition: b.definition, configuration: b.configuration,
    });
    res.status(201).location(`${req.baseUrl}/batches/${batch.id}/`).json(await details(core, req, batch));
  });

  r.post('/batches/validation/', async (req, res) => {
    if (isV5(req)) {
      const b = body<{ recipe_type_id: number; definition: Record<string, any> }>(req, 'scale-api/batch-validate-v5');
      const { recipeCount, fileCount } = await core.batches.countV5(b.recipe_type_id, b.definition);
      res.json({ recipe_count: recipeCount, file_count: fileCount, warnings: [] });
      return;
    }
    const b = checked<CreateBody>(readFields(req, ['title', 'description', 'recipe_type_id', 'definition', 'configuration']), 'scale-api/batch-validate');
    const v = await core.batches.validate({ recipeTypeId: b.recipe_type_id, definition: b.definition, configuration: b.configuration });
    res.json({
      is_valid: v.isValid, errors: v.errors, warnings: v.warnings, recipes_estimated: v.recipesEstimated, recipe_type: recipeTypeBaseV6(v.recipeType),
      ...(v.previous ? { prev_batch: { recipe_type_rev: revisionBaseV6(v.previous.revision), ...(v.previous.diff ? { diff: recipeDiffJson(v.previous.diff) } : {}) } } : {}),
    });
  });
  r.all('/batches/validation/', notAllowed('POST, OPTIONS'));

  r.get('/batches/comparison/:root/', async (req, res) => {
    if (isV5(req)) throw new HttpError(404, 'batch comparison is a v6 service: GET /v6/batches/comparison/{root_batch_id}/');
    res.json(comparisonJson(await core.batches.comparison(idParam(req, 'root', 'batch'))));
  });

  r.get('/batches/:id/', async (req, res) => {
    res.json(await details(core, req, await core.batches.get(idParam(req, 'id', 'batch'))));
  });

  r.patch('/batches/:id/', async (req, res) => {
    const id = idParam(req, 'id', 'batch');
    // Scale edits batches through v6 only.
    if (isV5(req)) throw new HttpError(404, 'batches are edited through v6: PATCH /v6/batches/{id}/');
    const b = body<{ title?: string | null; description?: string | null; configuration?: Record<string, any> | null }>(req, 'scale-api/batch-edit');
    await core.batches.edit(id, b);
    res.status(204).end();
  });
  r.all('/batches/:id/', notAllowed('GET, PATCH, HEAD, OPTIONS'));

  return r;
}
