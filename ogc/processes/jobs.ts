// /jobs: the job list (job-list class), a job's status, its results, one output, and dismiss.
// OGC job ids are the core's job ids, so a job started through the Scale API is listed here too;
// runs of deployed workflows (wf-<recipe id>) are listed among them.
import type { Request, Response } from 'express';
import type { Core } from '../../src/core/index.ts';
import { NotFound } from '../../src/core/domain-errors.ts';
import type { Job } from '../../src/core/jobs/model.ts';
import type { Catalog } from './catalog.ts';
import { htmlPage } from './html.ts';
import { invalidParameter, noSuchJob, OgcError, resultNotReady, selfLinks, type Urls, wantsHtml } from './http.ts';
import { outputValue, sendResults } from './results.ts';
import { statusInfo } from './status.ts';
import type { OgcStore } from './store.ts';
import type { WorkflowRuns } from './workflow-runs.ts';

const STATUS_CODES = ['accepted', 'running', 'successful', 'failed', 'dismissed'];
const MAX_LIMIT = 10_000;

/** All values of a query parameter: repeated keys and comma-separated lists alike. */
export function queryList(req: Request, name: string): string[] {
  const v = req.query[name];
  const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return list.flatMap((x) => (typeof x === 'string' ? x.split(',') : [])).map((x) => x.trim()).filter(Boolean);
}

export function queryInt(req: Request, name: string, opts: { min: number; max?: number; fallback: number }): number {
  const all = queryList(req, name);
  if (!all.length) return opts.fallback;
  const n = Number(all[0]);
  if (all.length > 1 || !Number.isInteger(n) || n < opts.min || (opts.max !== undefined && n > opts.max)) {
    throw invalidParameter(`${name} must be an integer from ${opts.min}${opts.max !== undefined ? ` to ${opts.max}` : ''}`, { field: name });
  }
  return n;
}

/** RFC 3339 instant or interval (a/b, ../b, a/.., with empty ends allowed) → bounds on `created`. */
export function parseDatetime(raw: string | undefined): { from: Date | null; to: Date | null } {
  if (raw === undefined || raw === '') return { from: null, to: null };
  const instant = (s: string, field = 'datetime') => {
    const t = Date.parse(s);
    if (!/^\d{4}-\d{2}-\d{2}/.test(s) || Number.isNaN(t)) throw invalidParameter(`${field}: ${JSON.stringify(s)} is not an RFC 3339 date-time`, { field });
    return new Date(t);
  };
  if (!raw.includes('/')) {
    const t = instant(raw);
    return { from: t, to: t };
  }
  const [a, b, ...rest] = raw.split('/');
  if (rest.length) throw invalidParameter('datetime: an interval has one "/"', { field: 'datetime' });
  const open = (s: string) => s === '' || s === '..';
  const from = open(a) ? null : instant(a);
  const to = open(b) ? null : instant(b);
  if (from && to && to < from) throw invalidParameter('datetime: the interval ends before it starts', { field: 'datetime' });
  return { from, to };
}

export interface JobsDeps {
  core: Core;
  catalog: Catalog;
  store: OgcStore;
  /** Runs of deployed workflows, listed beside the jobs. */
  runs: Pick<WorkflowRuns, 'statusOf'>;
  /** How long a rendered job list page may be served again (0: never). */
  listCacheMs: number;
}

export function createJobHandlers({ core, catalog, store, runs, listCacheMs }: JobsDeps) {
  // Job list pages, rendered, for a moment: monitors poll the same pages over and over. Anything
  // this process does to a job drops them at once; changes made elsewhere show within listCacheMs.
  const pages = new Map<string, { type: string; body: string; until: number }>();
  const forget = () => pages.clear();
  for (const e of ['queued', 'started', 'ended', 'canceled', 'jobTypesChanged'] as const) core.events.on(e, forget);

  /** A job an OGC client may see: it exists and was not dismissed. */
  async function visibleJob(rawId: string): Promise<Job> {
    if (!/^\d{1,15}$/.test(rawId)) throw noSuchJob(rawId);
    const id = Number(rawId);
    const [job, ogc] = await Promise.all([core.jobs.get(id).catch((err) => (err instanceof NotFound ? null : Promise.reject(err))), store.get(id)]);
    if (!job || ogc?.dismissed) throw noSuchJob(rawId);
    return job;
  }

  async function list(req: Request, res: Response, u: Urls): Promise<void> {
    const key = `${u.base}|${wantsHtml(req)}|${req.originalUrl}`;
    const hit = pages.get(key);
    if (hit && hit.until > Date.now()) {
      res.status(200).setHeader('Content-Type', hit.type);
      res.end(hit.body);
      return;
    }
    const page = await render(req, u);
    if (listCacheMs > 0) {
      if (pages.size > 1000) pages.clear();
      pages.set(key, { ...page, until: Date.now() + listCacheMs });
    }
    res.status(200).setHeader('Content-Type', page.type);
    res.end(page.body);
  }

  async function render(req: Request, u: Urls): Promise<{ type: string; body: string }> {
    const limit = queryInt(req, 'limit', { min: 1, max: MAX_LIMIT, fallback: 10 });
    const offset = queryInt(req, 'offset', { min: 0, fallback: 0 });
    const types = queryList(req, 'type');
    const statuses = queryList(req, 'status');
    for (const s of statuses) if (!STATUS_CODES.includes(s)) throw invalidParameter(`status ${JSON.stringify(s)} is not one of ${STATUS_CODES.join(', ')}`, { field: 'status' });
    const duration = (name: string) => (queryList(req, name).length ? queryInt(req, name, { min: 0, fallback: 0 }) : null);
    const { from, to } = parseDatetime(typeof req.query.datetime === 'string' ? req.query.datetime : undefined);
    const processIds = queryList(req, 'processID');
    let jobTypeIds: number[] | undefined;
    let recipeTypeIds = await catalog.workflowTypeIds();
    if (processIds.length) {
      const entries = (await Promise.all(processIds.map((p) => catalog.resolve(p)))).filter((e) => e !== null);
      jobTypeIds = entries.flatMap((e) => (e.kind === 'job' ? [e.jobType.id] : []));
      recipeTypeIds = entries.flatMap((e) => (e.kind === 'workflow' ? [e.recipeType.id] : []));
    }
    // Every job here is a process job: asking for another type matches nothing.
    if (types.length && !types.includes('process')) jobTypeIds = recipeTypeIds = [];
    const page = await store.listJobs({
      jobTypeIds, recipeTypeIds, statuses: statuses.length ? statuses : undefined, createdFrom: from, createdTo: to,
      minDuration: duration('minDuration'), maxDuration: duration('maxDuration'), limit, offset,
    });
    const ids = await catalog.processIds(page.jobs.flatMap((j) => (j.kind === 'job' ? [j.jobTypeId] : [])));
    const docs = await Promise.all(page.jobs.map((j) => (j.kind === 'job' ? statusInfo(j, ids.get(j.jobTypeId)!, u) : runs.statusOf(j, u))));
    const query = Object.fromEntries(Object.entries(req.query).filter(([k, v]) => k !== 'f' && k !== 'offset' && typeof v === 'string')) as Record<string, string>;
    const html = wantsHtml(req);
    const links = selfLinks(u, '/jobs', 'the jobs', { ...query, offset: offset || undefined }, html);
    if (page.more) links.push({ href: u.to('/jobs', { ...query, offset: offset + limit }), rel: 'next', type: 'application/json', title: 'the next jobs' });
    if (offset > 0) links.push({ href: u.to('/jobs', { ...query, offset: Math.max(0, offset - limit) || undefined }), rel: 'prev', type: 'application/json', title: 'the previous jobs' });
    const body = { jobs: docs, links, numberReturned: page.jobs.length };
    return html ? { type: 'text/html; charset=utf-8', body: htmlPage('Jobs', body) } : { type: 'application/json; charset=utf-8', body: JSON.stringify(body) };
  }

  async function status(req: Request, res: Response, u: Urls, rawId: string): Promise<void> {
    const job = await visibleJob(rawId);
    const ids = await catalog.processIds([job.jobTypeId]);
    const message = job.errorId ? (await core.errors.get(job.errorId)).title : undefined;
    const body = statusInfo(job, ids.get(job.jobTypeId)!, u, { message });
    if (wantsHtml(req)) res.type('text/html').send(htmlPage(`Job ${job.id}`, body));
    else res.json(body);
  }

  /** Dismiss: cancels a job that has not finished; from now on OGC clients do not see it. */
  async function dismiss(_req: Request, res: Response, u: Urls, rawId: string): Promise<void> {
    let job = await visibleJob(rawId);
    if (!['COMPLETED', 'FAILED', 'CANCELED'].includes(job.status)) job = await core.jobs.cancel(job.id);
    await store.dismiss(job.id);
    forget();
    const ids = await catalog.processIds([job.jobTypeId]);
    res.json(statusInfo(job, ids.get(job.jobTypeId)!, u, { dismissed: true, message: 'dismissed' }));
  }

  /** The exception for a job that failed: its error, as the type. */
  async function failure(job: Job): Promise<OgcError> {
    const e = job.errorId ? await core.errors.get(job.errorId) : null;
    return new OgcError(500, e?.name ?? 'unknown', e?.title ?? 'Job failed', `job ${job.id} failed${e ? `: ${e.description || e.title}` : ''}`, { jobID: String(job.id), ...(e ? { category: e.category } : {}) });
  }

  async function results(_req: Request, res: Response, u: Urls, rawId: string): Promise<void> {
    const job = await visibleJob(rawId);
    if (job.status === 'FAILED') throw await failure(job);
    if (job.status === 'CANCELED') throw new OgcError(410, 'dismissed', 'Job canceled', `job ${job.id} was canceled and has no results`);
    if (job.status !== 'COMPLETED') throw resultNotReady(String(job.id), job.status === 'RUNNING' ? 'running' : 'accepted');
    const [ogc, rev] = await Promise.all([store.get(job.id), core.jobTypes.revision(job.jobTypeRevId)]);
    const requested = new Map<string, 'value' | 'reference'>(ogc?.outputs ? Object.entries(ogc.outputs) : rev.interface.outputs.map((o) => [o.name, 'value']));
    await sendResults(res, core, u, job, rev.interface, requested, ogc?.response ?? 'document');
  }

  async function output(_req: Request, res: Response, u: Urls, rawId: string, outputId: string): Promise<void> {
    const job = await visibleJob(rawId);
    if (job.status !== 'COMPLETED') throw resultNotReady(String(job.id), job.status.toLowerCase());
    const rev = await core.jobTypes.revision(job.jobTypeRevId);
    const o = outputValue(job, rev.interface, outputId);
    if (!o.found) throw new OgcError(404, 'no-such-output', 'No such output', `job ${job.id} has no output ${JSON.stringify(outputId)}`);
    if (o.fileIds?.length === 1) res.redirect(303, u.to(`/scale/files/${o.fileIds[0]}/content`));
    else if (o.fileIds) res.json(o.fileIds.map((id) => ({ href: u.to(`/scale/files/${id}/content`) })));
    else res.json(o.value);
  }

  return { list, status, dismiss, results, output, failure };
}
