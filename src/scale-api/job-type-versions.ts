// Scale v6 names job types by name and version rather than id: the names with their versions
// (/job-type-names/), a name's versions (/job-types/{name}/), one version's details and edit
// (/job-types/{name}/{version}/) and its revisions. The same job types as /job-types/{id}/.
import { Router } from 'express';
import type { Core } from '../core/index.ts';
import { NotFound } from '../errors.ts';
import type { JobType, Revision } from '../core/job-types/service.ts';
import { iso, jobTypeJson } from './codecs.ts';
import { HttpError, isV6 } from './http.ts';
import { editJobType, jobTypeV6Details, v6Fields } from './job-types.ts';
import { paged } from './paging.ts';
import { Query } from './params.ts';

/** The job type summary v6 puts in its revision documents. */
const revisionJobType = (t: JobType) => ({
  name: t.name, version: t.version, title: t.title, description: t.description, is_active: t.isActive, is_paused: t.isPaused,
  is_published: t.isPublished, icon_code: t.iconCode, unmet_resources: null,
});

export function jobTypeVersionsRouter(core: Core): Router {
  const r = Router();

  async function version(name: string, ver: string): Promise<JobType> {
    const jt = await core.jobTypes.byNameVersion(name, ver);
    if (!jt) throw new NotFound('job type', `${name} ${ver}`);
    return jt;
  }

  r.get('/job-type-names/', async (req, res) => {
    const q = new Query(req);
    const page = q.list();
    const list = await core.jobTypeVersions.names({ ...page, keywords: q.strings('keyword'), ids: q.ints('id', { min: 1 }), isActive: q.bool('is_active'), isSystem: q.bool('is_system') });
    res.json(paged(req, page, list, (n) => ({ name: n.name, title: n.title, description: n.description, icon_code: n.iconCode, is_published: n.isPublished, versions: n.versions, latest_version: n.latestVersion })));
  });

  r.get('/job-types/:name/', async (req, res) => {
    const q = new Query(req);
    const page = q.list();
    const list = await core.jobTypes.list({ ...page, order: page.order.length ? page.order : ['version'], names: [req.params.name], isActive: q.bool('is_active') });
    if (!list.count && !(await core.jobTypes.list({ page: 1, pageSize: 1, order: [], names: [req.params.name] })).count) throw new NotFound('job type', req.params.name);
    res.json(paged(req, page, list, (t) => ({ ...jobTypeJson(t), ...v6Fields(t) })));
  });

  r.get('/job-types/:name/:version/', async (req, res) => {
    res.json(await jobTypeV6Details(core, await version(req.params.name, req.params.version)));
  });

  // Scale 6's JobTypeDetailsView.patch_v6 answers 204 with no body; the other prefixes answer the validation.
  r.patch('/job-types/:name/:version/', async (req, res) => {
    const { warnings } = await editJobType(core, await version(req.params.name, req.params.version), req, { seed: true });
    if (isV6(req)) {
      res.status(204).end();
      return;
    }
    res.json({ is_valid: true, errors: [], warnings: warnings.map((w) => ({ name: w.id, description: w.details })) });
  });

  r.get('/job-types/:name/:version/revisions/', async (req, res) => {
    const jt = await version(req.params.name, req.params.version);
    const page = new Query(req).list();
    const list = await core.jobTypeVersions.revisions(jt.id, page);
    res.json(paged(req, page, list, (x) => ({ id: x.id, job_type: revisionJobType(jt), revision_num: x.revisionNum, docker_image: x.dockerImage, created: iso(x.created) })));
  });

  r.get('/job-types/:name/:version/revisions/:num/', async (req, res) => {
    const jt = await version(req.params.name, req.params.version);
    const num = Number(req.params.num);
    const rev: Revision | null = /^\d{1,9}$/.test(req.params.num) ? await core.jobTypes.revisionByNum(jt.id, num) : null;
    if (!rev) throw new HttpError(404, `job type ${jt.name} ${jt.version} has no revision ${JSON.stringify(req.params.num)}`);
    res.json({
      id: rev.id, job_type: revisionJobType(jt), revision_num: rev.revisionNum, docker_image: rev.dockerImage,
      ...(jt.interfaceKind === 'seed' ? { manifest: rev.interfaceJson } : { interface: rev.interfaceJson }),
      created: iso(rev.created),
    });
  });

  return r;
}
