// /workspaces/: where files live. Under /v6/ the routes answer as Scale 6 does (workspaces-v6.ts).
import { type Request, type Response, Router } from 'express';
import type { Core } from '../core/index.ts';
import { Invalid } from '../errors.ts';
import { workspaceJson } from './codecs.ts';
import { body, idParam, orV6 } from './http.ts';
import { paged } from './paging.ts';
import { Query } from './params.ts';
import { workspacesV6 } from './workspaces-v6.ts';

export function workspacesRouter(core: Core): Router {
  const r = Router();
  const v6 = workspacesV6(core);
  r.get('/workspaces/', orV6(v6.list, async (req, res) => {
    const q = new Query(req);
    const page = q.list();
    const list = await core.workspaces.list({ ...page, ...q.range(), names: q.strings('name') });
    res.json(paged(req, page, list, (w) => workspaceJson(w)));
  }));
  r.post('/workspaces/', orV6(v6.create, async (req, res) => {
    const { workspace, warnings } = await core.workspaces.create(body(req, 'scale-api/workspace-create'));
    res.status(201).location(`${req.baseUrl}/workspaces/${workspace.id}/`).json({ ...workspaceJson(workspace, true), warnings });
  }));
  r.post('/workspaces/validation/', orV6(v6.validate, async (req, res) => {
    const b = body(req, 'scale-api/workspace-create');
    try {
      const warnings = await core.workspaces.validate(b);
      res.json({ is_valid: true, errors: [], warnings });
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const errors = (err.details.length ? err.details : [{ field: err.field, message: err.message }]).map((d) => ({ name: d.field, description: d.message }));
      res.status(400).json({ detail: err.message, is_valid: false, errors, warnings: [] });
    }
  }));
  r.get('/workspaces/:id/', orV6(v6.get, async (req, res) => {
    res.json(workspaceJson(await core.workspaces.get(idParam(req, 'id', 'workspace')), true));
  }));
  const edit = async (req: Request, res: Response) => {
    const id = idParam(req, 'id', 'workspace');
    const { workspace, warnings } = await core.workspaces.edit(id, body(req, 'scale-api/workspace-edit'));
    res.json({ ...workspaceJson(workspace, true), warnings });
  };
  r.patch('/workspaces/:id/', orV6(v6.edit, edit));
  // v6's docs show the edit as POST /workspaces/{id}/ too.
  r.post('/workspaces/:id/', orV6(v6.edit, edit));
  return r;
}
