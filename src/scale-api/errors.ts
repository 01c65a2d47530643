// /errors/: the error catalogue. Under /v6/ as Scale 6.0.0's error/views.py answers: a list filtered
// by time only, ErrorSerializerV6's fields, and no create or edit (both answer 404 there; v5 keeps them).
import { type Request, type Response, Router } from 'express';
import type { Core } from '../core/index.ts';
import type { ErrorCategory, ScaleError } from '../core/errors/model.ts';
import { ERROR_CATEGORIES } from '../core/errors/model.ts';
import { errorJson, iso } from './codecs.ts';
import { body, HttpError, idParam, isV6, orV6 } from './http.ts';
import { paged } from './paging.ts';
import { Query } from './params.ts';

/** ErrorSerializerV6: v5's fields with the job type an error belongs to, and no should_be_retried. */
export function errorV6Json(e: ScaleError) {
  return {
    id: e.id, name: e.name, title: e.title, description: e.description, job_type_name: e.jobTypeName, category: e.category,
    is_builtin: e.isBuiltin, created: iso(e.created), last_modified: iso(e.lastModified),
  };
}

/** Scale 6 removed creating and editing errors from v6: its views raise Http404 there. */
const goneInV6 = (req: Request, _res: Response) => {
  throw new HttpError(404, `Scale 6 has no ${req.method} ${req.baseUrl}${req.path} (errors are created and edited through /v5/errors/)`);
};

export function errorsRouter(core: Core): Router {
  const r = Router();
  r.get('/errors/', async (req, res) => {
    const q = new Query(req);
    const page = q.list();
    // ErrorsView._get_v6 reads started, ended and order only.
    const filter = isV6(req) ? {} : { names: q.strings('name'), categories: q.strings('category', ERROR_CATEGORIES) as ErrorCategory[] };
    const list = await core.errors.list({ ...page, ...q.range(), ...filter });
    const shape: (e: ScaleError) => unknown = isV6(req) ? errorV6Json : errorJson;
    res.json(paged(req, page, list, shape));
  });
  r.post('/errors/', orV6(goneInV6, async (req, res) => {
    const b = body<{ name: string; title?: string; description?: string; category: ErrorCategory; should_be_retried?: boolean }>(req, 'scale-api/error-create');
    const e = await core.errors.create({ name: b.name, title: b.title, description: b.description, category: b.category, shouldBeRetried: b.should_be_retried });
    res.status(201).location(`${req.baseUrl}/errors/${e.id}/`).json(errorJson(e));
  }));
  r.get('/errors/:id/', async (req, res) => {
    const e = await core.errors.get(idParam(req, 'id', 'error'));
    res.json(isV6(req) ? errorV6Json(e) : errorJson(e));
  });
  r.patch('/errors/:id/', orV6(goneInV6, async (req, res) => {
    const id = idParam(req, 'id', 'error');
    const b = body(req, 'scale-api/error-edit');
    res.json(errorJson(await core.errors.edit(id, b)));
  }));
  return r;
}
