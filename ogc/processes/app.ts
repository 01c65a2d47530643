// The OGC API - Processes - Part 1 door: requests are routed by openapi-backend on the OpenAPI
// document this module serves at /api, handled over the core, and answered in JSON (default) or
// HTML. Every failure is an OGC exception document.
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { OpenAPIBackend, type Context, type Document } from 'openapi-backend';
import YAML from 'yaml';
import type { Core } from '../../src/core/index.ts';
import type { Logger } from '../../src/log.ts';
import { createCallbacks } from './callbacks.ts';
import { type AnyEntry, createCatalog } from './catalog.ts';
import { describe } from './describe.ts';
import { createExecuteHandler, type ExecuteOptions } from './execute.ts';
import type { AllowList } from './fetch-guard.ts';
import { createWorkflowRuns, WORKFLOW_RUN } from './workflow-runs.ts';
import { htmlPage } from './html.ts';
import { invalidParameter, noSuchProcess, OgcError, OPENAPI_JSON, REL, selfLinks, sendException, toOgcError, type Urls, urls, wantsHtml } from './http.ts';
import { createDeployHandlers } from './deploy.ts';
import { createJobHandlers, queryInt } from './jobs.ts';
import { openApiDocument } from './openapi.ts';
import { createOgcStore } from './store.ts';
import { tb14Router } from './tb14.ts';
import { wpsRouter } from '../wps/router.ts';
import { createWpsService } from '../wps/service.ts';
import { createWpsTransactions } from '../wps/transactional.ts';

export const CONFORMANCE = [
  ...['core', 'ogc-process-description', 'json', 'html', 'oas30', 'job-list', 'callback', 'dismiss'].map((c) => `http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/${c}`),
  ...['deploy-replace-undeploy', 'ogcapppkg', 'docker', 'cwl'].map((c) => `http://www.opengis.net/spec/ogcapi-processes-2/1.0/conf/${c}`),
];

export interface OgcOptions {
  publicUrl: string | null;
  syncSeconds: number;
  fetchSeconds: number;
  /** Private addresses hrefs may point at (SCALE_FETCH_ALLOW). */
  fetchAllow?: AllowList;
  fetchMaxBytes: number;
  maxBodyBytes: number;
  callbackSeconds: number;
  listCacheMs: number;
  defaultWorkspace: () => string | null;
  log: Logger;
}

type Handler = (req: Request, res: Response, u: Urls, c: Context) => Promise<void>;

export function ogcProcesses(core: Core, opts: OgcOptions) {
  const catalog = createCatalog(core);
  const store = createOgcStore(core.db);
  const executeOptions: ExecuteOptions = {
    syncSeconds: opts.syncSeconds, fetchSeconds: opts.fetchSeconds, maxBytes: opts.fetchMaxBytes, fetchAllow: opts.fetchAllow,
    async workspaceId() {
      const name = opts.defaultWorkspace();
      const ws = name ? await core.workspaces.byName(name) : null;
      if (!ws) throw new OgcError(500, 'no-workspace', 'No workspace', 'inputs given as content or by reference need a default workspace (SCALE_DEFAULT_WORKSPACE)');
      return ws.id;
    },
  };
  const workflows = createWorkflowRuns({ core, store, options: executeOptions });
  const jobs = createJobHandlers({ core, catalog, store, runs: workflows, listCacheMs: opts.listCacheMs });
  const isRun = (c: Context) => WORKFLOW_RUN.test(String(c.request.params.jobId));
  const execute = createExecuteHandler({ core, catalog, store, jobs, workflows, options: executeOptions });
  const callbacks = createCallbacks({ core, catalog, store, jobs, runs: workflows, timeoutSeconds: opts.callbackSeconds, publicUrl: opts.publicUrl, log: opts.log });

  const send = (req: Request, res: Response, title: string, body: Record<string, unknown>) => {
    if (wantsHtml(req)) res.type('text/html').send(htmlPage(title, body));
    else res.json(body);
  };

  const deploy = createDeployHandlers({
    core,
    options: { maxBodyBytes: opts.maxBodyBytes, fetchAllow: opts.fetchAllow },
    async summary(d, u) {
      const id = d.kind === 'tool' ? d.jobType.name : d.recipeType.name;
      const e = await catalog.resolve(id);
      if (!e) throw new OgcError(500, 'ServerError', 'Deployed process not found', `process ${id} was deployed but cannot be read back`);
      return describe(e, u, false);
    },
  });

  const handlers: Record<string, Handler> = {
    async getLandingPage(req, res, u) {
      send(req, res, 'scale-ades', {
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
      });
    },
    async getApi(req, res, u) {
      const all = await catalog.list(10_000, 0);
      const doc = openApiDocument(u.base, all.entries.map((e) => describe(e, u, true) as never));
      if (req.query.f === 'yaml' || (!req.query.f && /yaml/.test(req.headers.accept ?? ''))) res.status(200).setHeader('Content-Type', 'application/vnd.oai.openapi;version=3.0').end(YAML.stringify(doc));
      else if (wantsHtml(req)) res.type('text/html').send(htmlPage('API definition', { ...doc, links: [{ href: u.to('/api'), rel: 'alternate', type: OPENAPI_JSON, title: 'as JSON' }, { href: u.to('/api', { f: 'yaml' }), rel: 'alternate', type: 'application/vnd.oai.openapi;version=3.0', title: 'as YAML' }] }));
      // Set by hand: express would add a charset and a space, and clients compare this media type as a string.
      else res.status(200).setHeader('Content-Type', OPENAPI_JSON).end(JSON.stringify(doc));
    },
    async getConformanceClasses(req, res, u) {
      send(req, res, 'Conformance', { conformsTo: CONFORMANCE, links: selfLinks(u, '/conformance', 'the conformance classes', {}, wantsHtml(req)) });
    },
    async getProcesses(req, res, u) {
      const limit = queryInt(req, 'limit', { min: 1, max: 10_000, fallback: 10 });
      const offset = queryInt(req, 'offset', { min: 0, fallback: 0 });
      const page = await catalog.list(limit, offset);
      const links = selfLinks(u, '/processes', 'the processes', { limit, offset: offset || undefined }, wantsHtml(req));
      if (offset + limit < page.count) links.push({ href: u.to('/processes', { limit, offset: offset + limit }), rel: 'next', type: 'application/json', title: 'the next processes' });
      if (offset > 0) links.push({ href: u.to('/processes', { limit, offset: Math.max(0, offset - limit) || undefined }), rel: 'prev', type: 'application/json', title: 'the previous processes' });
      send(req, res, 'Processes', { processes: page.entries.map((e) => describe(e, u, false)), links });
    },
    async getProcessDescription(req, res, u, c) {
      const id = String(c.request.params.processID);
      const e = await catalog.resolve(id);
      if (!e) throw noSuchProcess(id);
      // Descriptions are asked for far more often than job types change: render once per entry.
      const html = wantsHtml(req);
      const key = `${u.base}|${html}`;
      let body = e.rendered.get(key);
      if (body === undefined) {
        const d = describe(e, u, true);
        body = html ? htmlPage(String(d.title ?? e.id), d) : JSON.stringify(d);
        e.rendered.set(key, body);
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
    getStatus: (req, res, u, c) => (isRun(c) ? workflows.status : jobs.status)(req, res, u, String(c.request.params.jobId)),
    dismiss: (req, res, u, c) => (isRun(c) ? workflows.dismiss : jobs.dismiss)(req, res, u, String(c.request.params.jobId)),
    getResult: (req, res, u, c) => (isRun(c) ? workflows.results : jobs.results)(req, res, u, String(c.request.params.jobId)),
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
  // WPS 2.0 / 1.0.0 and WPS-T at /wps, over the same catalog, store and deployer.
  const wps = createWpsService({ core, catalog, store, executeOptions, runs: workflows.runs });
  router.use(wpsRouter(wps, createWpsTransactions({ deploy, catalog }), { publicUrl: opts.publicUrl, maxBodyBytes: opts.maxBodyBytes, log: opts.log.child({ component: 'wps' }) }));
  // The Testbed-14 ADES paths (jobs under their process) for EMS clients of that generation.
  router.use(tb14Router({ core, catalog, store, execute, publicUrl: opts.publicUrl, maxBodyBytes: opts.maxBodyBytes, onError: (err, _req, _res, next) => next(err) }));
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

  return { router, start: () => callbacks.start(), stop: () => callbacks.stop() };
}
