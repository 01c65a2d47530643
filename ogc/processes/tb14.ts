// The Testbed-14 ADES REST paths (REFERENCE.md §5.2, §5.4) as aliases of the OGC API ones, for
// EMS clients of that generation: jobs under their process (/processes/{id}/jobs…), `jobId` and
// `succeeded` in status documents, `{outputs: [{id, href | data, mimeType}]}` results. Deploy and
// undeploy are the OGC API Part 2 operations on the same paths.
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import type { Core } from '../../src/core/index.ts';
import { NotFound } from '../../src/core/domain-errors.ts';
import type { Job } from '../../src/core/jobs/model.ts';
import type { Catalog } from './catalog.ts';
import { noSuchJob, noSuchProcess, OgcError, resultNotReady, urls, type Urls } from './http.ts';
import { resultsDocument } from './results.ts';
import { statusInfo } from './status.ts';
import type { OgcStore } from './store.ts';

type Execute = (req: Request, res: Response, u: Urls, processId: string) => Promise<void>;

const TB14_STATUS: Record<string, string> = { successful: 'succeeded' };

export function tb14Router(deps: { core: Core; catalog: Catalog; store: OgcStore; execute: Execute; publicUrl: string | null; maxBodyBytes: number; onError: (err: unknown, req: Request, res: Response, next: NextFunction) => void }): Router {
  const { core, catalog, store } = deps;
  const router = Router();
  const json = express.json({ limit: deps.maxBodyBytes, strict: false });

  /** A job of this process that an OGC client may see. */
  async function jobOf(processId: string, rawId: string): Promise<Job> {
    const entry = await catalog.resolveJob(processId);
    if (!entry) throw noSuchProcess(processId);
    if (!/^\d{1,15}$/.test(rawId)) throw noSuchJob(rawId);
    const job = await core.jobs.get(Number(rawId)).catch((err) => (err instanceof NotFound ? null : Promise.reject(err)));
    const ogc = job ? await store.get(job.id) : null;
    if (!job || ogc?.dismissed || job.jobTypeId !== entry.jobType.id) throw noSuchJob(rawId);
    return job;
  }

  function tb14Status(job: Job, processId: string, u: Urls) {
    const s = statusInfo(job, processId, u);
    return { ...s, jobId: s.jobID, status: TB14_STATUS[s.status] ?? s.status, message: s.status, ...(s.progress !== undefined ? { progress: s.progress } : {}) };
  }

  const wrap = (h: (req: Request, res: Response, u: Urls) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => {
    h(req, res, urls(req, deps.publicUrl)).catch((err) => deps.onError(err, req, res, next));
  };

  router.post('/processes/:processId/jobs', json, wrap(async (req, res, u) => {
    // Testbed-14 executions are asynchronous: 201 and a Location to poll.
    req.headers.prefer = 'respond-async';
    await deps.execute(req, res, u, String(req.params.processId));
  }));

  router.get('/processes/:processId/jobs', wrap(async (req, res, u) => {
    const entry = await catalog.resolveJob(String(req.params.processId));
    if (!entry) throw noSuchProcess(String(req.params.processId));
    const page = await store.listJobs({ jobTypeIds: [entry.jobType.id], recipeTypeIds: [], limit: 1000, offset: 0 });
    res.json({ jobs: page.jobs.flatMap((j) => (j.kind === 'job' ? [j] : [])).map((j) => {
      const status = statusInfo(j, entry.id, u).status;
      return { jobId: String(j.id), status: TB14_STATUS[status] ?? status, href: u.to(`/processes/${encodeURIComponent(entry.id)}/jobs/${j.id}`) };
    }) });
  }));

  router.get('/processes/:processId/jobs/:jobId', wrap(async (req, res, u) => {
    res.json(tb14Status(await jobOf(String(req.params.processId), String(req.params.jobId)), String(req.params.processId), u));
  }));

  router.delete('/processes/:processId/jobs/:jobId', wrap(async (req, res, u) => {
    let job = await jobOf(String(req.params.processId), String(req.params.jobId));
    if (!['COMPLETED', 'FAILED', 'CANCELED'].includes(job.status)) job = await core.jobs.cancel(job.id);
    await store.dismiss(job.id);
    res.json({ ...tb14Status(job, String(req.params.processId), u), status: 'dismissed' });
  }));

  router.get('/processes/:processId/jobs/:jobId/result', wrap(async (req, res, u) => {
    const job = await jobOf(String(req.params.processId), String(req.params.jobId));
    if (job.status === 'FAILED') throw new OgcError(500, 'failed', 'Job failed', `job ${job.id} failed`);
    if (job.status !== 'COMPLETED') throw resultNotReady(String(job.id), job.status.toLowerCase());
    const rev = await core.jobTypes.revision(job.jobTypeRevId);
    const doc = await resultsDocument(core, u, job, rev.interface, new Map(rev.interface.outputs.map((o) => [o.name, o.kind === 'json' ? 'value' : 'reference'])));
    const outputs = Object.entries(doc).flatMap(([id, v]) => (Array.isArray(v) && rev.interface.outputs.find((o) => o.name === id)?.kind === 'files' ? v : [v]).map((x: any) =>
      x && typeof x === 'object' && typeof x.href === 'string' ? { id, href: x.href, mimeType: x.type } : { id, data: x && typeof x === 'object' && 'value' in x ? x.value : x }));
    res.json({ outputs, links: [{ href: u.to(`/jobs/${job.id}/results`), rel: 'alternate', type: 'application/json', title: 'the OGC API results' }] });
  }));

  return router;
}
