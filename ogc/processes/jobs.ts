// /jobs: the job list (job-list class), a job's status, its results, one output, and dismiss, all
// over the core's runs. OGC job ids are run ids: a job's id, so a job started through the Scale API
// is listed here too.
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import type { CoreEvents } from '../../src/core/events.ts';
import { type Run, RUN, type RunStatus } from '../../src/core/runs/model.ts';
import type { RunService } from '../../src/core/runs/service.ts';
import type { Urls } from '../../src/http/urls.ts';
import { jobHtml, jobsHtml, resultsHtml } from './html.ts';
import { invalidParameter, noSuchJob, OgcError, preferences, resultNotReady, runFailed, selfLinks, wantsHtml } from './http.ts';
import { directoryFile, directoryListing, requestedOf, returnPreference, sendResults } from './results.ts';
import { OGC_STATUSES, ogcStatus, runStatusOf, statusInfo, statusInfoJson } from './status.ts';

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
  runs: RunService;
  events: CoreEvents;
  /** How long a rendered job list page may be served again (0: never). */
  listCacheMs: number;
}

export function createJobHandlers({ runs, events, listCacheMs }: JobsDeps) {
  // Job list pages, rendered, for a moment: monitors poll the same pages over and over. Anything
  // this process does to a job drops them at once; changes made elsewhere show within listCacheMs.
  const pages = new Map<string, { type: string; body: string; until: number }>();
  const forget = () => pages.clear();
  for (const e of ['queued', 'started', 'ended', 'canceled', 'jobTypesChanged'] as const) events.on(e, forget);

  /** A run an OGC client may see: it exists and was not dismissed. */
  async function visible(rawId: string): Promise<Run> {
    const run = await runs.get(rawId);
    if (!run) throw noSuchJob(rawId);
    return run;
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
      // Pages expire in the order they were kept: those at the front that have are let go, so
      // clients asking for ever new pages (distinct filters, offsets) do not hold 1000 of them.
      const now = Date.now();
      for (const [k, p] of pages) {
        if (p.until > now) break;
        pages.delete(k);
      }
      if (pages.size > 1000) pages.clear();
      pages.delete(key);
      pages.set(key, { ...page, until: now + listCacheMs });
    }
    res.status(200).setHeader('Content-Type', page.type);
    res.end(page.body);
  }

  async function render(req: Request, u: Urls): Promise<{ type: string; body: string }> {
    const limit = queryInt(req, 'limit', { min: 1, max: MAX_LIMIT, fallback: 10 });
    const offset = queryInt(req, 'offset', { min: 0, fallback: 0 });
    const types = queryList(req, 'type');
    const statuses: RunStatus[] = [];
    for (const s of queryList(req, 'status')) {
      const status = runStatusOf(s);
      if (!status) throw invalidParameter(`status ${JSON.stringify(s)} is not one of ${OGC_STATUSES.join(', ')}`, { field: 'status' });
      statuses.push(status);
    }
    const duration = (name: string) => (queryList(req, name).length ? queryInt(req, name, { min: 0, fallback: 0 }) : null);
    const { from, to } = parseDatetime(typeof req.query.datetime === 'string' ? req.query.datetime : undefined);
    const processIds = queryList(req, 'processID');
    // Every job here is a process job: asking for another type matches nothing.
    const page = types.length && !types.includes('process')
      ? { runs: [], more: false }
      : await runs.list({
        processIds: processIds.length ? processIds : undefined, statuses: statuses.length ? statuses : undefined, createdFrom: from, createdTo: to,
        minDuration: duration('minDuration'), maxDuration: duration('maxDuration'), limit, offset,
      });
    const query = Object.fromEntries(Object.entries(req.query).filter(([k, v]) => k !== 'f' && k !== 'offset' && typeof v === 'string')) as Record<string, string>;
    const html = wantsHtml(req);
    const links = selfLinks(u, '/jobs', 'the jobs', { ...query, offset: offset || undefined }, html);
    if (page.more) links.push({ href: u.to('/jobs', { ...query, offset: offset + limit }), rel: 'next', type: 'application/json', title: 'the next jobs' });
    if (offset > 0) links.push({ href: u.to('/jobs', { ...query, offset: Math.max(0, offset - limit) || undefined }), rel: 'prev', type: 'application/json', title: 'the previous jobs' });
    if (html) return { type: 'text/html; charset=utf-8', body: jobsHtml(u, { jobs: page.runs.map((r) => statusInfo(r, u)), links, numberReturned: page.runs.length }, req.query) };
    // JSON.stringify({jobs, links, numberReturned}), its documents written directly (statusInfoJson).
    const jobs = page.runs.map((r) => statusInfoJson(r, u)).join(',');
    return { type: 'application/json; charset=utf-8', body: `{"jobs":[${jobs}],"links":${JSON.stringify(links)},"numberReturned":${page.runs.length}}` };
  }

  async function status(req: Request, res: Response, u: Urls, rawId: string): Promise<void> {
    const run = await visible(rawId);
    const message = run.status === RUN.FAILED ? (await runs.failure(run)).detail : undefined;
    const body = statusInfo(run, u, { message });
    if (!wantsHtml(req)) return void res.json(body);
    res.type('text/html').send(jobHtml(u, body, { jobId: run.jobId, logExecution: await runs.lastExecution(run) }));
  }

  /** Dismiss: cancels a run that has not finished; from now on OGC clients do not see it (a workflow run stays, dismissed). */
  async function dismiss(_req: Request, res: Response, u: Urls, rawId: string): Promise<void> {
    const run = await runs.dismiss(await visible(rawId));
    forget();
    res.json(statusInfo({ ...run, status: RUN.DISMISSED }, u, { message: 'dismissed' }));
  }

  /** A finished run's results, or the exception its end calls for. */
  async function results(req: Request, res: Response, u: Urls, rawId: string): Promise<void> {
    const run = await visible(rawId);
    if (run.status === RUN.FAILED || run.status === RUN.DISMISSED) throw runFailed(run, await runs.failure(run));
    if (run.status !== RUN.SUCCEEDED) throw resultNotReady(run.id, ogcStatus(run.status));
    const [outputs, asked, declared] = await Promise.all([runs.outputs(run), runs.request(run), runs.declaredOutputs(run)]);
    // A page: each output as a value or as links to its files, whatever the execute request asked.
    if (wantsHtml(req)) return void res.type('text/html').send(resultsHtml(u, run, outputs, declared));
    // This request's Prefer: return=… (Weaver asks its results with return=minimal) over what the execute asked.
    const ret = returnPreference(preferences(req.get('prefer')));
    if (ret) res.setHeader('Preference-Applied', `return=${ret}`);
    await sendResults(res, runs, u, run, outputs, requestedOf(asked.outputs, outputs, ret, declared), asked.response);
  }

  async function output(_req: Request, res: Response, u: Urls, rawId: string, outputId: string): Promise<void> {
    const run = await visible(rawId);
    if (run.status !== RUN.SUCCEEDED) throw resultNotReady(run.id, ogcStatus(run.status));
    const o = (await runs.outputs(run)).get(outputId);
    if (!o) throw new OgcError(404, 'no-such-output', 'No such output', `job ${run.id} has no output ${JSON.stringify(outputId)}`);
    if (o.kind === 'json') res.json(o.value);
    else if (o.kind === 'directory') res.json(directoryListing(u, run, outputId, o.name, o.files));
    else if (o.files.length === 1) res.redirect(303, u.to(`/scale/files/${o.files[0].id}/content`));
    else res.json(o.files.map((f) => ({ href: u.to(`/scale/files/${f.id}/content`) })));
  }

  /** One file of a directory output, by its path in the directory. */
  async function outputFile(_req: Request, res: Response, rawId: string, outputId: string, path: string): Promise<void> {
    const run = await visible(rawId);
    if (run.status !== RUN.SUCCEEDED) throw resultNotReady(run.id, ogcStatus(run.status));
    const o = (await runs.outputs(run)).get(outputId);
    const file = o?.kind === 'directory' ? directoryFile(o.files, path) : undefined;
    if (!file) throw new OgcError(404, 'no-such-output', 'No such output', `job ${run.id} has no directory output ${JSON.stringify(outputId)} holding ${JSON.stringify(path)}`);
    const stream = await runs.openFile(file.id);
    res.status(200).type(file.mediaType).setHeader('Content-Length', String(file.size));
    await pipeline(stream, res);
  }

  return { list, status, dismiss, results, output, outputFile };
}
