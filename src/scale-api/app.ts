// The native Scale REST API: every router mounted under /scale/, /scale/v5/ and /scale/v6/ (seed 002 shapes, v6 extras).
import path from 'node:path';
import express, { Router } from 'express';
import type { Core } from '../core/index.ts';
import type { Logger } from '../log.ts';
import type { RegistryClient } from '../executors/docker/images.ts';
import { configurationRouter, configurationUploadRouter } from './configuration.ts';
import { errorsRouter } from './errors.ts';
import { filesRouter } from './files.ts';
import { HttpError, errorHandler, jsonBody } from './http.ts';
import { jobTypeVersionsRouter } from './job-type-versions.ts';
import { jobTypesRouter } from './job-types.ts';
import { timelineRouter } from './timeline.ts';
import { diagnosticsRouter } from './diagnostics.ts';
import { jobExecutionsRouter, jobsRouter } from './jobs.ts';
import { nodesRouter } from './nodes.ts';
import { metricsRouter } from './metrics.ts';
import { requestLog } from './request-log.ts';
import { securityHeaders } from '../http/security-headers.ts';
import { cors, type CorsOrigins } from '../http/cors.ts';
import { scaleUiRouter, type ScaleUiOptions } from '../http/scale-ui.ts';
import { authenticate, type AuthSettings } from '../auth/middleware.ts';
import { rateLimit, type RateLimit } from '../auth/rate-limit.ts';
import type { Telemetry } from '../telemetry/prometheus.ts';
import { queueRouter } from './queue.ts';
import { recipeTypesRouter } from './recipe-types.ts';
import { recipesRouter } from './recipes.ts';
import { batchesRouter } from './batches.ts';
import { workspacesRouter } from './workspaces.ts';
import { ingestRouter } from './ingest.ts';
import { sourcesProductsRouter } from './sources-products.ts';
import { uiRouter } from './ui.ts';
import { scaleIndexRouter } from './index-page.ts';

export interface ScaleApiOptions {
  maxBodyBytes: number;
  maxUploadBytes: number;
  executionsDir: string;
  nodeLostSeconds: number;
  defaultWorkspace: () => string | null;
  schedulerOnline: () => boolean;
  registry: RegistryClient | null;
  log: Logger;
  /** Prometheus metrics, served at GET /metrics when given. */
  telemetry?: Telemetry;
  /** Bearer tokens and scopes checked on every request (none: every request may do everything). */
  auth?: AuthSettings;
  /** Requests a minute per caller (none: no limit). */
  rateLimit?: RateLimit | null;
  /** Origins allowed to call the Scale API across origins (none: no CORS headers). */
  cors?: CorsOrigins | null;
  /** NGA's scale-ui build hosted at /scale-ui/ (none: not hosted). */
  scaleUi?: ScaleUiOptions | null;
}

/** A path of the Scale API (not /scale-ui/). */
const isScalePath = (p: string) => p === '/scale' || p.startsWith('/scale/');

export function scaleApi(core: Core, opts: ScaleApiOptions): Router {
  const api = Router({ strict: true });
  // Uploads are streamed, so the JSON parser must not touch them.
  api.use(filesRouter(core, opts));
  api.use(configurationUploadRouter(core, opts));
  api.use(jsonBody(opts.maxBodyBytes));
  api.use(errorsRouter(core));
  api.use(workspacesRouter(core));
  api.use(ingestRouter(core));
  api.use(sourcesProductsRouter(core));
  api.use(jobTypesRouter(core, opts));
  api.use(jobTypeVersionsRouter(core));
  api.use(jobsRouter(core));
  api.use(jobExecutionsRouter(core, (id) => path.join(opts.executionsDir, String(id), 'log')));
  api.use(queueRouter(core));
  api.use(recipeTypesRouter(core));
  api.use(recipesRouter(core));
  api.use(batchesRouter(core));
  api.use(configurationRouter(core));
  api.use(nodesRouter(core, opts));
  api.use(metricsRouter(core));
  api.use(timelineRouter(core));
  api.use(diagnosticsRouter(core));
  // The API's root: an index of its versions and endpoints (Scale has none; a 404 before).
  api.use(scaleIndexRouter());
  api.use((req, _res, next) => next(new HttpError(404, `no Scale API endpoint ${req.method} ${req.originalUrl.split('?')[0]}`)));
  api.use(errorHandler(opts.log));

  const outer = Router();
  // v5 routes speak recipe definition 1.0, v6 routes v6; the plain routes answer in the format given.
  outer.use('/scale/v6', api);
  outer.use('/scale/v5', api);
  outer.use('/scale', api);
  return outer;
}

/** The HTTP app: the Scale API under /scale/, then the other front doors (`doors`, mounted at /). */
export function createApp(core: Core, opts: ScaleApiOptions, doors: Router[] = []): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(requestLog(opts.log, opts.telemetry));
  app.use(securityHeaders());
  // Before authentication and the rate limit: preflights carry no token, and refusals need the headers to be read.
  if (opts.cors) app.use(cors(opts.cors, isScalePath));
  if (opts.auth) app.use(authenticate(opts.auth));
  if (opts.rateLimit) app.use(rateLimit(opts.rateLimit));
  const telemetry = opts.telemetry;
  if (telemetry) {
    app.get('/metrics', async (_req, res) => {
      res.type(telemetry.contentType).send(await telemetry.scrape());
    });
  }
  app.use(uiRouter());
  if (opts.scaleUi) app.use(scaleUiRouter(opts.scaleUi));
  app.use(scaleApi(core, opts));
  for (const door of doors) app.use(door);
  app.use((req, res) => {
    // Both shapes at once: Scale's {detail} and the OGC exception's {type, title, status}.
    res.status(404).json({ type: 'NotFound', title: 'Not found', status: 404, detail: `no endpoint ${req.method} ${req.originalUrl.split('?')[0]}` });
  });
  app.use(errorHandler(opts.log));
  return app;
}
