// /errors/: the error catalogue.
import { Router } from 'express';
import type { Core } from '../core/index.ts';
import type { ErrorCategory } from '../core/errors/model.ts';
import { ERROR_CATEGORIES } from '../core/errors/model.ts';
import { errorJson } from './codecs.ts';
import { body, idParam } from './http.ts';
import { paged } from './paging.ts';
import { Query } from './params.ts';

export function errorsRouter(core: Core): Router {
  const r = Router();
  r.get('/errors/', async (req, res) => {
    const q = new Query(req);
    const page = q.list();
    const list = await core.errors.list({ ...page, ...q.range(), names: q.strings('name'), categories: q.strings('category', ERROR_CATEGORIES) as ErrorCategory[] });
    res.json(paged(req, page, list, errorJson));
  });
  r.post('/errors/', async (req, res) => {
    const b = body<{ name: string; title?: string; description?: string; category: ErrorCategory; should_be_retried?: boolean }>(req, 'scale-api/error-create');
    const e = await core.errors.create({ name: b.name, title: b.title, description: b.description, category: b.category, shouldBeRetried: b.should_be_retried });
    res.status(201).location(`${req.baseUrl}/errors/${e.id}/`).json(errorJson(e));
  });
  r.get('/errors/:id/', async (req, res) => {
    res.json(errorJson(await core.errors.get(idParam(req, 'id', 'error'))));
  });
  r.patch('/errors/:id/', async (req, res) => {
    const id = idParam(req, 'id', 'error');
    const b = body(req, 'scale-api/error-edit');
    res.json(errorJson(await core.errors.edit(id, b)));
  });
  return r;
}
