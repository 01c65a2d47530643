// /recipe-types/: create, validate, describe and edit recipe types, and read their revisions.
// A recipe type is addressed by id (v5) or by name (v6: its newest version).
import { type Request, type Response, Router } from 'express';
import type { Core } from '../core/index.ts';
import { Invalid, NotFound } from '../errors.ts';
import type { RecipeType } from '../core/recipe-types/service.ts';
import { jobTypeSummary } from './codecs.ts';
import { body, HttpError, isV6 } from './http.ts';
import { paged } from './paging.ts';
import { Query } from './params.ts';
import { definitionFormat, recipeTypeJson, recipeTypeRevisionJson, recipeTypeSummary } from './recipe-codecs.ts';
import { absoluteUrl } from './rest-params.ts';
import { recipeDiff } from '../core/recipes/diff.ts';
import { recipeDiffJson } from './batch-codecs.ts';

/** Scale 6's names of the recipe definition warnings this server words its own way. */
const V6_WARNING_NAMES: Record<string, string> = { media_type: 'MISMATCHED_MEDIA_TYPES' };

/** Versions a v6 definition (one with `nodes`) may carry: Scale 6's "6", and "7" (Scale 7's, which this server writes). */
const V6_DEFINITION_VERSIONS = ['6', '7'];

/**
 * A recipe type body with its definition's version read as RecipeDefinitionV6 reads it: a v6
 * definition without one is version "6"; any other version is refused, naming definition.version
 * (1.0 definitions, without `nodes`, are checked by their own codec).
 */
function withDefinitionVersion(b: Record<string, any>): Record<string, any> {
  const d = b.definition;
  if (d === null || typeof d !== 'object' || Array.isArray(d) || !('nodes' in d)) return b;
  if (d.version === undefined) return { ...b, definition: { ...d, version: '6' } };
  if (!V6_DEFINITION_VERSIONS.includes(d.version)) throw new Invalid('definition.version', `${JSON.stringify(d.version)} is an unsupported version number; a v6 definition is version "6"`);
  return b;
}

export function recipeTypesRouter(core: Core): Router {
  const r = Router();

  async function byKey(req: Request): Promise<RecipeType> {
    const key = String(req.params.key);
    if (/^\d{1,9}$/.test(key)) return core.recipeTypes.get(Number(key));
    const t = await core.recipeTypes.byName(key);
    if (!t) throw new NotFound('recipe type', key);
    return t;
  }

  async function details(req: Request, t: RecipeType) {
    const rev = await core.recipeTypes.currentRevision(t);
    const [[definition], jobTypes, subs] = await Promise.all([
      core.recipeTypes.render([{ json: t.definitionJson }], definitionFormat(req)),
      core.recipeTypes.jobTypesOf(rev.definition),
      core.recipeTypes.subRecipeTypesOf(rev.definition),
    ]);
    return {
      ...recipeTypeJson(t, definition),
      job_types: jobTypes.map((jt) => ({ ...jobTypeSummary(jt), revision_num: jt.revisionNum, interface: jt.interface })),
      sub_recipe_types: subs.map(recipeTypeSummary),
    };
  }

  /** Validation errors as Scale lists them: {name, description}. */
  const listed = (problems: { field: string | null; message: string }[]) => problems.map((p) => ({ name: p.field, description: p.message }));

  r.get('/recipe-types/', async (req, res) => {
    const q = new Query(req);
    const page = q.list();
    // v6 filters as RecipeTypesView.list_v6 does: keyword, is_active and is_system, by name.
    const filter = isV6(req)
      ? { order: page.order.length ? page.order : ['name', 'version'], keywords: q.strings('keyword'), isActive: q.bool('is_active'), isSystem: q.bool('is_system') }
      : { ...q.range(), names: q.strings('name'), ids: q.ints('id', { min: 1 }), isActive: q.bool('is_active') };
    const list = await core.recipeTypes.list({ ...page, ...filter });
    const defs = await core.recipeTypes.render(list.rows.map((t) => ({ json: t.definitionJson })), definitionFormat(req));
    const byId = new Map(list.rows.map((t, i) => [t.id, defs[i]]));
    res.json(paged(req, page, list, (t) => recipeTypeJson(t, byId.get(t.id)!)));
  });

  r.post('/recipe-types/', async (req, res) => {
    const { recipeType, warnings } = await core.recipeTypes.create(withDefinitionVersion(body(req, 'scale-api/recipe-type-create')));
    if (isV6(req)) {
      // RecipeTypesView._create_v6: Location by name, as Scale's reverse() builds it.
      res.status(201).location(absoluteUrl(req, `/recipe-types/${encodeURIComponent(recipeType.name)}/`)).json({ ...(await details(req, recipeType)), warnings });
      return;
    }
    res.status(201).location(`${req.baseUrl}/recipe-types/${recipeType.id}/`).json({ ...(await details(req, recipeType)), warnings });
  });

  r.post('/recipe-types/validation/', async (req, res) => {
    // v6 answers 200 with is_valid false; v5 (and the plain routes, as /job-types/validation/) 400.
    const failStatus = definitionFormat(req) === '6' ? 200 : 400;
    // _post_v6 reads the definition with parse_dict: a missing one, or one not an object, is a bad request.
    const given = req.body?.definition;
    if (definitionFormat(req) === '6' && (given === null || typeof given !== 'object' || Array.isArray(given))) throw new Invalid('definition', 'is required and must be a JSON object');
    let input;
    try {
      input = withDefinitionVersion(body(req, 'scale-api/recipe-type-create'));
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const errors = listed(err.details.length ? err.details : [{ field: err.field, message: err.message }]);
      res.status(failStatus).json({ detail: err.message, is_valid: false, errors, warnings: [] });
      return;
    }
    // RecipeTypesValidationView v6 reads the definition and an optional name: the name of an existing
    // recipe type validates the definition as its next revision; no name at all is a new type.
    const v6 = definitionFormat(req) === '6';
    const existing = v6 && typeof input.name === 'string' ? await core.recipeTypes.byName(input.name) : null;
    const v = existing
      ? await core.recipeTypes.validate(input, existing.id)
      : await core.recipeTypes.validate(v6 && input.name === undefined && input.title === undefined ? { ...input, title: 'validation' } : input);
    if (v6) {
      // RecipeType.objects.validate_recipe_type_v6: warnings as {name, description}; a name that is no
      // recipe type is a warning; for one that is, the diff from its current definition, and a
      // definition its recipes could not be reprocessed under is a warning that makes it invalid.
      const warnings = v.warnings.map((w) => ({ name: V6_WARNING_NAMES[w.id] ?? w.id.toUpperCase(), description: w.details }));
      let diff = {};
      let isValid = v.errors.length === 0;
      if (existing && v.definition) {
        const d = recipeDiff((await core.recipeTypes.currentRevision(existing)).definition, v.definition, null, await core.recipeTypes.resolver());
        diff = recipeDiffJson(d);
        if (!d.canBeReprocessed) {
          warnings.push({ name: 'REPROCESS_WARNING', description: 'This recipe cannot be reprocessed after updating.' });
          isValid = false;
        }
      } else if (typeof input.name === 'string' && v.definition) {
        warnings.push({ name: 'RECIPE_TYPE_NOT_FOUND', description: `Unable to find an existing recipe type with name: ${input.name}` });
      }
      res.json({ is_valid: isValid, errors: listed(v.errors), warnings, diff });
      return;
    }
    if (v.errors.length) {
      res.status(failStatus).json({ detail: v.errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; '), is_valid: false, errors: listed(v.errors), warnings: v.warnings });
      return;
    }
    res.json({ is_valid: true, errors: [], warnings: v.warnings });
  });

  r.get('/recipe-types/:key/', async (req, res) => {
    res.json(await details(req, await byKey(req)));
  });

  r.patch('/recipe-types/:key/', async (req, res) => {
    const t = await byKey(req);
    const { recipeType, warnings } = await core.recipeTypes.edit(t.id, withDefinitionVersion(body(req, 'scale-api/recipe-type-edit')));
    // RecipeTypeDetailsView.patch_v6 answers 204 with no body.
    if (isV6(req)) {
      res.status(204).end();
      return;
    }
    res.json({ ...(await details(req, recipeType)), warnings });
  });

  r.get('/recipe-types/:key/revisions/', async (req, res) => {
    const t = await byKey(req);
    const q = new Query(req);
    const page = q.list();
    const all = await core.recipeTypes.revisionsOf(t.id);
    const rows = all.slice((page.page - 1) * page.pageSize, page.page * page.pageSize);
    const defs = await core.recipeTypes.render(rows.map((x) => ({ json: x.definitionJson })), definitionFormat(req));
    res.json(paged(req, page, { count: all.length, rows: rows.map((x, i) => [x, defs[i]] as const) }, ([x, d]) => recipeTypeRevisionJson(x, d, t)));
  });

  // v6's docs name a revision both /recipe-types/{name}/revisions/{num}/ and /recipe-types/{name}/{num}/.
  const revision = async (req: Request, res: Response) => {
    const t = await byKey(req);
    const num = Number(String(req.params.num));
    const rev = /^\d{1,9}$/.test(String(req.params.num)) ? await core.recipeTypes.revisionByNum(t.id, num) : null;
    if (!rev) throw new HttpError(404, `recipe type ${t.name} has no revision ${JSON.stringify(String(req.params.num))}`);
    const [definition] = await core.recipeTypes.render([{ json: rev.definitionJson }], definitionFormat(req));
    res.json(recipeTypeRevisionJson(rev, definition, t));
  };
  r.get('/recipe-types/:key/revisions/:num/', revision);
  r.get('/recipe-types/:key/:num/', revision);

  return r;
}
