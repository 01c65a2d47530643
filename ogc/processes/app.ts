// The OGC API - Processes - Part 1 door: requests are routed by openapi-backend on the OpenAPI
// document this module serves at /api, handled over the core, and answered in JSON (default) or
// HTML. Every failure is an OGC exception document.
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { OpenAPIBackend, type Context, type Document } from 'openapi-backend';
import YAML from 'yaml';
import type { CoreEvents } from '../../src/core/events.ts';
import type { DeployService } from '../../src/core/deploy/service.ts';
import type { RunService } from '../../src/core/runs/service.ts';
import type { Process } from '../../src/core/runs/processes.ts';
import { urls, type Urls } from '../../src/http/urls.ts';
import type { Logger } from '../../src/log.ts';
import { describe } from '../../seed-mapping/process-description.ts';
import { callbackBody } from './callbacks.ts';
import { createDeployHandlers } from './deploy.ts';
import { createExecuteHandler } from './execute.ts';
import { apiViewerHtml, apiViewerRouter } from './api-viewer.ts';
import { conformanceHtml, landingHtml, processesHtml } from './html.ts';
import { processHtml } from './html-process.ts';
import { noSuchProcess, OgcError, OPENAPI_JSON, REL, selfLinks, sendException, toOgcError, wantsHtml } from './http.ts';
import { createJobHandlers, queryInt } from './jobs.ts';
import { openApiDocument } from './openapi.ts';
import { tb14Router } from './tb14.ts';

/** The conformance classes: Part 2's cwl class only where cwltool is at hand to check and run CWL. */
export const conformance = (cwl: boolean) => [
  ...['core', 'ogc-process-description', 'json', 'html', 'oas30', 'job-list', 'callback', 'dismiss'].map((c) => `http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/${c}`),
  ...['deploy-replace-undeploy', 'ogcapppkg', 'docker', ...(cwl ? ['cwl'] : [])].map((c) => `http://www.opengis.net/spec/ogcapi-processes-2/1.0/conf/${c}`),
];

export interface OgcOptions {
  publicUrl: string | null;
  syncSeconds: number;
  maxBodyBytes: number;
  listCacheMs: number;
  /** Whether CWL packages can be deployed (cwltool is installed). */
  cwl: boolean;
  log: Logger;
}

/** What this door uses of the core: the runs and deploy services, and its events (to drop cached pages). */
export interface OgcCore {
  runs: RunService;
  deploy: DeployService;
  events: CoreEvents;
}

type Handler = (req: Request, res: Response, u: Urls, c: Context) => Promise<void>;

export function ogcProcesses(core: OgcCore, opts: OgcOptions) {
  const { runs } = core;
  const catalog = runs.processes;
  const jobs = createJobHandlers({ runs, events: core.events, listCacheMs: opts.listCacheMs });
  const execute = createExecuteHandler({ runs, syncSeconds: opts.syncSeconds });
  // Descriptions are asked for far more often than job types change: each is rendered once per
  // process entry (which the catalog keeps for a moment), base URL and representation.
  const rendered = new WeakMap<Process, Map<string, string>>();

  /** `body` as JSON, or as the HTML page `html` makes of it. */
  const send = (req: Request, res: Response, body: Record<string, unknown>, html: (b: Record<string, unknown>) => string) => {
    if (wantsHtml(req)) res.type('text/html').send(html(body));
    else res.json(body);
  };

  const deploy = createDeployHandlers({
    deploy: core.deploy,
    maxBodyBytes: opts.maxBodyBytes,
    async summary(d, u) {
      const id = core.deploy.idOf(d);
      const e = await catalog.resolve(id);
      if (!e) throw new OgcError(500, 'ServerError', 'Deployed process not found', `process ${id} was deployed but cannot be read back`);
      return describe(e, u, false);
    },
  });

  const handlers: Record<string, Handler> = {
    async getLandingPage(req, res, u) {
      send(req, res, {
        title: 'scale-ades',
        description: 'OGC API - Processes over a Scale-compatible core: job types are processes, their jobs are OGC jobs. The native Scale REST API is at /scale/.',
        links: [
          ...selfLinks(u, '/', 'this document', {}, wantsHtml(req)),
          { href: u.to('/api'), rel: 'service-desc', type: OPENAPI_JSON, title: 'the API definition (OpenAPI 3.0)' },
          { href: u.to('/api', { f: 'html' }), rel: 'service-doc', type: 'text/html', title: 'the API documentation' },
          { href: u.to('/conformance'), rel: `${REL}conformance`, type: 'application/json', title: 'the conformance classes' },
          { href: u.to('/processes'), rel: `${REL}processes`, type: 'application/json', title: 'the processes' },
          { href: u.to('/jobs'), rel: `${REL}job-list`, type: 'application/json', title: 'the jobs' },
          { href: u.to('/scale/'), rel: 'related', type: 'application/json', title: 'the native Scale REST API' },
        ],
      }, (b) => landingHtml(u, b));
    },
    async getApi(req, res, u) {
      const yaml = req.query.f === 'yaml' || (!req.query.f && /yaml/.test(req.headers.accept ?? ''));
      // The viewer loads the document itself.
      if (!yaml && wantsHtml(req)) return void res.type('text/html').send(apiViewerHtml(u));
      const all = await catalog.list(10_000, 0);
      const doc = openApiDocument(u.base, all.entries.map((e) => describe(e, u, true) as never));
      if (yaml) res.status(200).setHeader('Content-Type', 'application/vnd.oai.openapi;version=3.0').end(YAML.stringify(doc));
      // Set by hand: express would add a charset and a space, and clients compare this media type as a string.
      else res.status(200).setHeader('Content-Type', OPENAPI_JSON).end(JSON.stringify(doc));
    },
    async getConformanceClasses(req, res, u) {
      send(req, res, { conformsTo: conformance(opts.cwl), links: selfLinks(u, '/conformance', 'the conformance classes', {}, wantsHtml(req)) }, (b) => conformanceHtml(u, b));
    },
    async getProcesses(req, res, u) {
      const limit = queryInt(req, 'limit', { min: 1, max: 10_000, fallback: 10 });
      const offset = queryInt(req, 'offset', { min: 0, fallback: 0 });
      const page = await catalog.list(limit, offset);
      const links = selfLinks(u, '/processes', 'the processes', { limit, offset: offset || undefined }, wantsHtml(req));
      if (offset + limit < page.count) links.push({ href: u.to('/processes', { limit, offset: offset + limit }), rel: 'next', type: 'application/json', title: 'the next processes' });
      if (offset > 0) links.push({ href: u.to('/processes', { limit, offset: Math.max(0, offset - limit) || undefined }), rel: 'prev', type: 'application/json', title: 'the previous processes' });
      send(req, res, { processes: page.entries.map((e) => describe(e, u, false)), links }, (b) => processesHtml(u, b, { count: page.count, limit, offset }));
    },
    async getProcessDescription(req, res, u, c) {
      const id = String(c.request.params.processID);
      const e = await catalog.resolve(id);
      if (!e) throw noSuchProcess(id);
      // Descriptions are asked for far more often than job types change: render once per entry.
      const html = wantsHtml(req);
      const key = `${u.base}|${html}`;
      let cache = rendered.get(e);
      if (!cache) rendered.set(e, (cache = new Map()));
      let body = cache.get(key);
      if (body === undefined) {
        const d = describe(e, u, true);
        body = html ? processHtml(u, d) : JSON.stringify(d);
        cache.set(key, body);
      }
      res.status(200).setHeader('Content-Type', html ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8');
      res.end(body);
    },
    async execute(req, res, u, c) {
      await execute(req, res, u, String(c.request.params.processID));
    },
    deploy: (req, res, u) => deploy.deploy(req, res, u),
    replace: (req, res, u, c) => deploy.replace(req, res, u, String(c.request.params.processID)),
    undeploy: (req, res, u, c) => deploy.undeploy(req, res, u, String(c.request.params.processID)),
    getPackage: (req, res, u, c) => deploy.packageOf(req, res, u, String(c.request.params.processID)),
    getVisibility: (req, res, u, c) => deploy.visibility(req, res, u, String(c.request.params.processID)),
    setVisibility: (req, res, u, c) => deploy.visibility(req, res, u, String(c.request.params.processID)),
    getJobs: (req, res, u) => jobs.list(req, res, u),
    getStatus: (req, res, u, c) => jobs.status(req, res, u, String(c.request.params.jobId)),
    dismiss: (req, res, u, c) => jobs.dismiss(req, res, u, String(c.request.params.jobId)),
    getResult: (req, res, u, c) => jobs.results(req, res, u, String(c.request.params.jobId)),
    getResultOutput: (req, res, u, c) => jobs.output(req, res, u, String(c.request.params.jobId), String(c.request.params.outputId)),
  };

  // Routing only: bodies and parameters are checked by the handlers, which name the field at fault.
  const api = new OpenAPIBackend({
    definition: openApiDocument('/') as unknown as Document, validate: false, strict: false, quick: true,
    // The schemas name formats Ajv does not know by default; teach them so it does not warn.
    customizeAjv: (ajv) => {
      for (const f of ['uri', 'url', 'uri-reference', 'regex', 'date-time', 'binary', 'byte']) ajv.addFormat(f, true);
      return ajv;
    },
  });
  for (const [operationId, h] of Object.entries(handlers)) {
    api.register(operationId, (c: Context, req: Request, res: Response) => h(req, res, urls(req, opts.publicUrl), c));
  }
  api.register('notFound', (_c: Context, _req: Request, _res: Response, next: NextFunction) => next());
  api.register('methodNotAllowed', (c: Context) => {
    throw new OgcError(405, 'MethodNotAllowed', 'Method not allowed', `${c.request.method.toUpperCase()} is not allowed on ${c.request.path}`);
  });
  // openapi-backend rebuilds its operation list (a lodash chain over the whole document) on every
  // request it routes, twice; the definition never changes here, so compute it once.
  const ready = api.init().then(() => {
    const router = api.router as unknown as { getOperations: () => unknown[] };
    const operations = router.getOperations();
    router.getOperations = () => operations;
  });

  const router = Router();
  // The API viewer's files (Swagger UI) and the favicon.
  router.use(apiViewerRouter());
  // The Testbed-14 ADES paths (jobs under their process) for EMS clients of that generation.
  router.use(tb14Router({ runs, execute, publicUrl: opts.publicUrl, maxBodyBytes: opts.maxBodyBytes, onError: (err, _req, _res, next) => next(err) }));
  // A file of a directory output by its path in the directory: a path of several segments, which an
  // OpenAPI path parameter cannot hold, so it is routed here.
  router.get(/^\/jobs\/([^/]+)\/results\/([^/]+)\/(.+)$/, (req, res, next) => {
    const [jobId, outputId, path] = [req.params[0], req.params[1], req.params[2]];
    jobs.outputFile(req, res, jobId, outputId, path).catch(next);
  });
  const parseJson = express.json({ limit: opts.maxBodyBytes, strict: false, type: ['application/json', 'application/*+json'] });
  router.use(async (req, res, next) => {
    try {
      await ready;
      // Deploy and replace read their body themselves: the package is kept exactly as sent.
      const deploying = (req.method === 'POST' && /^\/processes\/?$/.test(req.path)) || (req.method === 'PUT' && /^\/processes\/[^/]+\/?$/.test(req.path));
      if ((req.method === 'POST' || req.method === 'PUT') && !deploying) {
        const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
        if (hasBody && !req.is(['application/json', 'application/*+json'])) {
          throw new OgcError(415, 'UnsupportedMediaType', 'Unsupported media type', `send the request body as application/json, not ${JSON.stringify(req.headers['content-type'] ?? '')}`);
        }
        await new Promise<void>((resolve, reject) => parseJson(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
      }
      await api.handleRequest({ method: req.method, path: req.path, query: req.query as Record<string, string | string[]>, headers: req.headers as Record<string, string | string[]>, body: req.body }, req, res, next);
    } catch (err) {
      next(err);
    }
  });
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const e = toOgcError(err);
    if (e) return sendException(res, e);
    opts.log.error('OGC request failed', { method: req.method, url: req.originalUrl, err });
    sendException(res, new OgcError(500, 'ServerError', 'Internal server error', 'internal server error'));
  });

  return { router, callbackBody: callbackBody(runs, opts.publicUrl) };
}
