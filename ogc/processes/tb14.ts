// The Testbed-14 ADES REST paths (REFERENCE.md §5.2, §5.4) as aliases of the OGC API ones, for
// EMS clients of that generation: jobs under their process (/processes/{id}/jobs…), `jobId` and
// `succeeded` in status documents, `{outputs: [{id, href | data, mimeType}]}` results. Deploy and
// undeploy are the OGC API Part 2 operations on the same paths.
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { type Run, RUN } from '../../src/core/runs/model.ts';
import type { RunService } from '../../src/core/runs/service.ts';
import { urls, type Urls } from '../../src/http/urls.ts';
import type { Execute } from './execute.ts';
import { noSuchJob, noSuchProcess, OgcError, resultNotReady, runFailed } from './http.ts';
import { resultsDocument } from './results.ts';
import { ogcStatus, statusInfo } from './status.ts';

/** Testbed-14's word for a successful job; the others are the OGC API's. */
const tb14Status = (run: Run) => (run.status === RUN.SUCCEEDED ? 'succeeded' : ogcStatus(run.status));

export function tb14Router(deps: { runs: RunService; execute: Execute; publicUrl: string | null; maxBodyBytes: number; onError: (err: unknown, req: Request, res: Response, next: NextFunction) => void }): Router {
  const { runs } = deps;
  const router = Router();
  const json = express.json({ limit: deps.maxBodyBytes, strict: false });

  /** A process by id. */
  async function processOf(processId: string) {
    const p = await runs.processes.resolve(processId);
    if (!p) throw noSuchProcess(processId);
    return p;
  }

  /** A run of this process that an OGC client may see. */
  async function runOf(processId: string, rawId: string): Promise<Run> {
    const p = await processOf(processId);
    const run = /^\d{1,15}$/.test(rawId) ? await runs.get(rawId) : null;
    if (!run || run.jobTypeId !== p.jobType.id) throw noSuchJob(rawId);
    return run;
  }

  function status(run: Run, u: Urls) {
    const s = statusInfo(run, u);
    return { ...s, jobId: s.jobID, status: tb14Status(run), message: s.status, ...(s.progress !== undefined ? { progress: s.progress } : {}) };
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
    const p = await processOf(String(req.params.processId));
    const page = await runs.list({ processIds: [p.id], limit: 1000, offset: 0 });
    res.json({ jobs: page.runs.map((r) => ({ jobId: r.id, status: tb14Status(r), href: u.to(`/processes/${encodeURIComponent(p.id)}/jobs/${r.id}`) })) });
  }));

  router.get('/processes/:processId/jobs/:jobId', wrap(async (req, res, u) => {
    res.json(status(await runOf(String(req.params.processId), String(req.params.jobId)), u));
  }));

  router.delete('/processes/:processId/jobs/:jobId', wrap(async (req, res, u) => {
    const run = await runs.dismiss(await runOf(String(req.params.processId), String(req.params.jobId)));
    res.json({ ...status(run, u), status: ogcStatus(RUN.DISMISSED) });
  }));

  router.get('/processes/:processId/jobs/:jobId/result', wrap(async (req, res, u) => {
    const run = await runOf(String(req.params.processId), String(req.params.jobId));
    if (run.status === RUN.FAILED) throw new OgcError(500, 'failed', 'Job failed', (await runs.failure(run)).detail);
    if (run.status === RUN.DISMISSED) throw runFailed(run, await runs.failure(run));
    if (run.status !== RUN.SUCCEEDED) throw resultNotReady(run.id, ogcStatus(run.status));
    const produced = await runs.outputs(run);
    const doc = await resultsDocument(runs, u, run, produced, new Map([...produced].map(([id, o]) => [id, o.kind === 'json' ? 'value' : 'reference'])));
    const outputs = Object.entries(doc).flatMap(([id, v]) => (Array.isArray(v) && produced.get(id)?.kind === 'files' ? v : [v]).map((x: any) =>
      x && typeof x === 'object' && typeof x.href === 'string' ? { id, href: x.href, mimeType: x.type } : { id, data: x && typeof x === 'object' && 'value' in x ? x.value : x }));
    res.json({ outputs, links: [{ href: u.to(`/jobs/${run.id}/results`), rel: 'alternate', type: 'application/json', title: 'the OGC API results' }] });
  }));

  return router;
}
